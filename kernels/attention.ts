// Fused multi-head attention as HF DistilBERT computes it, forward and backward, on the layout the
// q/k/v projections produce: q, k, v, context are [B, T, H·D] row-major, head h in columns h·D..h·D+D-1.
//
//   scores = (q / √D) · kᵀ,  masked keys (mask == 0) set to float32's lowest value,
//   P = softmax over keys,   context = dropout(P) · v,   lse = logsumexp of each score row ([B, H, T]).
//
// Scheme (FlashAttention-2's choices: parallel over query rows, keys in the inner loop, only the
// logsumexp saved, and a backward split into a dQ kernel and a dK/dV kernel; one thread per row
// here, where FlashAttention-2 has warps multiply tiles of rows): a workgroup of ROWS threads takes ROWS
// consecutive query rows of one (batch, head); each thread keeps its scaled query row and its
// output accumulator in registers. The workgroup walks the keys in tiles of TILE rows staged in
// workgroup memory (K and V tiles, ≤ 8 KiB together), and each thread folds a tile into an online
// softmax: new max, one rescale of the accumulator, then the tile's exp-weighted V rows. Every
// thread reads the same tile element at the same time, so workgroup memory reads are broadcasts.
// Rows are handled as vec4s when D is a multiple of 4, else as scalars.
//
// Unrolled (`dims.unrolled`, what the op launches on CPU rasterisers for sequences up to 32): one
// tile of the whole sequence rounded up to 8 rows, and the loop over a tile's rows written out
// row by row with constant indices, so that no loop surrounds a tile read. Lavapipe runs 8
// invocations as one SIMD program; outside loops and branches it reads a workgroup-memory address
// that is the same for all of them once, but inside a loop with one load per invocation, and
// those loads were most of these kernels' time (twice as fast unrolled at T=16, D=16). Rows past
// the sequence get no weight by selects, never by branches, for the same reason; the kernel is
// specialised to the rounded length only, so sequences of 9 to 16 share one.
//
// Masked scores are exactly float32's lowest value, as masked_fill(mask == 0, finfo.min) makes
// them, and the running max starts there too, never at -inf: with some kept key, a masked key's
// exp(lowest - max) is 0; with all keys masked every score ties and the weights are uniform,
// which is what PyTorch gives. No -inf ever enters an exp, so nothing becomes NaN.
//
// Backward, without float atomics and deterministic (every sum has a fixed order; the one atomic
// is a workgroup-local atomicOr flag in dK/dV saying whether the sequence has any kept key):
//   attentionRowStats: stats[row] = (lse, Δ = rowsum(dO ∘ O)), one thread per query row, or with
//     subgroups four adjacent threads of a subgroup per row, each summing a quarter of the row
//     (adjacent threads then read adjacent memory), combined by two subgroupShuffleXor steps
//     (a fixed butterfly, so every lane gets the same bits);
//   attentionGradQuery: dQ, one thread per query row looping over key tiles;
//   attentionGradKeyValue: dK and dV, one thread per key row looping over query tiles (Q/√D, dO,
//     lse and Δ staged in workgroup memory).
// Both recompute P = exp(s - lse) from q, k and the saved lse, and use dS = P ∘ (M ∘ dO·vᵀ - Δ),
// where M is the dropout factor (0 or 1/(1-p); 1 without dropout) and Δ = rowsum(dO ∘ O) still
// equals rowsum(P ∘ M ∘ dO·vᵀ) because O = (P ∘ M)·v. The dropout mask is redrawn, never stored.
// Masked scores are constants (masked_fill passes no gradient), so masked keys get dK = 0 and
// take no part in dQ; their dV is 0 unless every key of the sequence is masked, when each
// weight is 1/T. The lse of such a row (lowest + log T rounds to lowest) is not used.
//
// The stats pairing keeps each backward kernel within 8 storage buffers, WebGPU's default.
//
// Variants, as the benchmark numbers them (bench/kernels/attention.ts), with forward / backward
// times measured on lavapipe (Mesa 25, Vulkan: a CPU rasteriser) on a 2-core machine shared with
// other jobs (so only roughly), GPU timestamps, B4 H4 T64 D64:
//   npm run bench -- --quick --only attention --batch 4 --seq 64 --dim 256 --heads 4 --hidden 512 --layers 1 --vocab 1000
//   1 unfused (engine/ops/attention_unfused.ts): matmul, masked softmax, matmul, a [B, H, T, T]
//     score matrix stored twice, autograd's backward through the three ops: 78 / 94 ms;
//   2 fused (this file; tree reductions, as the ops launch it there): 48 / 165 ms.
// On a CPU rasteriser the fused backward's one thread per row loses to the unfused one's matmuls
// (the direct matmul kernel suits llvmpipe); what the fused kernels save everywhere is memory (no
// T×T matrix) and launches. GPU figures come from the lent-machine kit (bench/device/).
//
// With `half` (autocast's mixed precision, engine/ops/autocast.ts), q, k and v are f16: the kernels
// widen each element to f32 as they load it, so scores, softmax statistics, accumulators,
// context, lse and every gradient stay f32, and only the operands' memory traffic halves.
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
import { RNG_WGSL, rngDraw, rngStepBinding, rngUniforms, type RngStream } from './rng.ts';

