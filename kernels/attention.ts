// Fused multi-head attention as HF DistilBERT computes it, forward and backward, on the layout the
// q/k/v projections produce: q, k, v, context are [B, T, H·D] row-major, head h in columns h·D..h·D+D-1.
//
//   scores = (q / √D) · kᵀ,  masked keys (mask == 0) set to float32's lowest value,
//   P = softmax over keys,   context = dropout(P) · v,   lse = logsumexp of each score row ([B, H, T]).
//
// FlashAttention-2's scheme (Dao, 2023): parallel over blocks of query rows, keys in the inner
// loop, only the logsumexp saved, and a backward split into a dQ kernel and a dK/dV kernel. A
// workgroup takes ROWS consecutive query rows of one (batch, head), so a launch has
// B·H·⌈T/ROWS⌉ workgroups, and ROWS·DV threads: thread t owns vector c = t % DV of row r = t / DV
// of the output (a head row is DV vectors: vec4f when D is a multiple of 4, else f32). The
// workgroup walks the keys in tiles of TILE rows staged in workgroup memory (K and V, with the
// query block staged once), and for each tile
//   1. every thread computes some of the ROWS × TILE scores (and their dropout factors) into a
//      workgroup tile, reading rows of both staged blocks;
//   2. every thread of row r folds the row's scores into its own copy of the row's online softmax
//      (the same arithmetic in each, so the same bits): the new running max, the rescale of its
//      output vector and of the weight sum, then the tile's V vectors weighted by exp(s - max)
//      and the dropout factor (the row's sum is taken before dropout).
// No thread keeps an array: each holds one vector of the output, and the blocks are shared. The
// threads of a row repeat the row's max and exps rather than wait for one of them to do it.
// By default ROWS is 16 (fewer where ROWS·DV would pass 256 threads) and TILE the most rows, up
// to 16, whose tiles fit the 16 KiB of workgroup memory every adapter has (`blockTiling`).
//
// Masked scores are exactly float32's lowest value, as masked_fill(mask == 0, finfo.min) makes
// them, and the running max starts there too, never at -inf: with some kept key, a masked key's
// exp(lowest - max) is 0; with all keys masked every score ties and the weights are uniform,
// which is what PyTorch gives. No -inf ever enters an exp, so nothing becomes NaN.
//
// Backward, without float atomics and deterministic (every sum has a fixed order; the one atomic
// is a workgroup-local atomicOr flag in dK/dV saying whether the sequence has any kept key), in
// the same blocks (docs/attention-backward.md derives it):
//   attentionRowStats: stats[row] = (lse, Δ = rowsum(dO ∘ O)), one thread per query row, or with
//     subgroups four adjacent threads of a subgroup per row, each summing a quarter of the row
//     (adjacent threads then read adjacent memory), combined by two subgroupShuffleXor steps
//     (a fixed butterfly, so every lane gets the same bits);
//   attentionGradQuery: dQ, a workgroup per block of query rows looping over key tiles;
//   attentionGradKeyValue: dK and dV, a workgroup per block of key rows looping over query tiles.
// In both, the threads compute a tile's P and dS for the whole block together, as the forward's
// scores, then each adds the tile into its vector of dQ (or of dK and dV). Both recompute P = exp(s - lse) from q, k and the saved lse, and use dS = P ∘ (M ∘ dO·vᵀ - Δ),
// where M is the dropout factor (0 or 1/(1-p); 1 without dropout) and Δ = rowsum(dO ∘ O) still
// equals rowsum(P ∘ M ∘ dO·vᵀ) because O = (P ∘ M)·v. The dropout mask is redrawn, never stored.
// Masked scores are constants (masked_fill passes no gradient), so masked keys get dK = 0 and
// take no part in dQ; their dV is 0 unless every key of the sequence is masked, when each
// weight is 1/T. The lse of such a row (lowest + log T rounds to lowest) is not used.
//
// The stats pairing keeps each backward kernel within 8 storage buffers, WebGPU's default, without
// dropout; with it, dK/dV also binds the step of its random stream (kernels/rng.ts), a ninth.
//
// The older kernels of one thread per row (kernels/attention_rows.ts) are attention variant 2;
// these are variant 3 (bench/kernels/attention.ts times both, `npm run tune` picks per device).
// CPU reference: reference/float64.ts `attentionRef`; tests: test/ops/attention.test.ts.
//
// With `half` (autocast's mixed precision, engine/ops/autocast.ts), the kernels compute on the f16
// values of q, k and v: they read f16 tensors and widen each element to f32 as they load it, or,
// with `rounded` too (what autocast launches), read the f32 tensors and round each element to f16
// as they load it (kernels/cast.ts `ROUND_TO_HALF`, the cast kernel's rounding, overflow to ±inf
// included) before widening it: the same values, so the same bits, as casting q, k and v first,
// without the cast's launch. Scores, softmax statistics, accumulators, context, lse and every
// gradient stay f32. Every load of q, k or v goes through `widened` (`ATTENTION_INPUTS`). Tests of
// both: test/engine/fp16.test.ts (against float64, and rounded against cast, bit for bit).
import {
  F32_LOWEST,
  FLAT_BUILTINS,
  MAX_GRID,
  f32,
  flatGrid,
  flatIndex,
  u32,
  uniformBlock,
  type KernelLaunch,
  type Uniforms,
} from './launch.ts';
import { ROUND_TO_HALF } from './cast.ts';
import { RNG_WGSL, rngDraw, rngStepBinding, rngUniforms, type RngStream } from './rng.ts';
import { fillTemplate } from './template.ts';

