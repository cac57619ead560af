// Attention variant 2: the fused attention kernels with one thread per row, the first fused form
// (kernels/attention.ts has what they compute, the backward's split and the masking rules, and
// variant 3, the block kernels the op launches by default).
//
// A workgroup of ROWS threads takes ROWS consecutive rows of one (batch, head): query rows for the
// forward and dQ, key rows for dK/dV. Each thread keeps its own row (scaled query, or key and
// value) and its accumulators in per-thread arrays of DV vectors. The workgroup walks the other
// side in tiles of TILE rows staged in workgroup memory (K and V tiles, or Q/√D, dO and (lse, Δ)
// tiles for dK/dV), and every thread reads the same tile element at the same time, so workgroup
// memory reads are broadcasts. The forward folds each tile into an online softmax: new max, one
// rescale of the accumulator, then the tile's exp-weighted V rows.
//
// Few threads, each with a long serial loop and arrays of 2-4 head rows: a GPU keeps those arrays
// in registers only for small D, and B·H·⌈T/ROWS⌉ workgroups of ROWS threads fill little of it
// (B 32 × T 64 is about 9% of an H100's threads). CPU reference: reference/float64.ts
// `attentionRef`; tests: test/ops/attention.test.ts (ENGINE_ATTENTION=rows).
import {
  ATTENTION_INPUTS,
  ATTENTION_PRELUDE,
  BACKWARD_INPUTS,
  attentionConstants,
  attentionGrid,
  attentionKernelName,
  attentionUniforms,
  checkTiling,
  rowVectors,
  type AttentionDims,
  type AttentionDropout,
  type AttentionTiling,
} from './attention.ts';
import { u32, type KernelLaunch } from './launch.ts';
import { fillTemplate } from './template.ts';

/** Rows (threads) per workgroup by default. */
const ROWS = 64;
/** Floats in a staged [TILE, D] tile at most: two of them fill 8 KiB of workgroup memory. */
const TILE_FLOATS = 1024;

/**
 * `dims.tiling`, else `rows` rows per workgroup and as many rows per tile (at most the rows) as
 * keep two [TILE, D] float tiles within 8 KiB of workgroup memory. A tile is staged by the
 * workgroup's threads, one mask entry each, so it can be no larger than the workgroup.
 */
export function rowTiling(dims: AttentionDims, rows = ROWS): AttentionTiling {
  if (dims.tiling) {
    checkTiling(dims.tiling);
    if (dims.tiling.tile > dims.tiling.rows) throw new Error(`attention tiling ${JSON.stringify(dims.tiling)}: tile must be at most rows`);
    return dims.tiling;
  }
  return { rows, tile: Math.max(1, Math.min(rows, Math.floor(TILE_FLOATS / dims.headDim))) };
}

export interface RowKernelOptions {
  /**
   * The loops over a head row run to `p.rowVectors`, a uniform equal to DV, instead of to the
   * constant DV, so that a compiler cannot unroll them (kernels/cpu/attention.ts).
   */
  uniformLoops?: boolean;
}

/** A row kernel's launch: its template filled for `dims`, one workgroup per ROWS rows (with dropout, the step binding is `stepBinding`). */
function rowLaunch(
  base: string,
  template: string,
  stepBinding: number,
  dims: AttentionDims,
  dropout: AttentionDropout | null,
  o: RowKernelOptions,
): KernelLaunch {
  const uniforms = { ...attentionUniforms(dims, dropout), ...(o.uniformLoops ? { rowVectors: u32(rowVectors(dims)) } : {}) };
  const { rows, tile } = rowTiling(dims);
  const constants = {
    ...attentionConstants(dims, uniforms, dropout, stepBinding),
    ROWS: rows,
    TILE: tile,
    ROW_END: o.uniformLoops ? 'p.rowVectors' : 'DV',
  };
  const name = `${attentionKernelName(`${base}_rows`, dims, dropout)}${o.uniformLoops ? '_uniform_loops' : ''}`;
  return { name, code: fillTemplate(template, constants), workgroups: attentionGrid(dims, rows), uniforms };
}

/**
 * What the row kernels open with. Thread t of a workgroup owns row `mine` of head bh; threads
 * past the end compute a copy of the last row, `row` (they help stage tiles), and store nothing.
 */
