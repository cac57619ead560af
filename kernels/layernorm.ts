// Layer normalisation over the last dim of a row-major [rows, cols] matrix, PyTorch semantics:
// y = (x − mean) · rstd · weight + bias with rstd = 1 / sqrt(biased variance + eps).
//
// Forward: two passes (the mean, then the mean squared deviation from it), so the result is
// deterministic and does not lose precision to E[x²] − E[x]² cancellation. The row's mean and
// rstd are saved for the backward. A workgroup of wg threads per row: each pass is a workgroup
// reduction (row_reduce.ts: a tree, or subgroup operations with `subgroups`). What a transformer
// does around its LayerNorms is folded in, each saving a launch (`LayerNormFusion`):
//   - a residual operand: the kernel normalises x + residual, and writes that sum, which the
//     backward kernels take as their x;
//   - dropout on x before the residual add (LayerNorm(dropout(x) + residual), the feed-forward
//     block's output): the mask engine/ops/dropout.ts would draw for x, element for element;
//   - or dropout on the output (dropout(LayerNorm(x)), the embeddings'), the backward kernels
//     reading dy through the same mask.
//
// Backward, with x̂ = (x − mean) · rstd and g = dy · weight:
//   dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))  both means in one reduction, split across
//                                                 threads as the forward;
//   dweight = Σ_rows dy · x̂, dbias = Σ_rows dy       stage 1 here: one thread per (chunk of
//   ROW_CHUNK rows, column) writes that chunk's partial sums to [chunks, cols]; stage 2 (summing
//   the partials over chunks) is a plain column sum. Fixed order, no atomics.
// The backward folds in its side of the fusions (`LayerNormBackwardFusion`): dy may come in two
// parts, summed as they are read (the output feeds two ops, and autograd hands both gradients
// over rather than adding them first: engine/autograd/backward.ts), and with dropout the input
// kernel also writes the gradient of x before dropout (dx through the mask).
//
// CPU implementations of WebGPU run another form of the forward and input kernels, one thread
// per row, with the same bindings: kernels/cpu/layernorm.ts.
// CPU reference: reference/float64.ts's layerNorm; tests: test/ops/softmax_layernorm.test.ts.
import { f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';
import { RNG_WGSL, rngDraw, rngStepBinding, rngUniforms, type RngStream } from './rng.ts';
import { rowGrid, rowKernelMain, rowWorkgroupSize, subgroupPrelude, workgroupReduce } from './row_reduce.ts';

/** Rows per stage-1 partial sum of the weight and bias gradients. */
export const ROW_CHUNK = 64;
const PARTIAL_WG = 256;

/** Dropout on a layer norm's x, drawn from `rng` as the dropout op draws it. */
export interface LayerNormDropout {
  probability: number;
  rng: RngStream;
}

/** What a forward kernel folds in besides the normalisation. */
export interface LayerNormFusion {
  /** Rows of a residual added to x (0: none); fewer than x's rows: repeated down them (position embeddings). */
  residualRows?: number;
  /** Dropout on x before the residual add (needs a residual). */
  dropout?: LayerNormDropout | null;
  /** Dropout on the output y (not with `dropout`). */
  outputDropout?: LayerNormDropout | null;
}

/** What a backward kernel folds in. */
export interface LayerNormBackwardFusion {
  /** dy comes in two parts, dy and dyMore, summed as they are read. */
  twoParts?: boolean;
  /** The forward's dropout: the input kernel also writes x's gradient through its mask. */
  dropout?: LayerNormDropout | null;
  /** The forward's output dropout: dy is read through its mask. */
  outputDropout?: LayerNormDropout | null;
  /**
   * The input kernel's launch also runs `layerNormParamGradChunks` (stage 1 of the weight and bias
   * gradients) in workgroups past the rows': the two read the same tensors and neither waits for
   * the other, so one launch does both.
   */
  paramGrads?: boolean;
}

/** The uniforms and WGSL of a kernel's dropout: `dropped(v, i)`, v (f32, or vec4f for elements i…i+3) through the mask. */
export function dropoutParts(dropout: LayerNormDropout | null | undefined, vec: 'f32' | 'vec4f', stepBinding: number) {
  if (!dropout) return { uniforms: {}, wgsl: '' };
  const { probability, rng } = dropout;
  // p = 1 drops everything; a zero scale keeps 0 · inf out of the (unselected) kept branch.
  const keepScale = probability < 1 ? 1 / (1 - probability) : 0;
  const uniforms: Uniforms = { dropProbability: f32(probability), keepScale: f32(keepScale), ...rngUniforms(rng) };
  const dropped =
    vec === 'vec4f'
      ? 'fn dropped(v: vec4f, i: u32) -> vec4f {\n  return vec4f(dropOne(v.x, i), dropOne(v.y, i + 1u), dropOne(v.z, i + 2u), dropOne(v.w, i + 3u));\n}'
      : 'fn dropped(v: f32, i: u32) -> f32 { return dropOne(v, i); }';
  const wgsl = `${rngStepBinding(stepBinding)}
${RNG_WGSL}
fn dropOne(v: f32, i: u32) -> f32 { return select(0.0, v * p.keepScale, ${rngDraw('i')} >= p.dropProbability); }
${dropped}`;
  return { uniforms, wgsl };
}

/** Forward bindings: x, weight, bias, y, mean [rows], rstd [rows]; with a residual, residual and sum; with dropout, the step. */
export function forwardBindings(vec: 'f32' | 'vec4f', residual: boolean): string {
  return `@group(0) @binding(1) var<storage, read> x: array<${vec}>;
@group(0) @binding(2) var<storage, read> weight: array<${vec}>;
@group(0) @binding(3) var<storage, read> bias: array<${vec}>;
@group(0) @binding(4) var<storage, read_write> y: array<${vec}>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;${
    residual
      ? `
@group(0) @binding(7) var<storage, read> residual: array<${vec}>;
@group(0) @binding(8) var<storage, read_write> sum: array<${vec}>;`
      : ''
  }`;
}

/** A forward's uniforms, name suffix and dropout WGSL, checked. */
export function forwardParts(
  rows: number,
  cols: number,
  eps: number,
  { residualRows = 0, dropout, outputDropout }: LayerNormFusion,
  vec: 'f32' | 'vec4f',
) {
  const residual = residualRows > 0;
  if (dropout && !residual) throw new Error('layerNormForward: dropout is folded in only before a residual add');
  if (dropout && outputDropout) throw new Error('layerNormForward: dropout on x or on the output, not both');
  const drop = dropoutParts(dropout ?? outputDropout, vec, residual ? 9 : 7);
  const uniforms: Uniforms = {
    rows: u32(rows),
    cols: u32(cols),
    eps: f32(eps),
    ...(residual ? { residualRows: u32(residualRows) } : {}),
    ...drop.uniforms,
  };
  const suffix = `${residual ? '_residual' : ''}${residual && residualRows !== rows ? '_repeated' : ''}${dropout ? '_dropout' : ''}${outputDropout ? '_output_dropout' : ''}`;
  return { residual, repeated: residual && residualRows !== rows, uniforms, suffix, dropoutWgsl: drop.wgsl };
}

/** Backward-input bindings: dy, [dyMore], x, weight, mean, rstd, dx, [dxDropped], [weightPartial, biasPartial], [step]. */
export function backwardInputBindings(vec: 'f32' | 'vec4f', { twoParts, dropout, paramGrads }: LayerNormBackwardFusion): string {
  const names = [
    'dy',
    ...(twoParts ? ['dyMore'] : []),
    'x',
    'weight',
    'mean',
    'rstd',
    'dx',
    ...(dropout ? ['dxDropped'] : []),
    ...(paramGrads ? ['weightPartial', 'biasPartial'] : []),
  ];
  const types: Record<string, string> = { mean: 'f32', rstd: 'f32' };
  const written = new Set(['dx', 'dxDropped', 'weightPartial', 'biasPartial']);
  return names
    .map(
      (name, i) =>
        `@group(0) @binding(${i + 1}) var<storage, ${written.has(name) ? 'read_write' : 'read'}> ${name}: array<${types[name] ?? vec}>;`,
    )
    .join('\n');
}

/**
 * A backward-input kernel's uniforms, name suffix, the WGSL of its dropout and of
 * `paramGradChunk` (with `paramGrads`), and its WGSL expression for dy at `i`.
 */
export function backwardInputParts(rows: number, cols: number, fusion: LayerNormBackwardFusion, vec: 'f32' | 'vec4f') {
  if (fusion.dropout && fusion.outputDropout) throw new Error('layerNormBackwardInput: dropout on x or on the output, not both');
  const bindings = 6 + (fusion.twoParts ? 1 : 0) + (fusion.dropout ? 1 : 0) + (fusion.paramGrads ? 2 : 0);
  const drop = dropoutParts(fusion.dropout ?? fusion.outputDropout, vec, bindings + 1);
  const dyOf = (i: string) => (fusion.twoParts ? `(dy[${i}] + dyMore[${i}])` : `dy[${i}]`);
  // Through the output's mask, which draws per element: vector i of a vec4 array starts at element 4i.
  const dyAt = (i: string) => (fusion.outputDropout ? `dropped(${dyOf(i)}, (${i})${vec === 'vec4f' ? ' * 4u' : ''})` : dyOf(i));
  return {
    uniforms: {
      rows: u32(rows),
      cols: u32(cols),
      ...(fusion.paramGrads ? { chunks: u32(Math.ceil(rows / ROW_CHUNK)) } : {}),
      ...drop.uniforms,
    } as Uniforms,
    suffix: `${fusion.twoParts ? '_parts2' : ''}${fusion.dropout ? '_dropout' : ''}${fusion.outputDropout ? '_output_dropout' : ''}${fusion.paramGrads ? '_param_grads' : ''}`,
    extraWgsl: [drop.wgsl, fusion.paramGrads ? paramGradChunkWgsl(vec, dyAt) : '']
      .filter((w) => w)
      .map((w) => `\n${w}`)
      .join(''),
    dyAt,
  };
}

/**
 * WGSL: `paramGradChunk(i)` writes the partial weight and bias gradients of the i-th (chunk of
 * ROW_CHUNK rows, column), i < chunks · cols (a vec4 of 4 columns when `vec` is vec4f; each lane's
 * arithmetic is the scalar form's, in its order, so both give the same bits).
 */
export function paramGradChunkWgsl(vec: 'f32' | 'vec4f', dyAt: (i: string) => string): string {
  return `fn paramGradChunk(i: u32) {
  let n = p.cols${vec === 'vec4f' ? ' / 4u' : ''};
  let col = i % n;
  let chunk = i / n;
  let end = min(p.rows, (chunk + 1u) * ${ROW_CHUNK}u);
  var dWeight = ${vec}(0.0);
  var dBias = ${vec}(0.0);
  for (var r = chunk * ${ROW_CHUNK}u; r < end; r++) {
    let g = ${dyAt('r * n + col')};
    dWeight += g * (x[r * n + col] - mean[r]) * rstd[r];
    dBias += g;
  }
  weightPartial[i] = dWeight;
  biasPartial[i] = dBias;
}`;
}

/**
 * Bindings as `forwardBindings`. `wg`: threads per row, a power of two from 4 (default by row
 * length). The one-thread-per-row form is kernels/cpu/layernorm.ts's `layerNormRowsForward`.
 */
export function layerNormForward(
  rows: number,
  cols: number,
  eps: number,
  subgroups = false,
  { wg = rowWorkgroupSize(cols), ...fusion }: LayerNormFusion & { wg?: number } = {},
): KernelLaunch {
  const { residual, repeated, uniforms, suffix, dropoutWgsl } = forwardParts(rows, cols, eps, fusion, 'f32');
  const x = (i: string) => (fusion.dropout ? `dropped(x[${i}], ${i})` : `x[${i}]`);
  const input = (i: string) => (!residual ? x(i) : `(${x(i)} + residual[${repeated ? 'residualBase + c' : i}])`);
  // The second and third passes read back what the first wrote (each thread its own elements).
  const again = (i: string) => (residual ? `sum[${i}]` : x(i));
  const columns = `for (var c = lid.x; c < p.cols; c += ${wg}u) {`;
  const body = `${repeated ? '  let residualBase = (row % p.residualRows) * p.cols;\n' : ''}  var local = 0.0;
  ${columns}
    let v = ${input('base + c')};${residual ? '\n    sum[base + c] = v;' : ''}
    local += v;
  }
  let mean = rowSumOf(lid.x, local) / f32(p.cols);
  local = 0.0;
  ${columns}
    let d = ${again('base + c')} - mean;
    local += d * d;
  }
  let rstd = inverseSqrt(rowSumOfSquares(lid.x, local) / f32(p.cols) + p.eps);
  ${columns}
    let normalised = (${again('base + c')} - mean) * rstd * weight[c] + bias[c];
    y[base + c] = ${fusion.outputDropout ? 'dropped(normalised, base + c)' : 'normalised'};
  }
  if (lid.x == 0u) {
    meanOut[row] = mean;
    rstdOut[row] = rstd;
  }`;
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
${forwardBindings('f32', residual)}${dropoutWgsl ? `\n${dropoutWgsl}` : ''}
${workgroupReduce('rowSumOf', 'f32', 'sum', wg, subgroups)}
${workgroupReduce('rowSumOfSquares', 'f32', 'sum', wg, subgroups)}
${rowKernelMain(wg, body, subgroups)}`;
  return { name: `layernorm${suffix}${subgroups ? '_subgroups' : ''}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Bindings as `backwardInputBindings`. `wg`: threads per row, a power of two from 4 (kernels/cpu/layernorm.ts for 1). */
export function layerNormBackwardInput(
  rows: number,
  cols: number,
  subgroups = false,
  { wg = rowWorkgroupSize(cols), ...fusion }: LayerNormBackwardFusion & { wg?: number } = {},
): KernelLaunch {
  const { uniforms, suffix, extraWgsl, dyAt } = backwardInputParts(rows, cols, fusion, 'f32');
  // With paramGrads, the workgroups past the rows' compute the partial sums, a thread each.
  const paramWorkgroups = fusion.paramGrads ? Math.ceil((Math.ceil(rows / ROW_CHUNK) * cols) / wg) : 0;
  const beyondRows = fusion.paramGrads
    ? `let i = (row - p.rows) * ${wg}u + lid.x;
    if (i < p.chunks * p.cols) { paramGradChunk(i); }`
    : '';
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
${backwardInputBindings('f32', fusion)}${extraWgsl}
${workgroupReduce('rowSumsOf', 'vec2f', 'sum', wg, subgroups)}
${rowKernelMain(
  wg,
  `  let m = mean[row];
  let r = rstd[row];
  var local = vec2f(0.0);
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    let g = ${dyAt('base + c')} * weight[c];
    local += vec2f(g, g * (x[base + c] - m) * r);
  }
  // (mean(g), mean(g · x̂))
  let means = rowSumsOf(lid.x, local) / f32(p.cols);
  for (var c = lid.x; c < p.cols; c += ${wg}u) {
    let g = ${dyAt('base + c')} * weight[c];
    let xhat = (x[base + c] - m) * r;
    let d = r * (g - means.x - xhat * means.y);
    dx[base + c] = d;${fusion.dropout ? '\n    dxDropped[base + c] = dropped(d, base + c);' : ''}
  }`,
  subgroups,
  beyondRows,
)}`;
  return {
    name: `layernorm_backward_input${suffix}${subgroups ? '_subgroups' : ''}`,
    code,
    workgroups: rowGrid(rows + paramWorkgroups),
    uniforms,
  };
}

/**
 * Stage 1 of the weight and bias gradients. Bindings: dy, [dyMore], x, mean, rstd, weightPartial
 * [chunks, cols], biasPartial [chunks, cols], with chunks = ceil(rows / ROW_CHUNK).
 */
export function layerNormParamGradChunks(
  rows: number,
  cols: number,
  { twoParts = false }: Pick<LayerNormBackwardFusion, 'twoParts'> = {},
): KernelLaunch {
  const chunks = Math.ceil(rows / ROW_CHUNK);
  const uniforms = { rows: u32(rows), cols: u32(cols), chunks: u32(chunks) };
  const names = ['dy', ...(twoParts ? ['dyMore'] : []), 'x', 'mean', 'rstd'];
  const dy = (i: string) => (twoParts ? `(dy[${i}] + dyMore[${i}])` : `dy[${i}]`);
  const code = `${uniformBlock(uniforms)}
${names.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`).join('\n')}
@group(0) @binding(${names.length + 1}) var<storage, read_write> weightPartial: array<f32>;
@group(0) @binding(${names.length + 2}) var<storage, read_write> biasPartial: array<f32>;
${paramGradChunkWgsl('f32', dy)}
${flatKernelMain(PARTIAL_WG, 'p.chunks * p.cols', '\n  paramGradChunk(i);')}`;
  return {
    name: `layernorm_param_grad_chunks${twoParts ? '_parts2' : ''}`,
    code,
    workgroups: flatGrid(chunks * cols, PARTIAL_WG),
    uniforms,
  };
}
