// Reductions over the last dim (sum, mean, max), each with its backward.
import { reduceRows, scatterRowMax } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { expand, mulScalar } from './elementwise.ts';
import { rowsAndCols, sumRowsOf } from './row_sums.ts';
import { reshape } from './shape.ts';

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
