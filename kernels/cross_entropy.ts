// Cross-entropy of logits [B, C] against integer labels [B]: fused log-softmax + NLL.
//
// `crossEntropyRows`: one workgroup of 256 threads per row. Threads fold strided slices of the row
// into a max, then into a sum of exp(x - max), each combined across the workgroup by a
// deterministic reduction (row_reduce.ts: a fixed-order tree in workgroup memory, or subgroup
// operations with `subgroups`). The row's loss is (max - x[label]) + log(sum): subtracting the max
// keeps exp in range for logits of any size, and forming max - x[label] first keeps its float32
// rounding relative to the difference rather than to the logits' magnitude. The row's
// log-sum-exp is saved for the backward pass.
//
// `crossEntropyBackward`: one thread per logit, dlogits = (softmax - onehot) · g / B, the softmax
// recomputed as exp(x - logsumexp). A label outside [0, C) makes its row's loss and gradient NaN
// (a GPU cannot throw; NaN is what makes the bad batch visible). WGSL rejects NaN constants, so
// the NaN arrives as a uniform.
import { F32_LOWEST, f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { rowGrid, rowKernelMain, subgroupPrelude, workgroupReduce } from './row_reduce.ts';

const WG = 256;

/** Bindings: 1 logits [B, C], 2 labels [B] i32, 3 rowLoss [B], 4 logSumExp [B]. */
export function crossEntropyRows(rows: number, classes: number, subgroups = false): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(classes), nan: f32(Number.NaN) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> logSumExp: array<f32>;
${workgroupReduce('rowMaxOf', 'f32', 'max', WG, subgroups)}
${workgroupReduce('rowSumOf', 'f32', 'sum', WG, subgroups)}
${rowKernelMain(
  WG,
  `  var m = ${F32_LOWEST};
  for (var c = lid.x; c < p.cols; c += ${WG}u) { m = max(m, logits[base + c]); }
  let rowMax = rowMaxOf(lid.x, m);
  var s = 0.0;
  for (var c = lid.x; c < p.cols; c += ${WG}u) { s += exp(logits[base + c] - rowMax); }
  let logSum = log(rowSumOf(lid.x, s));
  if (lid.x == 0u) {
    let label = u32(labels[row]);
    var loss = p.nan;
    if (label < p.cols) { loss = (rowMax - logits[base + label]) + logSum; }
    rowLoss[row] = loss;
    logSumExp[row] = rowMax + logSum;
  }`,
  subgroups,
)}`;
  return { name: `cross_entropy_rows${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
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
${flatKernelMain(
  WG,
  'p.total',
  `
  let row = i / p.classes;
  let c = i % p.classes;
  let label = u32(labels[row]);
  let softmax = exp(logits[i] - logSumExp[row]);
  var d = p.nan;
  if (label < p.classes) { d = softmax - select(0.0, 1.0, c == label); }
  dLogits[i] = d * upstream[0] * p.invRows;`,
)}`;
  return { name: 'cross_entropy_backward', code, workgroups: flatGrid(rows * classes, WG), uniforms };
}