export interface AttentionDims {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  /** The kernels compute on f16 q, k and v (needs the shader-f16 feature); everything else is f32. */
  half?: boolean;
  /** With `half`: q, k and v hold f32, rounded to f16 as they are loaded (as kernels/cast.ts rounds). */
  rounded?: boolean;
  /** The workgroup's rows and the staged tile's rows; each variant's `…Tiling` gives its defaults. */
  tiling?: AttentionTiling;
}

export interface AttentionTiling {
  /** Rows a workgroup owns: query rows (forward, dQ) or key rows (dK/dV). */
  rows: number;
  /** Rows of the other side (keys, or queries for dK/dV) staged in workgroup memory per tile. */
  tile: number;
}

/**
 * Attention dropout, applied to the softmax weights as HF's nn.Dropout does: weight (b, h, i, j)
 * is kept when the uniform for element ((b·H + h)·T + i)·T + j of the rng stream is >= p, i.e.
 * exactly the mask engine/ops/dropout.ts would draw for the [B, H, T, T] weights tensor, and
 * kept weights are scaled by 1/(1-p). The softmax normaliser (and lse) are taken before dropout.
 */
export interface AttentionDropout {
  probability: number;
  rng: RngStream;
}

/** The largest head dim: a block's rows and tiles must fit workgroup memory. */
export const MAX_HEAD_DIM = 256;
/** Workgroup memory every adapter offers (WebGPU's default maxComputeWorkgroupStorageSize). */
export const WORKGROUP_BYTES = 16384;
/** Threads per workgroup every adapter offers (WebGPU's default, and llvmpipe's and SwiftShader's most). */
export const WORKGROUP_THREADS = 256;

/** Floats per head-row vector: vec4 rows when D allows. */
const vectorWidth = (dims: AttentionDims) => (dims.headDim % 4 === 0 ? 4 : 1);
/** Vectors per head row. */
export const rowVectors = (dims: AttentionDims) => dims.headDim / vectorWidth(dims);

/**
 * The placeholders every attention template shares (`ATTENTION_PRELUDE`, the operand types and,
 * with dropout, the step of its random stream as binding `stepBinding`), for `dims` and `dropout`.
 */
