// Sums of rows and of columns, without autograd: building blocks of reduce.ts's `sum`, of
// broadcasting's backward in elementwise.ts (which sums a gradient back to a broadcast input's
// shape) and of other ops' parameter gradients (layer norm's, RMSNorm's, a bias that no product's
// launch sums).
import { planSlotGroups, slotsPerLaunch } from '../../kernels/multi_tensor.ts';
import { COLUMN_CHUNK, SUM_COLUMNS_EACH_COST } from '../../kernels/reduce.ts';
import { gpu } from '../gpu/device.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { reduceRows, sumColumnChunks, sumColumns, sumColumnsOfSlots } from '../gpu/kernels.ts';

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
  const [rows, cols] = matrixShape(x, 'sumColumnsOf');
  const out = new Tensor([cols]);
  if (rows <= COLUMN_CHUNK) {
    launchOn(sumColumns(rows, cols), x, out);
    return out;
  }
  const partial = chunkSums(x);
  launchOn(sumColumns(partial.shape[0], cols), partial, out);
  partial.release();
  return out;
}

/**
 * `sumColumnsOf` of each matrix, the same sums, with their last (or only) stage in one launch for
 * as many matrices as it can bind.
 */
export function sumColumnsOfEach(xs: readonly Tensor[]): Tensor[] {
  xs.forEach((x) => matrixShape(x, 'sumColumnsOfEach'));
  const lastStage = xs.map((x) => (x.shape[0] <= COLUMN_CHUNK ? x : chunkSums(x)));
  const outs = xs.map((x) => new Tensor([x.shape[1]]));
  const slots = slotsPerLaunch(SUM_COLUMNS_EACH_COST, gpu().limits.maxStorageBuffersPerShaderStage);
  for (const group of planSlotGroups(
    xs.map((x) => x.shape[1]),
    slots,
  )) {
    const kernel = sumColumnsOfSlots(group.map((i) => lastStage[i].shape as [number, number]));
    launchOn(kernel, ...group.flatMap((i) => [lastStage[i], outs[i]]));
  }
  lastStage.forEach((t, i) => t !== xs[i] && t.release());
  return outs;
}

function matrixShape(x: Tensor, op: string): [number, number] {
  if (x.shape.length !== 2) throw new Error(`${op}: expected a matrix, got ${shapeStr(x.shape)}`);
  return [x.shape[0], x.shape[1]];
}

/** Stage 1 of a column sum over more than COLUMN_CHUNK rows: [chunks, cols] partial sums. */
function chunkSums(x: Tensor): Tensor {
  const [rows, cols] = x.shape;
  const partial = new Tensor([Math.ceil(rows / COLUMN_CHUNK), cols]);
  launchOn(sumColumnChunks(rows, cols), x, partial);
  return partial;
}
