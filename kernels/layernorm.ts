// Layer normalisation over the last dim of a row-major [rows, cols] matrix, PyTorch semantics:
// y = (x − mean) · rstd · weight + bias with rstd = 1 / sqrt(biased variance + eps).
//
// Forward: two passes (the mean, then the mean squared deviation from it), so the result is
// deterministic and does not lose precision to E[x²] − E[x]² cancellation. The row's mean and
// rstd are saved for the backward. A residual operand, when given, is added on the fly: the
// kernel normalises x + residual. Two parallel decompositions, chosen by `threadsPerRow` (`wg`):
//   - a workgroup of wg threads per row, each pass a workgroup reduction (row_reduce.ts: a tree,
//     or subgroup operations with `subgroups`): long rows;
//   - wg = 1, one thread per row and ROWS_PER_WORKGROUP rows per workgroup, each pass a loop over
//     the row (vec4 loads when cols is a multiple of 4), with no barrier at all: short rows, and
//     every row on CPU rasterisers (lavapipe), where a workgroup per row costs far more in
//     workgroup and barrier overhead than its arithmetic (`layerNormThreadsPerRow`).
//
// Backward, with x̂ = (x − mean) · rstd and g = dy · weight:
//   dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))  both means in one reduction (or one loop with
//                                                 wg = 1), split across threads as the forward;
//   dweight = Σ_rows dy · x̂, dbias = Σ_rows dy       stage 1 here: one thread per (chunk of
//   ROW_CHUNK rows, column) writes that chunk's partial sums to [chunks, cols]; stage 2 (summing
//   the partials over chunks) is a plain column sum. Fixed order, no atomics.
import { f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { rowGrid, rowKernelMain, rowWorkgroupSize, subgroupPrelude, workgroupReduce } from './row_reduce.ts';

/** Rows per stage-1 partial sum of the weight and bias gradients. */
export const ROW_CHUNK = 64;
const PARTIAL_WG = 256;
/** Rows of one workgroup when each thread has a row (threads per row 1). */
const ROWS_PER_WORKGROUP = 64;
/** The longest rows that default to a thread per row on a GPU. */
export const SHORT_ROW = 64;

/**
 * Default threads per row: 1 for rows up to SHORT_ROW columns, and for any row on a CPU
 * rasteriser (`software`; on lavapipe 4-5 times faster than a workgroup per row at 32 to 768
 * columns), else a workgroup (`rowWorkgroupSize`), whose threads read a long row coalesced.
 */
export const layerNormThreadsPerRow = (cols: number, software = false) => (software || cols <= SHORT_ROW ? 1 : rowWorkgroupSize(cols));

/**
 * WGSL for a kernel with a thread per row: `body` runs with `row`, the row's vector count `n`
 * and first vector `base` (vectors of `width` floats), and `hsum(v)`, which adds a vector's lanes.
 */
function rowPerThreadMain(width: 1 | 4, body: string): string {
  return `fn hsum(v: ${width === 4 ? 'vec4f' : 'f32'}) -> f32 { return ${width === 4 ? 'v.x + v.y + v.z + v.w' : 'v'}; }
${flatKernelMain(
  ROWS_PER_WORKGROUP,
  'p.rows',
  `
  let n = p.cols${width === 4 ? ' / 4u' : ''};
  let base = row * n;
${body}`,
  'row',
)}`;
}

/**
 * Bindings: x, weight, bias, y, mean [rows], rstd [rows]; with `residualRows`, also residual (7)
 * and sum (8): the kernel normalises x + residual (the transformer's residual add, folded in to
 * save a launch) and writes that sum, which the backward kernels take as their x. The residual
 * is [residualRows, cols], repeated down x's rows when it has fewer (position embeddings added to
 * every sequence of a batch). `wg`: threads per row, 1 or a power of two from 4 (default by row
 * length, `layerNormThreadsPerRow`).
 */
export function layerNormForward(
  rows: number,
  cols: number,
  eps: number,
  subgroups = false,
  { residualRows = 0, wg = layerNormThreadsPerRow(cols) } = {},
): KernelLaunch {
  const residual = residualRows > 0;
  const uniforms = { rows: u32(rows), cols: u32(cols), eps: f32(eps), ...(residual ? { residualRows: u32(residualRows) } : {}) };
  const repeated = residual && residualRows !== rows;
  const perThread = wg === 1;
  const width = perThread && cols % 4 === 0 ? 4 : 1;
  const vec = width === 4 ? 'vec4f' : 'f32';
  const input = (i: string) => (!residual ? `x[${i}]` : `(x[${i}] + residual[${repeated ? 'residualBase + c' : i}])`);
  const bindings = `@group(0) @binding(1) var<storage, read> x: array<${vec}>;
@group(0) @binding(2) var<storage, read> weight: array<${vec}>;
@group(0) @binding(3) var<storage, read> bias: array<${vec}>;
@group(0) @binding(4) var<storage, read_write> y: array<${vec}>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;
${
  residual
    ? `@group(0) @binding(7) var<storage, read> residual: array<${vec}>;
@group(0) @binding(8) var<storage, read_write> sum: array<${vec}>;`
    : ''
}`;
  const fused = residual ? `_residual${repeated ? '_repeated' : ''}` : '';
  const zero = width === 4 ? 'vec4f(0.0)' : '0.0';
  const saveStats = 'meanOut[row] = mean;\n  rstdOut[row] = rstd;';
  // The two decompositions run the same three passes over a row: a thread per row loops over all
  // of it (vectors of `width`) and adds its own lanes; a workgroup strides over it and reduces.
  const columns = perThread ? 'for (var c = 0u; c < n; c++) {' : `for (var c = lid.x; c < p.cols; c += ${wg}u) {`;
  const rowSum = (reduction: string, value: string) => (perThread ? `hsum(${value})` : `${reduction}(lid.x, ${value})`);
  // With a thread per row, the second and third passes read x + residual back from the sum it wrote.
  const again = (i: string) => (perThread && residual ? `sum[${i}]` : input(i));
  const body = `${repeated ? `  let residualBase = (row % p.residualRows) * ${perThread ? 'n' : 'p.cols'};\n` : ''}  var local = ${zero};
  ${columns}
    let v = ${input('base + c')};${
      residual
        ? `
    sum[base + c] = v;`
        : ''
    }
    local += v;
  }
  let mean = ${rowSum('rowSumOf', 'local')} / f32(p.cols);
  local = ${zero};
  ${columns}
    let d = ${again('base + c')} - mean;
    local += d * d;
  }
  let rstd = inverseSqrt(${rowSum('rowSumOfSquares', 'local')} / f32(p.cols) + p.eps);
  ${columns}
    y[base + c] = (${again('base + c')} - mean) * rstd * weight[c] + bias[c];
  }
  ${perThread ? saveStats : `if (lid.x == 0u) {\n    ${saveStats.replaceAll('\n', '\n  ')}\n  }`}`;
  if (perThread) {
    return {
      name: `layernorm${fused}_per_thread${width === 4 ? '_vec4' : ''}`,
      code: `${uniformBlock(uniforms)}\n${bindings}\n${rowPerThreadMain(width, body)}`,
      workgroups: flatGrid(rows, ROWS_PER_WORKGROUP),
      uniforms,
    };
  }
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
${bindings}
${workgroupReduce('rowSumOf', 'f32', 'sum', wg, subgroups)}
${workgroupReduce('rowSumOfSquares', 'f32', 'sum', wg, subgroups)}
${rowKernelMain(wg, body, subgroups)}`;
  return { name: `layernorm${fused}${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Bindings: dy, x, weight, mean, rstd, dx. `wg`: threads per row, 1 or a power of two from 4. */
export function layerNormBackwardInput(rows: number, cols: number, subgroups = false, wg = layerNormThreadsPerRow(cols)): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const perThread = wg === 1;
  const width = perThread && cols % 4 === 0 ? 4 : 1;
  const vec = width === 4 ? 'vec4f' : 'f32';
  const bindings = `@group(0) @binding(1) var<storage, read> dy: array<${vec}>;
@group(0) @binding(2) var<storage, read> x: array<${vec}>;
@group(0) @binding(3) var<storage, read> weight: array<${vec}>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<${vec}>;`;
  const dxLoop = (start: string, stride: string) => `  for (var c = ${start}; c < ${perThread ? 'n' : 'p.cols'}; c += ${stride}) {
    let g = dy[base + c] * weight[c];
    let xhat = (x[base + c] - m) * r;
    dx[base + c] = r * (g - means.x - xhat * means.y);
  }`;
  if (perThread) {
    const code = `${uniformBlock(uniforms)}
${bindings}
${rowPerThreadMain(
  width,
  `  let m = mean[row];
  let r = rstd[row];
  var sumG = ${vec}(0.0);
  var sumGXhat = ${vec}(0.0);
  for (var c = 0u; c < n; c++) {
    let g = dy[base + c] * weight[c];
    sumG += g;
    sumGXhat += g * (x[base + c] - m) * r;
  }
  // (mean(g), mean(g · x̂))
  let means = vec2f(hsum(sumG), hsum(sumGXhat)) / f32(p.cols);
${dxLoop('0u', '1u')}`,
)}`;
    return {
      name: `layernorm_backward_input_per_thread${width === 4 ? '_vec4' : ''}`,
      code,
      workgroups: flatGrid(rows, ROWS_PER_WORKGROUP),
      uniforms,
    };
  }
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
${bindings}
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
${dxLoop('lid.x', `${wg}u`)}`,
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