const ROW_KERNEL = `${ATTENTION_PRELUDE}
const ROWS: u32 = {{ROWS}}u;  // rows per workgroup, one per thread: query rows (forward, dQ) or key rows (dK/dV)
const TILE: u32 = {{TILE}}u;  // rows of the other side staged per tile
fn rowEnd() -> u32 { return {{ROW_END}}; }  // DV, the vectors of a head row (RowKernelOptions)
${ATTENTION_INPUTS}`;

/** What the forward and dQ kernels add: the staged tile of keys and values. */
const QUERY_ROW_KERNEL = `${ROW_KERNEL}
var<workgroup> kTile: array<V, TILE * DV>;
var<workgroup> vTile: array<V, TILE * DV>;
var<workgroup> keptTile: array<u32, TILE>;

// Keys start..start+n-1 of head bh into the tiles, all threads helping.
fn stageKeys(bh: u32, start: u32, n: u32, thread: u32) {
  for (var e = thread; e < n * DV; e += ROWS) {
    let o = rowOffset(bh, start + e / DV) + e % DV;
    kTile[e] = widened(k[o]);
    vTile[e] = widened(v[o]);
  }
  if (thread < n) { keptTile[thread] = u32(keyKept(bh, start + thread)); }
}`;

const FORWARD = `${QUERY_ROW_KERNEL}
@group(0) @binding(5) var<storage, read_write> context: array<V>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;{{RNG_STEP}}

@compute @workgroup_size(ROWS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let mine = wid.x * ROWS + t;
  let row = min(mine, p.seq - 1u);
  let base = rowOffset(bh, row);
  var qs: array<V, DV>;
  for (var c = 0u; c < rowEnd(); c++) { qs[c] = widened(q[base + c]) / p.sqrtHeadDim; }
  var acc: array<V, DV>;
  var scores: array<f32, TILE>;
  var runningMax = LOWEST;
  var weightSum = 0.0;
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    stageKeys(bh, start, n, t);
    workgroupBarrier();
    var tileMax = runningMax;
    for (var j = 0u; j < n; j++) {
      var s = 0.0;
      for (var c = 0u; c < rowEnd(); c++) { s += vdot(qs[c], kTile[j * DV + c]); }
      scores[j] = select(LOWEST, s, keptTile[j] != 0u);
      tileMax = max(tileMax, scores[j]);
    }
    let rescale = exp(runningMax - tileMax);
    weightSum *= rescale;
    for (var c = 0u; c < rowEnd(); c++) { acc[c] *= rescale; }
    for (var j = 0u; j < n; j++) {
      let weight = exp(scores[j] - tileMax);
      weightSum += weight;
      let contribution = weight * dropKeep(bh, row, start + j);
      for (var c = 0u; c < rowEnd(); c++) { acc[c] += contribution * vTile[j * DV + c]; }
    }
    runningMax = tileMax;
    workgroupBarrier();
  }
  if (mine < p.seq) {
    for (var c = 0u; c < rowEnd(); c++) { context[base + c] = acc[c] / weightSum; }
    lse[bh * p.seq + mine] = runningMax + log(weightSum);
  }
}`;

/** Bindings as `attentionForward`'s (kernels/attention.ts). */
export function attentionRowsForward(dims: AttentionDims, dropout: AttentionDropout | null = null, o: RowKernelOptions = {}): KernelLaunch {
  return rowLaunch('attention_forward', FORWARD, 7, dims, dropout, o);
}

const GRAD_QUERY = `${QUERY_ROW_KERNEL}
${BACKWARD_INPUTS}
@group(0) @binding(7) var<storage, read_write> gradQ: array<V>;{{RNG_STEP}}

@compute @workgroup_size(ROWS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let mine = wid.x * ROWS + t;
  let row = min(mine, p.seq - 1u);
  let base = rowOffset(bh, row);
  var qs: array<V, DV>;
  var g: array<V, DV>;
  for (var c = 0u; c < rowEnd(); c++) {
    qs[c] = widened(q[base + c]) / p.sqrtHeadDim;
    g[c] = grad[base + c];
  }
  let rowLse = stats[bh * p.seq + row].x;
  let delta = stats[bh * p.seq + row].y;
  var acc: array<V, DV>;
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    stageKeys(bh, start, n, t);
    workgroupBarrier();
    for (var j = 0u; j < n; j++) {
      if (keptTile[j] != 0u) {  // masked keys pass no gradient
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < rowEnd(); c++) {
          s += vdot(qs[c], kTile[j * DV + c]);
          dp += vdot(g[c], vTile[j * DV + c]);
        }
        let ds = exp(s - rowLse) * (dropKeep(bh, row, start + j) * dp - delta);
        for (var c = 0u; c < rowEnd(); c++) { acc[c] += ds * kTile[j * DV + c]; }
      }
    }
    workgroupBarrier();
  }
  if (mine < p.seq) {
    for (var c = 0u; c < rowEnd(); c++) { gradQ[base + c] = acc[c] / p.sqrtHeadDim; }
  }
}`;

