// Softmax over the last dim of a row-major [rows, cols] matrix, with an optional additive mask,
// and its backward.
//
// Not on DistilBERT's path: its attention is one fused kernel (kernels/attention.ts) that never
// stores the scores. This is the kernel of the engine's general softmax op (engine/ops/softmax.ts),
// and the middle step of the unfused attention (engine/ops/attention_unfused.ts, attention variant 1).
//
// One workgroup per row; each thread walks a strided slice of the row. The forward makes three
// passes over the row: the row max of v = x + mask (a workgroup reduction, row_reduce.ts: a tree,
// or subgroup operations with `subgroups`), the sum of exp(v - max) (another), then
// y = exp(v - max) / sum. Subtracting the max keeps exp() at most 1 and the sum
// at least 1, so logits of any size give no inf or NaN.
//
// Masks follow PyTorch's masked_fill(finfo.min) convention: a masked logit becomes float32's
// lowest value. v is clamped to that value, so x + mask never reaches -inf; a row whose every entry
// is masked is then all equal and gets uniform probabilities, as in PyTorch.
//
// The mask is a [maskRows, cols] matrix; row r of x adds mask row (r / maskInner) % maskRows, which
// covers a mask shared by all rows, one per row, and one per group of consecutive rows (the
// engine op derives the two numbers from tensor shapes).
//
// Backward: dx = y ∘ (dy − Σ_row dy ∘ y), one workgroup per row, one reduction.
import { F32_LOWEST as LOWEST, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { rowGrid, rowKernelMain, rowWorkgroupSize, subgroupPrelude, workgroupReduce } from './row_reduce.ts';

export interface MaskLayout {
  maskRows: number;
  maskInner: number;
}

/** Bindings: x, [mask], y. Without `mask` the kernel has no mask binding. */
export function softmaxForward(rows: number, cols: number, mask?: MaskLayout, subgroups = false): KernelLaunch {
  const wg = rowWorkgroupSize(cols);
  const uniforms = { rows: u32(rows), cols: u32(cols), maskRows: u32(mask?.maskRows ?? 1), maskInner: u32(mask?.maskInner ?? 1) };
  const maskBinding = mask ? '@group(0) @binding(2) var<storage, read> mask: array<f32>;' : '';
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
${maskBinding}
@group(0) @binding(${mask ? 3 : 2}) var<storage, read_write> y: array<f32>;
${workgroupReduce('rowMaxOf', 'f32', 'max', wg, subgroups)}
${workgroupReduce('rowSumOf', 'f32', 'sum', wg, subgroups)}
// x + mask, no lower than float32's lowest value.
fn logit(i: u32, maskIndex: u32) -> f32 {
  return max(x[i]${mask ? ' + mask[maskIndex]' : ''}, ${LOWEST});
}
// exp(v - rowMax); the clamp stops v - rowMax overflowing to -inf when rowMax is huge (exp is 0 there anyway).
fn shiftedExp(v: f32, rowMax: f32) -> f32 {
  return exp(max(v - rowMax, -1.0e4));
}
${rowKernelMain(
  wg,
  `  let maskBase = ((row / p.maskInner) % p.maskRows) * p.cols;
  var localMax = ${LOWEST};
  for (var c = lid.x; c < p.cols; c += ${wg}u) { localMax = max(localMax, logit(base + c, maskBase + c)); }
  let rowMax = rowMaxOf(lid.x, localMax);
  var localSum = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) { localSum += shiftedExp(logit(base + c, maskBase + c), rowMax); }
  let rowSum = rowSumOf(lid.x, localSum);
  for (var c = lid.x; c < p.cols; c += ${wg}u) { y[base + c] = shiftedExp(logit(base + c, maskBase + c), rowMax) / rowSum; }`,
  subgroups,
)}`;
  return { name: `softmax${mask ? '_masked' : ''}${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Bindings: y (the forward output), dy, dx. */
export function softmaxBackward(rows: number, cols: number, subgroups = false): KernelLaunch {
  const wg = rowWorkgroupSize(cols);
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${workgroupReduce('rowSumOf', 'f32', 'sum', wg, subgroups)}
${rowKernelMain(
  wg,
  `  var local = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) { local += dy[base + c] * y[base + c]; }
  let dot = rowSumOf(lid.x, local);
  for (var c = lid.x; c < p.cols; c += ${wg}u) { dx[base + c] = y[base + c] * (dy[base + c] - dot); }`,
  subgroups,
)}`;
  return { name: `softmax_backward${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}
