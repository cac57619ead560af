// Layer normalisation on CPU implementations of WebGPU (Mesa's lavapipe and llvmpipe,
// SwiftShader): the forward and input-gradient kernels of kernels/layernorm.ts, with its
// bindings, fusions and arithmetic, but one thread per row instead of a workgroup per row.
//
// A thread loops over its whole row (vec4 loads when cols is a multiple of 4, adding its own
// lanes at the end of each pass), ROWS_PER_WORKGROUP rows per workgroup, with no barrier at all.
// On lavapipe a workgroup per row costs 4-5 times more at 32 to 768 columns, in workgroup and
// barrier overhead rather than arithmetic; a GPU wants the workgroup's coalesced reads of a long
// row. The sums run in another order than a workgroup reduction's, so the two forms differ in the
// last bits. `npm run tune` times both on any adapter (kernels/layernorm.ts's form for wg > 1).
// CPU reference: reference/float64.ts's layerNorm; tests: test/ops/softmax_layernorm.test.ts.
import { FLAT_BUILTINS, flatGrid, flatIndex, uniformBlock, type KernelLaunch } from '../launch.ts';
import {
  ROW_CHUNK,
  backwardInputBindings,
  backwardInputParts,
  forwardBindings,
  forwardParts,
  type LayerNormBackwardFusion,
  type LayerNormFusion,
} from '../layernorm.ts';

/** Rows of one workgroup, a thread each. */
const ROWS_PER_WORKGROUP = 64;

/**
 * WGSL for a kernel with a thread per row: `body` runs with `row`, the row's vector count `n`
 * and first vector `base` (vectors of `width` floats), and `hsum(v)`, which adds a vector's lanes.
 * With `beyondRows`, the workgroups past the rows' run it instead, with `i` their flat thread index.
 */
function rowPerThreadMain(width: 1 | 4, body: string, beyondRows = ''): string {
  const rowWorkgroups = `((p.rows + ${ROWS_PER_WORKGROUP - 1}u) / ${ROWS_PER_WORKGROUP}u)`;
  return `fn hsum(v: ${width === 4 ? 'vec4f' : 'f32'}) -> f32 { return ${width === 4 ? 'v.x + v.y + v.z + v.w' : 'v'}; }
@compute @workgroup_size(${ROWS_PER_WORKGROUP})
fn main(${FLAT_BUILTINS}) {
  let row = ${flatIndex(ROWS_PER_WORKGROUP)};${
    beyondRows
      ? `
  if (row >= ${rowWorkgroups} * ${ROWS_PER_WORKGROUP}u) {
    let i = row - ${rowWorkgroups} * ${ROWS_PER_WORKGROUP}u;
    ${beyondRows}
    return;
  }`
      : ''
  }
  if (row >= p.rows) { return; }
  let n = p.cols${width === 4 ? ' / 4u' : ''};
  let base = row * n;
${body}
}`;
}

/** Workgroups of a kernel with a thread per row, and with `paramGrads` those of the partial sums past them. */
function rowPerThreadGrid(rows: number, cols: number, width: number, paramGrads = false): [number, number, number] {
  const partials = paramGrads ? Math.ceil(rows / ROW_CHUNK) * (cols / width) : 0;
  return flatGrid(Math.ceil(rows / ROWS_PER_WORKGROUP) * ROWS_PER_WORKGROUP + partials, ROWS_PER_WORKGROUP);
}

/** The vector width of a row of `cols`, and its WGSL type. */
const widthOf = (cols: number) => (cols % 4 === 0 ? ({ width: 4, vec: 'vec4f' } as const) : ({ width: 1, vec: 'f32' } as const));

/** Bindings as kernels/layernorm.ts's `layerNormForward`. */
export function layerNormRowsForward(rows: number, cols: number, eps: number, fusion: LayerNormFusion = {}): KernelLaunch {
  const { width, vec } = widthOf(cols);
  const { residual, repeated, uniforms, suffix, dropoutWgsl } = forwardParts(rows, cols, eps, fusion, vec);
  // Element index of vector i: dropout draws per element.
  const x = (i: string) => (fusion.dropout ? `dropped(x[${i}], (${i}) * ${width}u)` : `x[${i}]`);
  const input = (i: string) => (!residual ? x(i) : `(${x(i)} + residual[${repeated ? 'residualBase + c' : i}])`);
  // The second and third passes read back the sum the first wrote.
  const again = (i: string) => (residual ? `sum[${i}]` : x(i));
  const zero = width === 4 ? 'vec4f(0.0)' : '0.0';
  const body = `${repeated ? '  let residualBase = (row % p.residualRows) * n;\n' : ''}  var local = ${zero};
  for (var c = 0u; c < n; c++) {
    let v = ${input('base + c')};${residual ? '\n    sum[base + c] = v;' : ''}
    local += v;
  }
  let mean = hsum(local) / f32(p.cols);
  local = ${zero};
  for (var c = 0u; c < n; c++) {
    let d = ${again('base + c')} - mean;
    local += d * d;
  }
  let rstd = inverseSqrt(hsum(local) / f32(p.cols) + p.eps);
  for (var c = 0u; c < n; c++) {
    let normalised = (${again('base + c')} - mean) * rstd * weight[c] + bias[c];
    y[base + c] = ${fusion.outputDropout ? `dropped(normalised, (base + c) * ${width}u)` : 'normalised'};
  }
  meanOut[row] = mean;
  rstdOut[row] = rstd;`;
  return {
    name: `layernorm${suffix}_per_thread${width === 4 ? '_vec4' : ''}`,
    code: `${uniformBlock(uniforms)}\n${forwardBindings(vec, residual)}${dropoutWgsl ? `\n${dropoutWgsl}` : ''}\n${rowPerThreadMain(width, body)}`,
    workgroups: rowPerThreadGrid(rows, cols, width),
    uniforms,
  };
}

/** Bindings as kernels/layernorm.ts's `layerNormBackwardInput`. */
export function layerNormRowsBackwardInput(rows: number, cols: number, fusion: LayerNormBackwardFusion = {}): KernelLaunch {
  const { width, vec } = widthOf(cols);
  const { uniforms, suffix, extraWgsl, dyAt } = backwardInputParts(rows, cols, fusion, vec);
  const code = `${uniformBlock(uniforms)}
${backwardInputBindings(vec, fusion)}${extraWgsl}
${rowPerThreadMain(
  width,
  `  let m = mean[row];
  let r = rstd[row];
  var sumG = ${vec}(0.0);
  var sumGXhat = ${vec}(0.0);
  for (var c = 0u; c < n; c++) {
    let g = ${dyAt('base + c')} * weight[c];
    sumG += g;
    sumGXhat += g * (x[base + c] - m) * r;
  }
  // (mean(g), mean(g · x̂))
  let means = vec2f(hsum(sumG), hsum(sumGXhat)) / f32(p.cols);
  for (var c = 0u; c < n; c++) {
    let g = ${dyAt('base + c')} * weight[c];
    let xhat = (x[base + c] - m) * r;
    let d = r * (g - means.x - xhat * means.y);
    dx[base + c] = d;${fusion.dropout ? `\n    dxDropped[base + c] = dropped(d, (base + c) * ${width}u);` : ''}
  }`,
  fusion.paramGrads ? `if (i < p.chunks * p.cols${width === 4 ? ' / 4u' : ''}) { paramGradChunk(i); }` : '',
)}`;
  return {
    name: `layernorm_backward_input${suffix}_per_thread${width === 4 ? '_vec4' : ''}`,
    code,
    workgroups: rowPerThreadGrid(rows, cols, width, fusion.paramGrads),
    uniforms,
  };
}