export interface AttentionDims {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  /** q, k and v hold f16 (needs the shader-f16 feature); everything else is f32. */
  half?: boolean;
  /** The row kernels' workgroup and tile sizes; `attentionTiling` gives the defaults. */
  tiling?: AttentionTiling;
  /**
   * The row kernels take the whole sequence as one tile, rounded up to a multiple of 8 rows, and
   * their loops over a tile's rows are written out row by row (`tiling` is then ignored; the
   * sequence must be at most MAX_UNROLLED_SEQ). For CPU rasterisers, see the file's comment.
   */
  unrolled?: boolean;
}

export interface AttentionTiling {
  /** Threads per workgroup, one per query row (forward, dQ) or key row (dK/dV). */
  rows: number;
  /** Key (or query) rows staged in workgroup memory per tile, at most `rows`. */
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

/** Threads per workgroup at most by default; each owns one query row (forward, dQ) or one key row (dK/dV). */
const ROWS = 64;
/**
 * A default workgroup covers the sequence rounded up to this many rows (lavapipe's SIMD width):
 * threads past the end still compute a clamped row, which on a CPU rasteriser costs as much as a
 * real one (a short sequence in a 64-thread workgroup ran 3× slower on lavapipe).
 */
const ROW_MULTIPLE = 8;
/** The registers per thread grow with D (query, accumulator, and for the backward two more rows). */
export const MAX_HEAD_DIM = 256;
/**
 * The longest sequence the unrolled kernels take: their text grows with it, and lavapipe's compile
 * time faster (about 0.3, 1 and 5 s per kernel at 16, 32 and 64 rows).
 */
const MAX_UNROLLED_SEQ = 32;
/** Floats in a staged [TILE, D] tile at most: two of them fill 8 KiB of workgroup memory. */
const TILE_FLOATS = 1024;

/** Rows of a default workgroup: the sequence rounded up to a multiple of 8, at most 64. */
const coveringRows = (seq: number) => Math.min(ROWS, Math.max(1, Math.ceil(seq / ROW_MULTIPLE)) * ROW_MULTIPLE);

/** Whether the unrolled kernels take these dims: a sequence of at most 32 rows whose tiles fit. */
export const canUnroll = (dims: AttentionDims) => dims.seq <= MAX_UNROLLED_SEQ && coveringRows(dims.seq) * dims.headDim <= TILE_FLOATS;

/**
 * `dims.tiling`, else 64 rows per workgroup (fewer for a shorter sequence: the sequence rounded up
 * to a multiple of 8) and as many rows per tile (at most the rows) as keep two [TILE, D] float
 * tiles within 8 KiB of workgroup memory. A tile is staged by the workgroup's threads, one mask
 * entry each, so it can be no larger than the workgroup. Unrolled, one tile of those rows.
 */
export function attentionTiling(dims: AttentionDims): AttentionTiling {
  if (dims.unrolled) {
    if (!canUnroll(dims))
      throw new Error(
        `attention: the unrolled kernels take sequences up to ${MAX_UNROLLED_SEQ} whose tiles fit, not ${dims.seq} × ${dims.headDim}`,
      );
    return { rows: coveringRows(dims.seq), tile: coveringRows(dims.seq) };
  }
  const rows = dims.tiling?.rows ?? coveringRows(dims.seq);
  const tile = dims.tiling?.tile ?? Math.max(1, Math.min(rows, Math.floor(TILE_FLOATS / dims.headDim)));
  if (!Number.isInteger(rows) || !Number.isInteger(tile) || tile < 1 || tile > rows) {
    throw new Error(`attention tiling ${JSON.stringify(dims.tiling)}: rows and tile must be positive integers, tile at most rows`);
  }
  return { rows, tile };
}

/** Floats per row vector: vec4 rows when D allows. */
const vectorWidth = (dims: AttentionDims) => (dims.headDim % 4 === 0 ? 4 : 1);

/**
 * WGSL declarations shared by the kernels: sizes, the row vector type, its dot product, and
 * `dropKeep(bh, i, j)`, the factor (0, 1/(1-p), or 1 without dropout) on weight (i, j) of head bh.
 */
function prelude(dims: AttentionDims, uniforms: Uniforms, dropout: AttentionDropout | null): string {
  const width = vectorWidth(dims);
  const dropKeep = dropout
    ? `${RNG_WGSL}
fn dropKeep(bh: u32, i: u32, j: u32) -> f32 {
  return select(0.0, p.keepScale, ${rngDraw('(bh * p.seq + i) * p.seq + j')} >= p.dropProbability);
}`
    : 'fn dropKeep(bh: u32, i: u32, j: u32) -> f32 { return 1.0; }';
  const { rows, tile } = attentionTiling(dims);
  return `${dims.half ? 'enable f16;\n' : ''}${uniformBlock(uniforms)}
const ROWS: u32 = ${rows}u;
const TILE: u32 = ${tile}u;
const D: u32 = ${dims.headDim}u;
// A head row is DV values of type V, each W floats wide.
const W: u32 = ${width}u;
const DV: u32 = ${dims.headDim / width}u;
alias V = ${width === 4 ? 'vec4f' : 'f32'};
const LOWEST: f32 = ${F32_LOWEST};
fn vdot(a: V, b: V) -> f32 { return ${width === 4 ? 'dot(a, b)' : 'a * b'}; }
// Element offset of row t, head h, batch b in a [B, T, H·D] tensor.
fn rowOffset(b: u32, t: u32, h: u32) -> u32 { return (b * p.seq + t) * p.rowStride + h * D; }
${dropKeep}
`;
}

/** The operands that are f16 under `half`. */
const HALF_OPERANDS = ['q', 'k', 'v'];

/** WGSL expression for the V (f32) at element offset `o` of the array `src` (f16 when a half operand). */
function loadV(dims: AttentionDims, src: string, o: string): string {
  const half = dims.half && HALF_OPERANDS.includes(src);
  if (vectorWidth(dims) === 1) return half ? `f32(${src}[${o}])` : `${src}[${o}]`;
  const elements = `${src}[${o}], ${src}[${o} + 1u], ${src}[${o} + 2u], ${src}[${o} + 3u]`;
  return half ? `vec4f(vec4<f16>(${elements}))` : `vec4f(${elements})`;
}

/** WGSL statements storing the V `value` at element offset `o` of the f32 array `dst`. */
function storeV(dims: AttentionDims, dst: string, o: string, value: string): string {
  if (vectorWidth(dims) === 1) return `${dst}[${o}] = ${value};`;
  return `{ let value = ${value}; ${[0, 1, 2, 3].map((c) => `${dst}[${o} + ${c}u] = value[${c}];`).join(' ')} }`;
}

/**
 * WGSL statements copying head rows start..start+n-1 of `src` into `tile`, all threads helping;
 * `suffix` may apply an operator to each value (e.g. " / p.sqrtHeadDim").
 */
function stageRows(dims: AttentionDims, src: string, tile: string, suffix = ''): string {
  return `for (var e = lid.x; e < n * DV; e += ROWS) {
      let o = rowOffset(b, start + e / DV, h) + (e % DV) * W;
      ${tile}[e] = ${loadV(dims, src, 'o')}${suffix};
    }`;
}

function rowUniforms(dims: AttentionDims, dropout: AttentionDropout | null): Uniforms {
  const uniforms: Uniforms = {
    seq: u32(dims.seq),
    heads: u32(dims.heads),
    rowStride: u32(dims.heads * dims.headDim),
    sqrtHeadDim: f32(Math.sqrt(dims.headDim)),
  };
  if (!dropout) return uniforms;
  const { probability, rng } = dropout;
  // p = 1 drops every weight; a zero scale keeps inf out of the unselected branch.
  const keepScale = probability < 1 ? 1 / (1 - probability) : 0;
  return { ...uniforms, dropProbability: f32(probability), keepScale: f32(keepScale), ...rngUniforms(rng) };
}

/** Kernel names say which head dim, tiling (when not the default) and whether dropout they were specialised for. */
const kernelName = (base: string, dims: AttentionDims, dropout: AttentionDropout | null) =>
  `${base}_d${dims.headDim}${dims.half ? '_f16' : ''}${tilingSuffix(dims)}${dropout ? '_dropout' : ''}`;

function tilingSuffix(dims: AttentionDims): string {
  if (dims.unrolled) return `_unrolled${attentionTiling(dims).tile}`;
  return dims.tiling ? `_${dims.tiling.rows}x${dims.tiling.tile}` : '';
}

/**
 * WGSL running `body` once per tile of the sequence, `start` its first row and `n` its rows: a
 * loop, or unrolled, once for the one tile.
 */
function forEachTile(dims: AttentionDims, body: string): string {
  if (dims.unrolled) return `{ let start = 0u; let n = p.seq;${body}}`;
  return `for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);${body}}`;
}

/**
 * WGSL running `body` for each staged row `index` of a tile: a loop over its `n` rows, running it
 * only where `onlyIf` holds when given (so that a GPU skips work that adds nothing), or unrolled,
 * once per row of TILE with `index` a constant and no branch: the body must then give rows past
 * `n`, and rows where `onlyIf` fails, no weight itself.
 */
function forEachStaged(dims: AttentionDims, index: string, body: string, onlyIf?: string): string {
  if (dims.unrolled) return Array.from({ length: attentionTiling(dims).tile }, (_, r) => `{ let ${index} = ${r}u;${body}}`).join('\n    ');
  return `for (var ${index} = 0u; ${index} < n; ${index}++) {${onlyIf ? `\n      if (${onlyIf}) {${body.replaceAll('\n', '\n  ')}}\n    ` : body}}`;
}

/** One workgroup per ROWS rows of one (batch, head). */
function rowGrid(dims: AttentionDims): [number, number, number] {
  const pairs = dims.batch * dims.heads;
  if (pairs > MAX_GRID) throw new Error(`attention: batch × heads = ${pairs} exceeds the grid limit ${MAX_GRID}`);
  return [Math.ceil(dims.seq / attentionTiling(dims).rows), pairs, 1];
}

/** The keys start..start+n-1 of this (batch, head) in workgroup memory: K and V rows, and the mask. */
const KEY_TILES = `var<workgroup> kTile: array<V, TILE * DV>;
var<workgroup> vTile: array<V, TILE * DV>;
var<workgroup> keptTile: array<i32, TILE>;`;

function stageKeyTile(dims: AttentionDims): string {
  return `${stageRows(dims, 'k', 'kTile')}
    ${stageRows(dims, 'v', 'vTile')}
    if (lid.x < n) { keptTile[lid.x] = mask[b * p.seq + start + lid.x]; }`;
}

/**
 * A kernel of one thread per row: bindings 1-4 are q, k, v, mask, then `outputs` (from binding 5),
 * then with dropout the step of its random stream (kernels/rng.ts).
 * `body` sees the thread's (b, h, bh = b·H + h), its row index `mine`, `row` (the same, clamped so
 * that threads past the end still help stage tiles) and `base`, the offset of that row.
 */
function rowKernel(
  uniforms: Uniforms,
  dims: AttentionDims,
  dropout: AttentionDropout | null,
  outputs: string,
  workgroupVars: string,
  body: string,
): string {
  const operand = dims.half ? 'f16' : 'f32';
  const stepBinding = 5 + (outputs.match(/@binding/g)?.length ?? 0);
  return `${prelude(dims, uniforms, dropout)}
@group(0) @binding(1) var<storage, read> q: array<${operand}>;
@group(0) @binding(2) var<storage, read> k: array<${operand}>;
@group(0) @binding(3) var<storage, read> v: array<${operand}>;
@group(0) @binding(4) var<storage, read> mask: array<i32>;
${outputs}${dropout ? `\n${rngStepBinding(stepBinding)}` : ''}
${workgroupVars}
@compute @workgroup_size(ROWS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let bh = wid.y;
  let b = bh / p.heads;
  let h = bh % p.heads;
  let mine = wid.x * ROWS + lid.x;
  let row = min(mine, p.seq - 1u);
  let base = rowOffset(b, row, h);
${body}
}`;
}

/**
 * Bindings: q, k, v [B, T, H·D], mask i32 [B, T], context [B, T, H·D] (written), lse [B, H, T]
 * (written); with dropout, its step.
 */
export function attentionForward(dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch {
  const uniforms = rowUniforms(dims, dropout);
  const outputs = `@group(0) @binding(5) var<storage, read_write> context: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;`;
  const code = rowKernel(
    uniforms,
    dims,
    dropout,
    outputs,
    KEY_TILES,
    `
  var qs: array<V, DV>;
  for (var c = 0u; c < DV; c++) { qs[c] = ${loadV(dims, 'q', 'base + c * W')} / p.sqrtHeadDim; }
  var acc: array<V, DV>;
  var scores: array<f32, TILE>;
  var runningMax = LOWEST;
  var weightSum = 0.0;
  ${forEachTile(
    dims,
    `
    ${stageKeyTile(dims)}
    workgroupBarrier();
    var tileMax = runningMax;
    ${forEachStaged(
      dims,
      'j',
      `
      var s = 0.0;
      for (var c = 0u; c < DV; c++) { s += vdot(qs[c], kTile[j * DV + c]); }
      scores[j] = select(LOWEST, s, (j < n) & (keptTile[j] != 0));
      tileMax = max(tileMax, scores[j]);
    `,
    )}
    let rescale = exp(runningMax - tileMax);
    weightSum *= rescale;
    for (var c = 0u; c < DV; c++) { acc[c] *= rescale; }
    ${forEachStaged(
      dims,
      'j',
      `
      let weight = select(0.0, exp(scores[j] - tileMax), j < n);
      weightSum += weight;
      let contribution = weight * dropKeep(bh, row, start + j);
      for (var c = 0u; c < DV; c++) { acc[c] += contribution * vTile[j * DV + c]; }
    `,
    )}
    runningMax = tileMax;
    workgroupBarrier();
  `,
  )}
  if (mine < p.seq) {
    for (var c = 0u; c < DV; c++) { ${storeV(dims, 'context', 'base + c * W', 'acc[c] / weightSum')} }
    lse[bh * p.seq + mine] = runningMax + log(weightSum);
  }`,
  );
  return { name: kernelName('attention_forward', dims, dropout), code, workgroups: rowGrid(dims), uniforms };
}

/**
 * stats[r] = (lse[r], Σ_d dO[r, d] · O[r, d]) for each query row r = (b, h, t).
 * Bindings: context O, grad dO [B, T, H·D], lse [B, H, T], stats [B, H, T, 2] (written).
 */
export function attentionRowStats(dims: AttentionDims, subgroups = false): KernelLaunch {
  const uniforms = { batch: u32(dims.batch), ...rowUniforms(dims, null) };
  const rows = dims.batch * dims.heads * dims.seq;
  // Lanes per row: 4, the smallest subgroup size, so a row's lanes are always in one subgroup.
  const lanes = subgroups ? 4 : 1;
  const code = `${subgroups ? 'enable subgroups;\n' : ''}${prelude(dims, uniforms, null)}
@group(0) @binding(1) var<storage, read> context: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(256)
fn main(${FLAT_BUILTINS}) {
  let thread = ${flatIndex(256)};
  let rows = p.batch * p.heads * p.seq;
  // Lanes past the last row redo it and write nothing: every lane must reach the shuffles.
  let r = min(thread / ${lanes}u, rows - 1u);
  let lane = thread % ${lanes}u;
  let t = r % p.seq;
  let h = (r / p.seq) % p.heads;
  let b = r / (p.seq * p.heads);
  let base = rowOffset(b, t, h);
  var delta = 0.0;
  for (var c = lane; c < DV; c += ${lanes}u) { delta += vdot(${loadV(dims, 'grad', 'base + c * W')}, ${loadV(dims, 'context', 'base + c * W')}); }
  ${subgroups ? 'delta += subgroupShuffleXor(delta, 1u);\n  delta += subgroupShuffleXor(delta, 2u);' : ''}
  if (thread / ${lanes}u < rows && lane == 0u) {
    stats[2u * r] = lse[r];
    stats[2u * r + 1u] = delta;
  }
}`;
  const name = `${kernelName('attention_row_stats', dims, null)}${subgroups ? '_subgroups' : ''}`;
  return { name, code, workgroups: flatGrid(rows * lanes, 256), uniforms };
}

/** Bindings: q, k, v [B, T, H·D], mask i32 [B, T], stats [B, H, T, 2], grad dO [B, T, H·D], dQ (written); with dropout, its step. */
export function attentionGradQuery(dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch {
  const uniforms = rowUniforms(dims, dropout);
  const outputs = `@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> grad: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradQ: array<f32>;`;
  const code = rowKernel(
    uniforms,
    dims,
    dropout,
    outputs,
    KEY_TILES,
    `
  var qs: array<V, DV>;
  var g: array<V, DV>;
  for (var c = 0u; c < DV; c++) {
    qs[c] = ${loadV(dims, 'q', 'base + c * W')} / p.sqrtHeadDim;
    g[c] = ${loadV(dims, 'grad', 'base + c * W')};
  }
  let rowLse = stats[2u * (bh * p.seq + row)];
  let delta = stats[2u * (bh * p.seq + row) + 1u];
  var acc: array<V, DV>;
  ${forEachTile(
    dims,
    `
    ${stageKeyTile(dims)}
    workgroupBarrier();
    ${forEachStaged(
      dims,
      'j',
      `
      var s = 0.0;
      var dp = 0.0;
      for (var c = 0u; c < DV; c++) {
        s += vdot(qs[c], kTile[j * DV + c]);
        dp += vdot(g[c], vTile[j * DV + c]);
      }
      let ds = select(0.0, exp(s - rowLse) * (dropKeep(bh, row, start + j) * dp - delta), (j < n) & (keptTile[j] != 0));
      for (var c = 0u; c < DV; c++) { acc[c] += ds * kTile[j * DV + c]; }
    `,
      'keptTile[j] != 0',
    )}
    workgroupBarrier();
  `,
  )}
  if (mine < p.seq) {
    for (var c = 0u; c < DV; c++) { ${storeV(dims, 'gradQ', 'base + c * W', 'acc[c] / p.sqrtHeadDim')} }
  }`,
  );
  return { name: kernelName('attention_grad_query', dims, dropout), code, workgroups: rowGrid(dims), uniforms };
}

/** Bindings: q, k, v [B, T, H·D], mask i32 [B, T], stats [B, H, T, 2], grad dO, dK (written), dV (written); with dropout, its step. */
export function attentionGradKeyValue(dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch {
  const uniforms = rowUniforms(dims, dropout);
  const outputs = `@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> grad: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradK: array<f32>;
@group(0) @binding(8) var<storage, read_write> gradV: array<f32>;`;
  // The query rows start..start+n-1 (scaled by 1/√D), their output gradients and (lse, Δ).
  const queryTiles = `var<workgroup> qTile: array<V, TILE * DV>;
var<workgroup> gTile: array<V, TILE * DV>;
var<workgroup> statsTile: array<vec2f, TILE>;
var<workgroup> anyKept: atomic<u32>;`;
  const code = rowKernel(
    uniforms,
    dims,
    dropout,
    outputs,
    queryTiles,
    `
  var kr: array<V, DV>;
  var vr: array<V, DV>;
  for (var c = 0u; c < DV; c++) {
    kr[c] = ${loadV(dims, 'k', 'base + c * W')};
    vr[c] = ${loadV(dims, 'v', 'base + c * W')};
  }
  let kept = mask[b * p.seq + row] != 0;
  for (var t = lid.x; t < p.seq; t += ROWS) {
    if (mask[b * p.seq + t] != 0) { atomicOr(&anyKept, 1u); }
  }
  workgroupBarrier();
  // A masked key's weight: 0, or 1/T when the whole sequence is masked (uniform softmax).
  let maskedWeight = select(1.0 / f32(p.seq), 0.0, atomicLoad(&anyKept) != 0u);
  var dk: array<V, DV>;
  var dv: array<V, DV>;
  ${forEachTile(
    dims,
    `
    ${stageRows(dims, 'q', 'qTile', ' / p.sqrtHeadDim')}
    ${stageRows(dims, 'grad', 'gTile')}
    if (lid.x < n) {
      let r = 2u * (bh * p.seq + start + lid.x);
      statsTile[lid.x] = vec2f(stats[r], stats[r + 1u]);
    }
    workgroupBarrier();
    ${forEachStaged(
      dims,
      'i',
      `
      var s = 0.0;
      var dp = 0.0;
      for (var c = 0u; c < DV; c++) {
        s += vdot(qTile[i * DV + c], kr[c]);
        dp += vdot(gTile[i * DV + c], vr[c]);
      }
      // By selects, as unrolled kernels must not branch: a masked key takes maskedWeight and no dK.
      let weight = select(0.0, select(maskedWeight, exp(s - statsTile[i].x), kept), i < n);
      let keep = dropKeep(bh, start + i, row);
      let ds = select(0.0, weight * (keep * dp - statsTile[i].y), kept);
      for (var c = 0u; c < DV; c++) {
        dv[c] += weight * keep * gTile[i * DV + c];
        dk[c] += ds * qTile[i * DV + c];
      }
    `,
      'kept || maskedWeight != 0.0',
    )}
    workgroupBarrier();
  `,
  )}
  if (mine < p.seq) {
    for (var c = 0u; c < DV; c++) {
      ${storeV(dims, 'gradK', 'base + c * W', 'dk[c]')}
      ${storeV(dims, 'gradV', 'base + c * W', 'dv[c]')}
    }
  }`,
  );
  return { name: kernelName('attention_grad_key_value', dims, dropout), code, workgroups: rowGrid(dims), uniforms };
}