export function attentionConstants(
  dims: AttentionDims,
  uniforms: Uniforms,
  dropout: AttentionDropout | null,
  stepBinding = 0,
): Record<string, string | number> {
  const vec4 = vectorWidth(dims) === 4;
  const dropKeep = dropout
    ? `${RNG_WGSL}fn dropKeep(bh: u32, i: u32, j: u32) -> f32 {
  return select(0.0, p.keepScale, ${rngDraw('(bh * p.seq + i) * p.seq + j')} >= p.dropProbability);
}`
    : 'fn dropKeep(bh: u32, i: u32, j: u32) -> f32 { return 1.0; }';
  if (dims.rounded && !dims.half) throw new Error('attention: `rounded` rounds q, k and v to f16 for a `half` kernel');
  const operand = dims.half && !dims.rounded ? 'f16' : 'f32';
  // roundedToHalf takes one value: a vec4 row element rounds its four lanes one by one.
  const rounding = vec4 ? 'vec4<f16>(roundedToHalf(x.x), roundedToHalf(x.y), roundedToHalf(x.z), roundedToHalf(x.w))' : 'roundedToHalf(x)';
  return {
    ENABLE: dims.half ? 'enable f16;\n' : '',
    UNIFORMS: uniformBlock(uniforms),
    V: vec4 ? 'vec4f' : 'f32',
    DV: rowVectors(dims),
    DOT: vec4 ? 'dot(a, b)' : 'a * b',
    LOWEST: F32_LOWEST,
    DROP_KEEP: dropKeep,
    RNG_STEP: dropout ? `\n${rngStepBinding(stepBinding)}` : '',
    QKV: vec4 ? `vec4<${operand}>` : operand,
    ROUND_TO_HALF: dims.rounded ? `${ROUND_TO_HALF}\n` : '',
    WIDENED: dims.rounded ? `V(${rounding})` : dims.half ? 'V(x)' : 'x',
  };
}

/** WGSL every attention kernel opens with; every tensor but q, k and v is an array of V. */
export const ATTENTION_PRELUDE = `{{ENABLE}}{{UNIFORMS}}
// A head row is DV vectors of type V (vec4f when D is a multiple of 4, else f32).
alias V = {{V}};
const DV: u32 = {{DV}}u;
const LOWEST: f32 = {{LOWEST}};
fn vdot(a: V, b: V) -> f32 { return {{DOT}}; }
// Offset, in vectors, of row t of head bh = b·H + h in a [B, T, H·D] tensor.
fn rowOffset(bh: u32, t: u32) -> u32 { return ((bh / p.heads * p.seq + t) * p.heads + bh % p.heads) * DV; }
// The dropout factor of weight (i, j) of head bh: 0, 1/(1-p), or 1 without dropout.
{{DROP_KEEP}}`;

/**
 * The inputs of the forward, dQ and dK/dV kernels: bindings 1-4; whether key t of head bh is kept;
 * and `widened`, which every load of q, k or v goes through: the element itself (f32), widened
 * from f16 (`half`), or rounded to f16 and widened (`rounded`).
 */
export const ATTENTION_INPUTS = `@group(0) @binding(1) var<storage, read> q: array<{{QKV}}>;
@group(0) @binding(2) var<storage, read> k: array<{{QKV}}>;
@group(0) @binding(3) var<storage, read> v: array<{{QKV}}>;
@group(0) @binding(4) var<storage, read> mask: array<i32>;
fn keyKept(bh: u32, t: u32) -> bool { return mask[bh / p.heads * p.seq + t] != 0; }
{{ROUND_TO_HALF}}// An element of q, k or v as the kernels compute on it.
fn widened(x: {{QKV}}) -> V { return {{WIDENED}}; }`;

/** What the dQ and dK/dV kernels also read: bindings 5 and 6. */
export const BACKWARD_INPUTS = `@group(0) @binding(5) var<storage, read> stats: array<vec2f>;  // (lse, Δ) of each query row
@group(0) @binding(6) var<storage, read> grad: array<V>;  // dO`;

/** The uniforms of the forward, dQ and dK/dV kernels. */
export function attentionUniforms(dims: AttentionDims, dropout: AttentionDropout | null): Uniforms {
  const uniforms: Uniforms = { seq: u32(dims.seq), heads: u32(dims.heads), sqrtHeadDim: f32(Math.sqrt(dims.headDim)) };
  if (!dropout) return uniforms;
  const { probability, rng } = dropout;
  // p = 1 drops every weight; a zero scale keeps inf out of the unselected branch.
  const keepScale = probability < 1 ? 1 / (1 - probability) : 0;
  return { ...uniforms, dropProbability: f32(probability), keepScale: f32(keepScale), ...rngUniforms(rng) };
}

