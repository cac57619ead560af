// Ops that change how elements are laid out: reshape and a matrix's leading rows (views, no
// copy), and swapping two axes.
import { padWithZeros, swapAxes } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, numel, shapeStr, type Shape } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

export const reshape = op('reshape', function reshape(x: Tensor, shape: Shape): Tensor {
  const resolved = resolveShape(x, shape);
  const out = new Tensor(resolved, x.dtype, { viewOf: x });
  return out.setBackward([x], (g) => [reshape(g, x.shape)]);
});

/**
 * The first `rows` rows of a matrix [R, C], as a view [rows, C] (no copy; e.g. the position
 * embeddings of a sequence of length `rows`). Its gradient is the view's, padded with zero rows.
 */
export const leadingRows = op('leadingRows', function leadingRows(x: Tensor, rows: number): Tensor {
  if (x.shape.length !== 2 || x.dtype !== 'f32')
    throw new Error(`leadingRows: ${x.name} must be an f32 matrix, got ${x.dtype} ${shapeStr(x.shape)}`);
  if (!Number.isInteger(rows) || rows < 0 || rows > x.shape[0])
    throw new Error(`leadingRows: ${rows} rows of ${x.name} ${shapeStr(x.shape)}`);
  const out = new Tensor([rows, x.shape[1]], x.dtype, { viewOf: x, name: `${x.name}[:${rows}]` });
  return out.setBackward([x], (g) => {
    const padded = new Tensor(x.shape);
    if (padded.numel > 0) launchOn(padWithZeros(g.numel, padded.numel), g, padded);
    return [padded];
  });
});

/** Allows one -1 in `shape`, as torch does. */
function resolveShape(x: Tensor, shape: Shape): number[] {
  const unknown = shape.indexOf(-1);
  const known = numel(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? x.numel / known : d));
  if (numel(resolved) !== x.numel || (unknown >= 0 && !Number.isInteger(resolved[unknown]))) {
    throw new Error(`cannot reshape ${x.name} ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
  }
  return resolved;
}

/** Swaps axes `dim0` and `dim1` (negative counts from the end), copying into a new tensor. */
export const transpose = op('transpose', function transpose(x: Tensor, dim0: number = -2, dim1: number = -1): Tensor {
  const rank = x.shape.length;
  const [i, j] = [dim0 < 0 ? dim0 + rank : dim0, dim1 < 0 ? dim1 + rank : dim1].sort((m, n) => m - n);
  if (i < 0 || j >= rank) throw new Error(`transpose: dims ${dim0}, ${dim1} out of range for ${shapeStr(x.shape)}`);
  if (x.dtype !== 'f32') throw new Error(`transpose: ${x.name} is ${x.dtype}; only f32 tensors can be transposed`);
  const shape = [...x.shape];
  [shape[i], shape[j]] = [shape[j], shape[i]];
  const out = new Tensor(shape);
  if (i !== j && out.numel > 0) {
    const s = x.shape;
    launchOn(swapAxes(numel(s.slice(0, i)), s[i], numel(s.slice(i + 1, j)), s[j], numel(s.slice(j + 1))), x, out);
  } else if (out.numel > 0) {
    return reshape(x, shape);
  }
  return out.setBackward([x], (g) => [transpose(g, dim0, dim1)]);
});
