// Sums of rows and of columns, without autograd: the building blocks of reduce.ts's `sum` and of
// broadcasting's backward in elementwise.ts (which sums a gradient back to a broadcast input's shape).
import { COLUMN_CHUNK } from '../../kernels/reduce.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { reduceRows, sumColumnChunks, sumColumns } from '../gpu/kernels.ts';

export function rowsAndCols(x: Tensor, op: string): [number, number] {
  if (x.shape.length === 0) throw new Error(`${op}: ${x.name} is a scalar; there is no last dim to reduce`);
  const cols = x.shape[x.shape.length - 1];
  return [x.numel / Math.max(cols, 1), cols];
}

/** Sum of each row of a [rows, cols] tensor: [rows]. No autograd (a building block). */
export function sumRowsOf(x: Tensor): Tensor {
  const [rows, cols] = rowsAndCols(x, 'sum');
  const out = new Tensor([rows]);
  launchOn(reduceRows('sum', rows, cols), x, out);
  return out;
}

/** Sum of each column of a [rows, cols] tensor: [cols]. No autograd (a building block). */
export function sumColumnsOf(x: Tensor): Tensor {
  if (x.shape.length !== 2) throw new Error(`sumColumnsOf: expected a matrix, got ${shapeStr(x.shape)}`);
  const [rows, cols] = x.shape;
  const out = new Tensor([cols]);
  if (rows <= COLUMN_CHUNK) {
    launchOn(sumColumns(rows, cols), x, out);
    return out;
  }
  const chunks = Math.ceil(rows / COLUMN_CHUNK);
  const partial = new Tensor([chunks, cols]);
  launchOn(sumColumnChunks(rows, cols), x, partial);
  launchOn(sumColumns(chunks, cols), partial, out);
  partial.release();
  return out;
}
