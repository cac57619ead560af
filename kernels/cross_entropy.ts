// Cross-entropy of logits [B, C] against integer labels [B]: fused log-softmax + NLL.
//
// `crossEntropyRows`: one workgroup of 256 threads per row. Threads fold strided slices of the row
// into a max, then into a sum of exp(x - max), each combined by a fixed-order tree in workgroup
// memory (deterministic). The row's loss is (max - x[label]) + log(sum): subtracting the max keeps
// exp in range for logits of any size, and forming max - x[label] first keeps its float32
// rounding relative to the difference rather than to the logits' magnitude. The row's
// log-sum-exp is saved for the backward pass.
//
// `crossEntropyBackward`: one thread per logit, dlogits = (softmax - onehot) · g / B, the softmax
// recomputed as exp(x - logsumexp). A label outside [0, C) makes its row's loss and gradient NaN
// (a GPU cannot throw; NaN is what makes the bad batch visible). WGSL rejects NaN constants, so
// the NaN arrives as a uniform.
import { F32_LOWEST, f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

/** Bindings: 1 logits [B, C], 2 labels [B] i32, 3 rowLoss [B], 4 logSumExp [B]. */
export function crossEntropyRows(rows: number, classes: number): KernelLaunch {
  const uniforms = { rows: u32(rows), classes: u32(classes), nan: f32(Number.NaN) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> logSumExp: array<f32>;
var<workgroup> partial: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  // Whole workgroups leave together, so the barriers below stay in uniform control flow.
  if (row >= p.rows) { return; }
  let base = row * p.classes;
  var m = ${F32_LOWEST};
  for (var c = lid.x; c < p.classes; c += ${WG}u) { m = max(m, logits[base + c]); }
  partial[lid.x] = m;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { partial[lid.x] = max(partial[lid.x], partial[lid.x + stride]); }
    workgroupBarrier();
  }
  let rowMax = partial[0];
  workgroupBarrier();
  var s = 0.0;
  for (var c = lid.x; c < p.classes; c += ${WG}u) { s += exp(logits[base + c] - rowMax); }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { partial[lid.x] += partial[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let logSum = log(partial[0]);
    let label = u32(labels[row]);
    var loss = p.nan;
    if (label < p.classes) { loss = (rowMax - logits[base + label]) + logSum; }
    rowLoss[row] = loss;
    logSumExp[row] = rowMax + logSum;
  }
}`;
  return { name: 'cross_entropy_rows', code, workgroups: flatGrid(rows, 1), uniforms };
}

/** Bindings: 1 logits [B, C], 2 labels [B] i32, 3 logSumExp [B], 4 upstream gradient [1], 5 dLogits [B, C]. */
export function crossEntropyBackward(rows: number, classes: number): KernelLaunch {
  const uniforms = { total: u32(rows * classes), classes: u32(classes), invRows: f32(1 / rows), nan: f32(Number.NaN) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> logSumExp: array<f32>;
@group(0) @binding(4) var<storage, read> upstream: array<f32>;
@group(0) @binding(5) var<storage, read_write> dLogits: array<f32>;
${flatKernelMain(WG, 'p.total', `
  let row = i / p.classes;
  let c = i % p.classes;
  let label = u32(labels[row]);
  let softmax = exp(logits[i] - logSumExp[row]);
  var d = p.nan;
  if (label < p.classes) { d = softmax - select(0.0, 1.0, c == label); }
  dLogits[i] = d * upstream[0] * p.invRows;`)}`;
  return { name: 'cross_entropy_backward', code, workgroups: flatGrid(rows * classes, WG), uniforms };
}