/** Bindings as `attentionGradQuery`'s (kernels/attention.ts). */
export function attentionRowsGradQuery(
  dims: AttentionDims,
  dropout: AttentionDropout | null = null,
  o: RowKernelOptions = {},
): KernelLaunch {
  return rowLaunch('attention_grad_query', GRAD_QUERY, 8, dims, dropout, o);
}

const GRAD_KEY_VALUE = `${ROW_KERNEL}
${BACKWARD_INPUTS}
@group(0) @binding(7) var<storage, read_write> gradK: array<V>;
@group(0) @binding(8) var<storage, read_write> gradV: array<V>;{{RNG_STEP}}
var<workgroup> qTile: array<V, TILE * DV>;  // query rows start..start+n-1, over √D
var<workgroup> gTile: array<V, TILE * DV>;  // and their output gradients
var<workgroup> statsTile: array<vec2f, TILE>;
var<workgroup> anyKept: atomic<u32>;

@compute @workgroup_size(ROWS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let mine = wid.x * ROWS + t;
  let row = min(mine, p.seq - 1u);
  let base = rowOffset(bh, row);
  var kr: array<V, DV>;
  var vr: array<V, DV>;
  for (var c = 0u; c < rowEnd(); c++) {
    kr[c] = widened(k[base + c]);
    vr[c] = widened(v[base + c]);
  }
  let kept = keyKept(bh, row);
  for (var key = t; key < p.seq; key += ROWS) {
    if (keyKept(bh, key)) { atomicOr(&anyKept, 1u); }
  }
  workgroupBarrier();
  // A masked key's weight: 0, or 1/T when the whole sequence is masked (uniform softmax).
  let maskedWeight = select(1.0 / f32(p.seq), 0.0, atomicLoad(&anyKept) != 0u);
  var dk: array<V, DV>;
  var dv: array<V, DV>;
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    for (var e = t; e < n * DV; e += ROWS) {
      let o = rowOffset(bh, start + e / DV) + e % DV;
      qTile[e] = widened(q[o]) / p.sqrtHeadDim;
      gTile[e] = grad[o];
    }
    if (t < n) { statsTile[t] = stats[bh * p.seq + start + t]; }
    workgroupBarrier();
    for (var i = 0u; i < n; i++) {
      if (kept || maskedWeight != 0.0) {  // a masked key takes maskedWeight and no dK
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < rowEnd(); c++) {
          s += vdot(qTile[i * DV + c], kr[c]);
          dp += vdot(gTile[i * DV + c], vr[c]);
        }
        let weight = select(maskedWeight, exp(s - statsTile[i].x), kept);
        let keep = dropKeep(bh, start + i, row);
        let ds = select(0.0, weight * (keep * dp - statsTile[i].y), kept);
        for (var c = 0u; c < rowEnd(); c++) {
          dv[c] += weight * keep * gTile[i * DV + c];
          dk[c] += ds * qTile[i * DV + c];
        }
      }
    }
    workgroupBarrier();
  }
  if (mine < p.seq) {
    for (var c = 0u; c < rowEnd(); c++) {
      gradK[base + c] = dk[c];
      gradV[base + c] = dv[c];
    }
  }
}`;

/** Bindings as `attentionGradKeyValue`'s (kernels/attention.ts). */
export function attentionRowsGradKeyValue(
  dims: AttentionDims,
  dropout: AttentionDropout | null = null,
  o: RowKernelOptions = {},
): KernelLaunch {
  return rowLaunch('attention_grad_key_value', GRAD_KEY_VALUE, 9, dims, dropout, o);
}
