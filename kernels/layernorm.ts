// Layer normalisation over the last dim of a row-major [rows, cols] matrix, PyTorch semantics:
// y = (x − mean) · rstd · weight + bias with rstd = 1 / sqrt(biased variance + eps).
//
// Forward: one workgroup per row, two passes (the mean, then the mean squared deviation from it,
// each a workgroup reduction, row_reduce.ts: a tree, or subgroup operations with `subgroups`), so the result is deterministic and does not lose precision to
// E[x²] − E[x]² cancellation. The row's mean and rstd are saved for the backward. A residual
// operand, when given, is added on the fly: the kernel normalises x + residual.
//
// Backward, with x̂ = (x − mean) · rstd and g = dy · weight:
//   dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))  one workgroup per row, both means in one reduction;
//   dweight = Σ_rows dy · x̂, dbias = Σ_rows dy       stage 1 here: one thread per (chunk of
//   ROW_CHUNK rows, column) writes that chunk's partial sums to [chunks, cols]; stage 2 (summing
//   the partials over chunks) is a plain column sum. Fixed order, no atomics.
import { f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { rowGrid, rowKernelMain, rowWorkgroupSize, subgroupPrelude, workgroupReduce } from './row_reduce.ts';

/** Rows per stage-1 partial sum of the weight and bias gradients. */
export const ROW_CHUNK = 64;
const PARTIAL_WG = 256;

/**
 * Bindings: x, weight, bias, y, mean [rows], rstd [rows]; with `residualRows`, also residual (7)
 * and sum (8): the kernel normalises x + residual (the transformer's residual add, folded in to
 * save a launch) and writes that sum, which the backward kernels take as their x. The residual
 * is [residualRows, cols], repeated down x's rows when it has fewer (position embeddings added to
 * every sequence of a batch). `wg`: threads per row, a power of two (default by row length).
 */
export function layerNormForward(
  rows: number,
  cols: number,
  eps: number,
  subgroups = false,
  { residualRows = 0, wg = rowWorkgroupSize(cols) } = {},
): KernelLaunch {
  const residual = residualRows > 0;
  const uniforms = { rows: u32(rows), cols: u32(cols), eps: f32(eps), ...(residual ? { residualRows: u32(residualRows) } : {}) };
  const repeated = residual && residualRows !== rows;
  const input = (i: string) => (!residual ? `x[${i}]` : `(x[${i}] + residual[${repeated ? 'residualBase + c' : i}])`);
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;
${
  residual
    ? `@group(0) @binding(7) var<storage, read> residual: array<f32>;
@group(0) @binding(8) var<storage, read_write> sum: array<f32>;`
    : ''
}
${workgroupReduce('rowSumOf', 'f32', 'sum', wg, subgroups)}
${workgroupReduce('rowSumOfSquares', 'f32', 'sum', wg, subgroups)}
${rowKernelMain(
  wg,
  `${
    repeated
      ? `  let residualBase = (row % p.residualRows) * p.cols;
`
      : ''
  }  var local = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    let v = ${input('base + c')};${
      residual
        ? `
    sum[base + c] = v;`
        : ''
    }
    local += v;
  }
  let mean = rowSumOf(lid.x, local) / f32(p.cols);
  local = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    let d = ${input('base + c')} - mean;
    local += d * d;
  }
  let rstd = inverseSqrt(rowSumOfSquares(lid.x, local) / f32(p.cols) + p.eps);
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    y[base + c] = (${input('base + c')} - mean) * rstd * weight[c] + bias[c];
  }
  if (lid.x == 0u) {
    meanOut[row] = mean;
    rstdOut[row] = rstd;
  }`,
  subgroups,
)}`;
  const fused = residual ? `_residual${repeated ? '_repeated' : ''}` : '';
  return { name: `layernorm${fused}${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Bindings: dy, x, weight, mean, rstd, dx. `wg`: threads per row, a power of two. */
export function layerNormBackwardInput(rows: number, cols: number, subgroups = false, wg = rowWorkgroupSize(cols)): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
${workgroupReduce('rowSumsOf', 'vec2f', 'sum', wg, subgroups)}
${rowKernelMain(
  wg,
  `  let m = mean[row];
  let r = rstd[row];
  var local = vec2f(0.0);
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    let g = dy[base + c] * weight[c];
    local += vec2f(g, g * (x[base + c] - m) * r);
  }
  // (mean(g), mean(g · x̂))
  let means = rowSumsOf(lid.x, local) / f32(p.cols);
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    let g = dy[base + c] * weight[c];
    let xhat = (x[base + c] - m) * r;
    dx[base + c] = r * (g - means.x - xhat * means.y);
  }`,
  subgroups,
)}`;
  return { name: `layernorm_backward_input${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}

/**
 * Stage 1 of the weight and bias gradients. Bindings: dy, x, mean, rstd, weightPartial
 * [chunks, cols], biasPartial [chunks, cols], with chunks = ceil(rows / ROW_CHUNK).
 */
export function layerNormParamGradChunks(rows: number, cols: number): KernelLaunch {
  const chunks = Math.ceil(rows / ROW_CHUNK);
  const uniforms = { rows: u32(rows), cols: u32(cols), chunks: u32(chunks) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> weightPartial: array<f32>;
@group(0) @binding(6) var<storage, read_write> biasPartial: array<f32>;
${flatKernelMain(
  PARTIAL_WG,
  'p.chunks * p.cols',
  `
  let col = i % p.cols;
  let chunk = i / p.cols;
  let end = min(p.rows, (chunk + 1u) * ${ROW_CHUNK}u);
  var dWeight = 0.0;
  var dBias = 0.0;
  for (var r = chunk * ${ROW_CHUNK}u; r < end; r++) {
    let g = dy[r * p.cols + col];
    dWeight += g * (x[r * p.cols + col] - mean[r]) * rstd[r];
    dBias += g;
  }
  weightPartial[i] = dWeight;
  biasPartial[i] = dBias;`,
)}`;
  return { name: 'layernorm_param_grad_chunks', code, workgroups: flatGrid(chunks * cols, PARTIAL_WG), uniforms };
}