/** Kernel names say which head dim, operands (f16, f16 rounded from f32), tiling (when not the default) and dropout they were specialised for. */
export const attentionKernelName = (base: string, dims: AttentionDims, dropout: AttentionDropout | null) =>
  `${base}_d${dims.headDim}${dims.half ? '_f16' : ''}${dims.rounded ? '_rounded' : ''}${dims.tiling ? `_${dims.tiling.rows}x${dims.tiling.tile}` : ''}${dropout ? '_dropout' : ''}`;

/** One workgroup per `rows` rows of one (batch, head). */
export function attentionGrid(dims: AttentionDims, rows: number): [number, number, number] {
  const pairs = dims.batch * dims.heads;
  if (pairs > MAX_GRID) throw new Error(`attention: batch × heads = ${pairs} exceeds the grid limit ${MAX_GRID}`);
  return [Math.ceil(dims.seq / rows), pairs, 1];
}

/** Checks a tiling's numbers: positive integers. */
export function checkTiling(tiling: AttentionTiling): AttentionTiling {
  const { rows, tile } = tiling;
  if (!Number.isInteger(rows) || !Number.isInteger(tile) || rows < 1 || tile < 1) {
    throw new Error(`attention tiling ${JSON.stringify(tiling)}: rows and tile must be positive integers`);
  }
  return tiling;
}

// ---------------------------------------------------------------------------------------------
// The block kernels (variant 3).

/** Rows a block kernel's workgroup owns by default: 16, fewer where ROWS·DV threads would pass 256. */
const BLOCK_ROWS = 16;
/** Tile rows at most by default: beyond 16, a tile's serial softmax step outweighs its fewer barriers. */
const BLOCK_TILE = 16;

/** Which block kernel: they stage different blocks and tiles (see `blockBytes`). */
export type BlockKernel = 'forward' | 'gradQuery' | 'gradKeyValue';

/**
 * Workgroup bytes of a block kernel at `rows` × `tile`: its own block's rows, the staged tile's
 * rows, and the rows × tile score-sized arrays (with a word or two per row).
 */
export function blockBytes(kernel: BlockKernel, dims: AttentionDims, { rows, tile }: AttentionTiling): number {
  const row = 4 * dims.headDim;
  if (kernel === 'forward') return rows * row + tile * (2 * row + 4) + rows * tile * 8;
  if (kernel === 'gradQuery') return rows * (2 * row + 8) + tile * (2 * row + 4) + rows * tile * 4;
  return rows * (2 * row + 4) + tile * (2 * row + 8) + rows * tile * 8 + 4;
}

/**
 * `dims.tiling`, else BLOCK_ROWS rows (fewer where the workgroup would pass 256 threads) and as
 * many tile rows, up to BLOCK_TILE, as fit WORKGROUP_BYTES.
 */
export function blockTiling(kernel: BlockKernel, dims: AttentionDims): AttentionTiling {
  if (dims.tiling) return checkTiling(dims.tiling);
  const rows = Math.max(1, Math.min(BLOCK_ROWS, Math.floor(WORKGROUP_THREADS / rowVectors(dims))));
  let tile = BLOCK_TILE;
  while (tile > 1 && blockBytes(kernel, dims, { rows, tile }) > WORKGROUP_BYTES) tile--;
  return { rows, tile };
}

/**
 * A block kernel's launch: its template filled for `dims`, one workgroup per ROWS rows; with
 * dropout, the step of its stream is binding `stepBinding`, after the kernel's others.
 */
function blockLaunch(
  kernel: BlockKernel,
  name: string,
  template: string,
  stepBinding: number,
  dims: AttentionDims,
  dropout: AttentionDropout | null,
): KernelLaunch {
  const uniforms = attentionUniforms(dims, dropout);
  const { rows, tile } = blockTiling(kernel, dims);
  const code = fillTemplate(template, { ...attentionConstants(dims, uniforms, dropout, stepBinding), ROWS: rows, TILE: tile });
  return { name: attentionKernelName(name, dims, dropout), code, workgroups: attentionGrid(dims, rows), uniforms };
}

/**
 * What the block kernels open with. A workgroup owns rows first..first+ROWS-1 of head bh, and
 * thread t vector c = t % DV of its row r = t / DV; rows past the end copy the last row.
 */
