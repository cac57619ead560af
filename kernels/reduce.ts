// Reductions of a row-major [rows, cols] matrix.
//
// `reduceRows` (sum, or max with its argmax) gives one value per row: one workgroup per row, each
// thread folds a strided slice of the row, then a tree reduction in workgroup memory combines the
// threads' partial results (row_reduce.ts). The order of additions is fixed, so results are
// identical run to run. A sum may be scaled as it is written (a mean: times 1/cols).
//
// `sumColumns` gives one value per column, in two stages: a [chunks, cols] grid of threads each
// sums up to COLUMN_CHUNK rows of one column (`sumColumnChunks`), then a second launch sums the
// chunk partials. Used for a gradient summed over broadcast leading dims, and for a bias gradient
// that no weight gradient's launch computes (engine/ops/matmul.ts `linearGradients`).
// `sumColumnsOfSlots` runs the last stage for several matrices in one launch: a layer norm's weight
// and bias gradients.
//
// CPU reference and test: test/ops/reduce_shape.test.ts (float64 row sums and maxima, column sums).
import { F32_LOWEST, FLAT_BUILTINS, f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';
import { forSlot, slotLayout, slotWorkgroup } from './multi_tensor.ts';
import { rowGrid, rowKernelMain, rowWorkgroupSize, workgroupReduce } from './row_reduce.ts';

const WG = 256;
const SUM_COLUMNS_WG = 64;
export const COLUMN_CHUNK = 256;

// Max keeps (value, index) pairs; an empty slot's index is above any real one, so real values win
// ties with it, and among equal values the lower index wins, as torch.max does on CPU.
const NO_INDEX = '1e30';
const maxPair = (a: string, b: string) => `select(${b}, ${a}, ${a}.x > ${b}.x || (${a}.x == ${b}.x && ${a}.y <= ${b}.y))`;

/** Bindings: input [rows, cols], output [rows], with max argmax [rows] i32. `scale` (sums only) multiplies each sum. */
export function reduceRows(op: 'sum' | 'max', rows: number, cols: number, scale?: number): KernelLaunch {
  if (scale !== undefined && op !== 'sum') throw new Error('reduceRows: only a sum can be scaled');
  const uniforms = { rows: u32(rows), cols: u32(cols), ...(scale === undefined ? {} : { scale: f32(scale) }) };
  const wg = rowWorkgroupSize(cols);
  const body =
    op === 'sum'
      ? `  var acc = 0.0;
  for (var c = lid.x; c < p.cols; c += ${wg}u) { acc += input[base + c]; }
  let total = reduce_sum(lid.x, acc);
  if (lid.x == 0u) { output[row] = total${scale === undefined ? '' : ' * p.scale'}; }`
      : `  var acc = vec2f(${F32_LOWEST}, ${NO_INDEX});
  for (var c = lid.x; c < p.cols; c += ${wg}u) { acc = ${maxPair('vec2f(input[base + c], f32(c))', 'acc')}; }
  let best = reduce_max(lid.x, acc);
  if (lid.x == 0u) {
    output[row] = best.x;
    argmax[row] = i32(best.y);
  }`;
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
${op === 'max' ? '@group(0) @binding(3) var<storage, read_write> argmax: array<i32>;' : ''}
${op === 'sum' ? workgroupReduce('reduce_sum', 'f32', 'sum', wg) : workgroupReduce('reduce_max', 'vec2f', maxPair, wg)}
${rowKernelMain(wg, body)}`;
  return { name: `reduce_rows_${op}${scale === undefined ? '' : '_scaled'}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Stage 1 of a column sum: partial[chunk, col] = sum of rows chunk*CHUNK .. +CHUNK of input. */
export function sumColumnChunks(rows: number, cols: number): KernelLaunch {
  const chunks = Math.ceil(rows / COLUMN_CHUNK);
  const uniforms = { rows: u32(rows), cols: u32(cols), chunks: u32(chunks) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
${flatKernelMain(
  WG,
  'p.chunks * p.cols',
  `
  let col = i % p.cols;
  let chunk = i / p.cols;
  let end = min(p.rows, (chunk + 1u) * ${COLUMN_CHUNK}u);
  var acc = 0.0;
  for (var r = chunk * ${COLUMN_CHUNK}u; r < end; r++) { acc += input[r * p.cols + col]; }
  partial[i] = acc;`,
)}`;
  return { name: 'sum_columns_chunks', code, workgroups: flatGrid(chunks * cols, WG), uniforms };
}

/**
 * Stage 2 (or the only stage for few rows): output[col] = sum over rows of input[row, col]. A
 * thread sums 4 adjacent columns as a vec4 when cols is a multiple of 4, in workgroups of
 * SUM_COLUMNS_WG: bias gradients of a few dozen columns then take one small workgroup.
 */
export function sumColumns(rows: number, cols: number): KernelLaunch {
  const width = cols % 4 === 0 ? 4 : 1;
  const vec = width === 4 ? 'vec4f' : 'f32';
  const uniforms = { rows: u32(rows), cols: u32(cols / width) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<${vec}>;
@group(0) @binding(2) var<storage, read_write> output: array<${vec}>;
${flatKernelMain(
  SUM_COLUMNS_WG,
  'p.cols',
  `
  var acc = ${vec}(0.0);
  for (var r = 0u; r < p.rows; r++) { acc += input[r * p.cols + col]; }
  output[col] = acc;`,
  'col',
)}`;
  return { name: `sum_columns${width === 4 ? '_vec4' : ''}`, code, workgroups: flatGrid(cols / width, SUM_COLUMNS_WG), uniforms };
}

/** What `sumColumnsOfSlots` binds per matrix (its input and output), and besides them. */
export const SUM_COLUMNS_EACH_COST = { sharedBindings: 0, bindingsPerSlot: 2, sharedUniforms: 0, uniformsPerSlot: 3 };

/**
 * `sumColumns` of several matrices in one launch: slot k sums input{k} [rows{k}, cols] over its
 * rows into output{k}. Each slot owns a range of workgroups (kernels/multi_tensor.ts), and each of
 * its threads sums one column (4 as a vec4 when the slot's cols is a multiple of 4) in the order
 * `sumColumns` does, so the sums keep their bits. Bindings: input0, output0, input1, output1, …
 */
export function sumColumnsOfSlots(shapes: readonly (readonly [rows: number, cols: number])[]): KernelLaunch {
  const widths = shapes.map(([, cols]) => (cols % 4 === 0 ? 4 : 1));
  const layout = slotLayout(
    shapes.map(([, cols], k) => cols / widths[k]),
    SUM_COLUMNS_WG,
  );
  const uniforms: Uniforms = { ...layout.uniforms };
  shapes.forEach(([rows], k) => {
    uniforms[`rows${k}`] = u32(rows);
  });
  const vec = (k: number) => (widths[k] === 4 ? 'vec4f' : 'f32');
  const bindings = shapes.map(
    (_, k) => `@group(0) @binding(${2 * k + 1}) var<storage, read> input${k}: array<${vec(k)}>;
@group(0) @binding(${2 * k + 2}) var<storage, read_write> output${k}: array<${vec(k)}>;`,
  );
  const code = `${uniformBlock(uniforms)}
${bindings.join('\n')}

@compute @workgroup_size(${SUM_COLUMNS_WG})
fn main(${FLAT_BUILTINS}) {
  ${slotWorkgroup(shapes.length)}
  ${forSlot(
    shapes.length,
    (k) => `let col = local * ${SUM_COLUMNS_WG}u + lid.x;
    if (col < p.n${k}) {
      var acc = ${vec(k)}(0.0);
      for (var r = 0u; r < p.rows${k}; r++) { acc += input${k}[r * p.n${k} + col]; }
      output${k}[col] = acc;
    }`,
  )}
}`;
  return { name: `sum_columns_each_x${shapes.length}`, code, workgroups: layout.grid, uniforms };
}

/** d input[row, col] = (col == argmax[row]) ? grad[row] : 0, the backward of a row max. */
export function scatterRowMax(rows: number, cols: number): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<i32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;
${flatKernelMain(
  WG,
  'p.rows * p.cols',
  `
  let row = i / p.cols;
  output[i] = select(0.0, grad[row], i32(i % p.cols) == argmax[row]);`,
)}`;
  return { name: 'scatter_row_max', code, workgroups: flatGrid(rows * cols, WG), uniforms };
}
