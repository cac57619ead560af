// RMS normalisation over the last dim of a row-major [rows, cols] matrix, torch.nn.RMSNorm's
// semantics: y = x · rstd · weight with rstd = 1 / sqrt(mean(x²) + eps). No mean is subtracted
// and there is no bias (LLaMA's norm; DistilBERT uses LayerNorm, kernels/layernorm.ts).
//
// Forward: one workgroup per row, one reduction (the sum of squares: a tree in workgroup memory, or
// subgroup operations where the adapter has them, kernels/row_reduce.ts); rstd is saved for the
// backward.
// Backward for x, with x̂ = x · rstd and g = dy · weight:
//   dx = rstd · (g − x̂ · mean(g · x̂))   one workgroup per row, one reduction.
// (d rstd / dx_j = −rstd³ · x_j / cols, so the reduction term is Σ g·x times rstd³ / cols.) The
// weight's gradient, Σ_rows dy · x̂, is made by engine/ops/rmsnorm.ts from existing ops.
//
// CPU reference: reference/float64.ts `rmsNorm`; tests: test/ops/rmsnorm.test.ts. docs/add-an-op.md
// walks through how this op was added.
import { f32, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { rowGrid, rowKernelMain, rowWorkgroupSize, subgroupPrelude, workgroupReduce } from './row_reduce.ts';

/** Bindings: x, weight, y, rstd [rows]. */
export function rmsNormForward(rows: number, cols: number, eps: number, subgroups = false): KernelLaunch {
  const wg = rowWorkgroupSize(cols);
  const uniforms = { rows: u32(rows), cols: u32(cols), eps: f32(eps) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstdOut: array<f32>;
${workgroupReduce('rowSumOfSquares', 'f32', 'sum', wg, subgroups)}
${rowKernelMain(
  wg,
  `  var local = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) { local += x[base + c] * x[base + c]; }
  let rstd = inverseSqrt(rowSumOfSquares(lid.x, local) / f32(p.cols) + p.eps);
  for (var c = lid.x; c < p.cols; c += ${wg}u) { y[base + c] = x[base + c] * rstd * weight[c]; }
  if (lid.x == 0u) { rstdOut[row] = rstd; }`,
  subgroups,
)}`;
  return { name: `rmsnorm${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Bindings: dy, x, weight, rstd, dx. */
export function rmsNormBackwardInput(rows: number, cols: number, subgroups = false): KernelLaunch {
  const wg = rowWorkgroupSize(cols);
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
${workgroupReduce('rowSumOf', 'f32', 'sum', wg, subgroups)}
${rowKernelMain(
  wg,
  `  let r = rstd[row];
  var local = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) { local += dy[base + c] * weight[c] * x[base + c] * r; }
  // mean(g · x̂)
  let meanGXhat = rowSumOf(lid.x, local) / f32(p.cols);
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    dx[base + c] = r * (dy[base + c] * weight[c] - x[base + c] * r * meanGXhat);
  }`,
  subgroups,
)}`;
  return { name: `rmsnorm_backward_input${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}
