// Reductions of a row-major [rows, cols] matrix.
//
// `reduceRows` (sum, or max with its argmax) gives one value per row: one workgroup per row, each
// thread folds a strided slice of the row, then a tree reduction in workgroup memory combines the
// 256 partial results. The order of additions is fixed, so results are identical run to run.
//
// `sumColumns` gives one value per column, in two stages: a [chunks, cols] grid of threads each
// sums up to CHUNK rows of one column, then a second launch sums the chunk partials. Used for
// bias gradients and for reducing a gradient over broadcast leading dims.
import { FLAT_BUILTINS, flatGrid, flatIndex, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;
export const COLUMN_CHUNK = 256;

/** Workgroup grid of one workgroup per row, folded into y beyond the grid limit. */
function rowGrid(rows: number): [number, number, number] {
  return flatGrid(rows, 1);
}

export function reduceRows(op: 'sum' | 'max', rows: number, cols: number): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const isMax = op === 'max';
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
${isMax ? '@group(0) @binding(3) var<storage, read_write> argmax: array<i32>;' : ''}
var<workgroup> partial: array<f32, ${WG}>;
var<workgroup> partialIndex: array<i32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var acc = ${isMax ? '-3.4028234663852886e38' : '0.0'};
  var accIndex = -1;
  for (var c = lid.x; c < p.cols; c += ${WG}u) {
    let v = input[base + c];
    ${isMax ? 'if (v > acc || accIndex < 0) { acc = v; accIndex = i32(c); }' : 'acc += v;'}
  }
  partial[lid.x] = acc;
  partialIndex[lid.x] = accIndex;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) {
      ${isMax
        ? `let o = partial[lid.x + stride];
      let oi = partialIndex[lid.x + stride];
      // Ties go to the lower index, as torch.max does on CPU.
      if (oi >= 0 && (partialIndex[lid.x] < 0 || o > partial[lid.x] || (o == partial[lid.x] && oi < partialIndex[lid.x]))) {
        partial[lid.x] = o;
        partialIndex[lid.x] = oi;
      }`
        : 'partial[lid.x] += partial[lid.x + stride];'}
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    output[row] = partial[0];
    ${isMax ? 'argmax[row] = partialIndex[0];' : ''}
  }
}`;
  return { name: `reduce_rows_${op}`, code, workgroups: rowGrid(rows), uniforms };
}

/** Stage 1 of a column sum: partial[chunk, col] = sum of rows chunk*CHUNK .. +CHUNK of input. */
export function sumColumnChunks(rows: number, cols: number): KernelLaunch {
  const chunks = Math.ceil(rows / COLUMN_CHUNK);
  const uniforms = { rows: u32(rows), cols: u32(cols), chunks: u32(chunks) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  let i = ${flatIndex(WG)};
  if (i >= p.chunks * p.cols) { return; }
  let col = i % p.cols;
  let chunk = i / p.cols;
  let end = min(p.rows, (chunk + 1u) * ${COLUMN_CHUNK}u);
  var acc = 0.0;
  for (var r = chunk * ${COLUMN_CHUNK}u; r < end; r++) { acc += input[r * p.cols + col]; }
  partial[i] = acc;
}`;
  return { name: 'sum_columns_chunks', code, workgroups: flatGrid(chunks * cols, WG), uniforms };
}

/** Stage 2 (or the only stage for few rows): output[col] = sum over rows of input[row, col]. */
export function sumColumns(rows: number, cols: number): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  let col = ${flatIndex(WG)};
  if (col >= p.cols) { return; }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r++) { acc += input[r * p.cols + col]; }
  output[col] = acc;
}`;
  return { name: 'sum_columns', code, workgroups: flatGrid(cols, WG), uniforms };
}

/** d input[row, col] = (col == argmax[row]) ? grad[row] : 0, the backward of a row max. */
export function scatterRowMax(rows: number, cols: number): KernelLaunch {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<i32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;
@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  let i = ${flatIndex(WG)};
  if (i >= p.rows * p.cols) { return; }
  let row = i / p.cols;
  output[i] = select(0.0, grad[row], i32(i % p.cols) == argmax[row]);
}`;
  return { name: 'scatter_row_max', code, workgroups: flatGrid(rows * cols, WG), uniforms };
}