const BLOCK_KERNEL = `${ATTENTION_PRELUDE}
const ROWS: u32 = {{ROWS}}u;  // rows a workgroup owns: query rows (forward, dQ) or key rows (dK/dV)
const TILE: u32 = {{TILE}}u;  // rows of the other side staged per tile
const THREADS: u32 = ROWS * DV;
${ATTENTION_INPUTS}`;

/** What the forward and dQ kernels add: the staged tile of keys and values. */
const QUERY_BLOCK_KERNEL = `${BLOCK_KERNEL}
var<workgroup> kTile: array<V, TILE * DV>;
var<workgroup> vTile: array<V, TILE * DV>;
var<workgroup> keptKey: array<u32, TILE>;

// Keys start..start+TILE-1 of head bh into the tiles, all threads helping; keys past the end are masked.
fn stageKeys(bh: u32, start: u32, t: u32) {
  for (var e = t; e < TILE * DV; e += THREADS) {
    let o = rowOffset(bh, min(start + e / DV, p.seq - 1u)) + e % DV;
    kTile[e] = widened(k[o]);
    vTile[e] = widened(v[o]);
  }
  for (var j = t; j < TILE; j += THREADS) { keptKey[j] = u32(start + j < p.seq && keyKept(bh, start + j)); }
}`;

const FORWARD = `${QUERY_BLOCK_KERNEL}
@group(0) @binding(5) var<storage, read_write> context: array<V>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;{{RNG_STEP}}

var<workgroup> qBlock: array<V, ROWS * DV>;  // the block's query rows, over √D
var<workgroup> scores: array<f32, ROWS * TILE>;
var<workgroup> keep: array<f32, ROWS * TILE>;  // their dropout factors

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let first = wid.x * ROWS;
  let r = t / DV;
  let c = t % DV;
  qBlock[t] = widened(q[rowOffset(bh, min(first + r, p.seq - 1u)) + c]) / p.sqrtHeadDim;
  var acc = V(0.0);
  var runningMax = LOWEST;
  var weightSum = 0.0;
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    stageKeys(bh, start, t);
    workgroupBarrier();
    for (var e = t; e < ROWS * TILE; e += THREADS) {
      let row = e / TILE;
      let j = e % TILE;
      var s = 0.0;
      for (var d = 0u; d < DV; d++) { s += vdot(qBlock[row * DV + d], kTile[j * DV + d]); }
      scores[e] = select(LOWEST, s, keptKey[j] != 0u);
      keep[e] = dropKeep(bh, min(first + row, p.seq - 1u), start + j);
    }
    workgroupBarrier();
    // Each thread of row r folds the row's scores into the online softmax (the same arithmetic in
    // all of them, so the same bits): new max, rescale, then the tile's weighted V vectors.
    var tileMax = runningMax;
    for (var j = 0u; j < n; j++) { tileMax = max(tileMax, scores[r * TILE + j]); }
    let rescale = exp(runningMax - tileMax);
    weightSum *= rescale;
    acc *= rescale;
    for (var j = 0u; j < n; j++) {
      let weight = exp(scores[r * TILE + j] - tileMax);
      weightSum += weight;
      acc += weight * keep[r * TILE + j] * vTile[j * DV + c];
    }
    runningMax = tileMax;
    workgroupBarrier();
  }
  if (first + r < p.seq) {
    context[rowOffset(bh, first + r) + c] = acc / weightSum;
    if (c == 0u) { lse[bh * p.seq + first + r] = runningMax + log(weightSum); }
  }
}`;

/**
 * Bindings: q, k, v [B, T, H·D], mask i32 [B, T], context [B, T, H·D] (written), lse [B, H, T]
 * (written); with dropout, its step.
 */
