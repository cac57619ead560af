// Reductions over the last dim (sum, mean, max), and the column sums that broadcasting's
// backward needs.
import { COLUMN_CHUNK } from '../../kernels/reduce.ts';
import { reduceRows, scatterRowMax, sumColumnChunks, sumColumns } from '../kernels.ts';
import { launchOn } from '../launch_on.ts';
import { Tensor, shapeStr } from '../tensor.ts';
import { op } from '../trace.ts';
import { expand, mulScalar } from './elementwise.ts';
import { reshape } from './shape.ts';

function rowsAndCols(x: Tensor, op: string): [number, number] {
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

/** Sum over the last dim; the result drops that dim. */
export const sum = op('sum', function sum(x: Tensor): Tensor {
  const keptShape = x.shape.slice(0, -1);
  const lastDim = x.shape[x.shape.length - 1];
  const out = reshape(sumRowsOf(x), keptShape);
  return out.setBackward([x], (g) => [expandLastDim(g, lastDim)]);
});

/** Mean over the last dim. */
export function mean(x: Tensor): Tensor {
  return mulScalar(sum(x), 1 / x.shape[x.shape.length - 1]);
}

/** Max over the last dim; the gradient goes to the first position of the maximum. */
export const max = op('max', function max(x: Tensor): Tensor {
  const [rows, cols] = rowsAndCols(x, 'max');
  const values = new Tensor(x.shape.slice(0, -1));
  const argmax = new Tensor([rows], 'i32');
  launchOn(reduceRows('max', rows, cols), x, values, argmax);
  return values.setBackward([x], (g) => {
    const dx = new Tensor(x.shape);
    launchOn(scatterRowMax(rows, cols), g, argmax, dx);
    return [dx];
  });
});

/** [...] -> [..., n]: each value repeated along a new last dim (the backward of `sum`). */
function expandLastDim(g: Tensor, n: number): Tensor {
  return expand(reshape(g, [...g.shape, 1]), [...g.shape, n]);
}