export function attentionForward(dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch {
  return blockLaunch('forward', 'attention_forward', FORWARD, 7, dims, dropout);
}

const GRAD_QUERY = `${QUERY_BLOCK_KERNEL}
${BACKWARD_INPUTS}
@group(0) @binding(7) var<storage, read_write> gradQ: array<V>;{{RNG_STEP}}

var<workgroup> qBlock: array<V, ROWS * DV>;  // the block's query rows, over √D
var<workgroup> gBlock: array<V, ROWS * DV>;  // and their output gradients
var<workgroup> rowStats: array<vec2f, ROWS>;
var<workgroup> dScores: array<f32, ROWS * TILE>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let first = wid.x * ROWS;
  let r = t / DV;
  let c = t % DV;
  let i = min(first + r, p.seq - 1u);
  qBlock[t] = widened(q[rowOffset(bh, i) + c]) / p.sqrtHeadDim;
  gBlock[t] = grad[rowOffset(bh, i) + c];
  if (c == 0u) { rowStats[r] = stats[bh * p.seq + i]; }
  var acc = V(0.0);
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    stageKeys(bh, start, t);
    workgroupBarrier();
    // dS = P ∘ (M ∘ dO·vᵀ - Δ), with P = exp(s - lse); masked keys pass no gradient.
    for (var e = t; e < ROWS * TILE; e += THREADS) {
      let row = e / TILE;
      let j = e % TILE;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < DV; d++) {
        s += vdot(qBlock[row * DV + d], kTile[j * DV + d]);
        dp += vdot(gBlock[row * DV + d], vTile[j * DV + d]);
      }
      let keepFactor = dropKeep(bh, min(first + row, p.seq - 1u), start + j);
      let ds = exp(s - rowStats[row].x) * (keepFactor * dp - rowStats[row].y);
      dScores[e] = select(0.0, ds, keptKey[j] != 0u);
    }
    workgroupBarrier();
    for (var j = 0u; j < n; j++) { acc += dScores[r * TILE + j] * kTile[j * DV + c]; }
    workgroupBarrier();
  }
  if (first + r < p.seq) { gradQ[rowOffset(bh, first + r) + c] = acc / p.sqrtHeadDim; }
}`;

/** Bindings: q, k, v [B, T, H·D], mask i32 [B, T], stats [B, H, T, 2], grad dO [B, T, H·D], dQ (written); with dropout, its step. */
export function attentionGradQuery(dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch {
  return blockLaunch('gradQuery', 'attention_grad_query', GRAD_QUERY, 8, dims, dropout);
}

const GRAD_KEY_VALUE = `${BLOCK_KERNEL}
${BACKWARD_INPUTS}
@group(0) @binding(7) var<storage, read_write> gradK: array<V>;
@group(0) @binding(8) var<storage, read_write> gradV: array<V>;{{RNG_STEP}}

var<workgroup> kBlock: array<V, ROWS * DV>;  // the block's key rows
var<workgroup> vBlock: array<V, ROWS * DV>;  // and value rows
var<workgroup> keptKey: array<u32, ROWS>;
var<workgroup> qTile: array<V, TILE * DV>;  // a tile of query rows, over √D
var<workgroup> gTile: array<V, TILE * DV>;  // and their output gradients
var<workgroup> statsTile: array<vec2f, TILE>;
var<workgroup> weights: array<f32, TILE * ROWS>;  // P ∘ M
var<workgroup> dScores: array<f32, TILE * ROWS>;
var<workgroup> anyKept: atomic<u32>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let first = wid.x * ROWS;
  let r = t / DV;
  let c = t % DV;
  let j = min(first + r, p.seq - 1u);
  kBlock[t] = widened(k[rowOffset(bh, j) + c]);
  vBlock[t] = widened(v[rowOffset(bh, j) + c]);
  if (c == 0u) { keptKey[r] = u32(keyKept(bh, j)); }
  for (var key = t; key < p.seq; key += THREADS) {
    if (keyKept(bh, key)) { atomicOr(&anyKept, 1u); }
  }
  workgroupBarrier();
  // A masked key's weight: 0, or 1/T when the whole sequence is masked (uniform softmax).
  let maskedWeight = select(1.0 / f32(p.seq), 0.0, atomicLoad(&anyKept) != 0u);
  var dk = V(0.0);
  var dv = V(0.0);
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    for (var e = t; e < TILE * DV; e += THREADS) {
      let o = rowOffset(bh, min(start + e / DV, p.seq - 1u)) + e % DV;
      qTile[e] = widened(q[o]) / p.sqrtHeadDim;
      gTile[e] = grad[o];
    }
    for (var e = t; e < TILE; e += THREADS) { statsTile[e] = stats[bh * p.seq + min(start + e, p.seq - 1u)]; }
    workgroupBarrier();
    // P, M and dS = P ∘ (M ∘ dO·vᵀ - Δ) for each (query, key); masked keys get no dK.
    for (var e = t; e < TILE * ROWS; e += THREADS) {
      let query = e / ROWS;
      let key = e % ROWS;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < DV; d++) {
        s += vdot(qTile[query * DV + d], kBlock[key * DV + d]);
        dp += vdot(gTile[query * DV + d], vBlock[key * DV + d]);
      }
      let kept = keptKey[key] != 0u;
      let weight = select(maskedWeight, exp(s - statsTile[query].x), kept);
      let keepFactor = dropKeep(bh, start + query, min(first + key, p.seq - 1u));
      weights[e] = weight * keepFactor;
      dScores[e] = select(0.0, weight * (keepFactor * dp - statsTile[query].y), kept);
    }
    workgroupBarrier();
    for (var query = 0u; query < n; query++) {
      dv += weights[query * ROWS + r] * gTile[query * DV + c];
      dk += dScores[query * ROWS + r] * qTile[query * DV + c];
    }
    workgroupBarrier();
  }
  if (first + r < p.seq) {
    gradK[rowOffset(bh, first + r) + c] = dk;
    gradV[rowOffset(bh, first + r) + c] = dv;
  }
}`;

/** Bindings: q, k, v [B, T, H·D], mask i32 [B, T], stats [B, H, T, 2], grad dO, dK (written), dV (written); with dropout, its step. */
export function attentionGradKeyValue(dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch {
  return blockLaunch('gradKeyValue', 'attention_grad_key_value', GRAD_KEY_VALUE, 9, dims, dropout);
}

// ---------------------------------------------------------------------------------------------
// The row statistics, shared by both variants' backward.

const ROW_STATS = `{{ENABLE_SUBGROUPS}}${ATTENTION_PRELUDE}
@group(0) @binding(1) var<storage, read> context: array<V>;
@group(0) @binding(2) var<storage, read> grad: array<V>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<vec2f>;
const LANES: u32 = {{LANES}}u;  // threads per row

@compute @workgroup_size(256)
fn main(${FLAT_BUILTINS}) {
  let thread = ${flatIndex(256)};
  let rows = p.batch * p.heads * p.seq;
  // Lanes past the last row redo it and write nothing: every lane must reach the shuffles.
  let r = min(thread / LANES, rows - 1u);  // row t of head bh, r = bh·T + t
  let lane = thread % LANES;
  let base = rowOffset(r / p.seq, r % p.seq);
  var delta = 0.0;
  for (var c = lane; c < DV; c += LANES) { delta += vdot(grad[base + c], context[base + c]); }
  {{COMBINE_LANES}}
  if (thread / LANES < rows && lane == 0u) { stats[r] = vec2f(lse[r], delta); }
}`;

/**
 * stats[r] = (lse[r], Σ_d dO[r, d] · O[r, d]) for each query row r = (b, h, t).
 * Bindings: context O, grad dO [B, T, H·D], lse [B, H, T], stats [B, H, T, 2] (written).
 */
export function attentionRowStats(dims: AttentionDims, subgroups = false): KernelLaunch {
  const f32Dims = { ...dims, half: false, rounded: false, tiling: undefined };
  const uniforms = { batch: u32(dims.batch), ...attentionUniforms(f32Dims, null) };
  const rows = dims.batch * dims.heads * dims.seq;
  // Lanes per row: 4, the smallest subgroup size, so a row's lanes are always in one subgroup.
  const lanes = subgroups ? 4 : 1;
  const code = fillTemplate(ROW_STATS, {
    ...attentionConstants(f32Dims, uniforms, null),
    ENABLE_SUBGROUPS: subgroups ? 'enable subgroups;\n' : '',
    LANES: lanes,
    COMBINE_LANES: subgroups ? 'delta += subgroupShuffleXor(delta, 1u);\n  delta += subgroupShuffleXor(delta, 2u);' : '',
  });
  const name = `${attentionKernelName('attention_row_stats', f32Dims, null)}${subgroups ? '_subgroups' : ''}`;
  return { name, code, workgroups: flatGrid(rows * lanes, 256), uniforms };
}
