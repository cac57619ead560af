// Softmax over the last dim, with an optional additive mask (attention scores and masks).
//
// Mask broadcasting rule: the mask is f32 with the same last dim as x and at most x's rank. Its
// leading dims, aligned to x's from the right as in NumPy, are each 1 or equal to x's, and the
// ones equal to x's (ignoring x's dims of size 1) form one unbroken run. For x [B, H, T, T] that
// allows [T] (one mask row for all rows), [B, 1, 1, T] (per sequence, shared by heads and
// queries: the attention padding mask), [T, T] or [H, T, T] (shared across the batch), and x's
// own shape. A mask matching two separate runs, e.g. [B, 1, T, T], is rejected with an error.
import type { MaskLayout } from '../../kernels/softmax.ts';
import { softmaxBackward, softmaxForward } from '../gpu/kernels.ts';
import { subgroupsEnabled } from '../gpu/device.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, numel, shapeStr, type Shape } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { sumToShape } from './elementwise.ts';

/** Row r of x (flattened to [rows, cols]) uses mask row (r / maskInner) % maskRows. */
function maskLayout(x: Tensor, mask: Tensor): MaskLayout {
  const xs = x.shape;
  const ms = mask.shape;
  const fail = (why: string) => new Error(`softmax: mask ${mask.name} ${shapeStr(ms)} does not fit x ${x.name} ${shapeStr(xs)}: ${why}`);
  if (mask.dtype !== 'f32') throw fail('the mask must be f32 (additive)');
  if (ms.length === 0 || ms.length > xs.length) throw fail('the mask needs a last dim and at most the rank of x');
  if (ms[ms.length - 1] !== xs[xs.length - 1]) throw fail('last dims differ');
  const lead = xs.slice(0, -1);
  const padded: Shape = [...Array(xs.length - ms.length).fill(1), ...ms].slice(0, -1);
  if (padded.some((d, i) => d !== 1 && d !== lead[i])) throw fail('each leading dim must be 1 or equal to that of x');
  const matched = lead.map((d, i) => d !== 1 && padded[i] === d);
  const first = matched.indexOf(true);
  if (first < 0) return { maskRows: 1, maskInner: 1 };
  const last = matched.lastIndexOf(true);
  for (let i = first; i <= last; i++) {
    if (lead[i] !== 1 && !matched[i]) throw fail('the dims the mask does not broadcast over must be adjacent');
  }
  return { maskRows: numel(lead.slice(first, last + 1)), maskInner: numel(lead.slice(last + 1)) };
}

/** softmax(x + mask) over the last dim; `mask` (optional) broadcasts as the header describes. */
export const softmax = op('softmax', function softmax(x: Tensor, mask?: Tensor): Tensor {
  if (x.shape.length === 0) throw new Error(`softmax: ${x.name} is a scalar; there is no last dim`);
  if (x.dtype !== 'f32') throw new Error(`softmax: ${x.name} is ${x.dtype}, expected f32`);
  const cols = x.shape[x.shape.length - 1];
  const rows = cols === 0 ? 0 : x.numel / cols;
  const layout = mask ? maskLayout(x, mask) : undefined;
  const y = new Tensor(x.shape);
  if (y.numel > 0) {
    const launch = softmaxForward(rows, cols, layout, subgroupsEnabled());
    if (mask) launchOn(launch, x, mask, y);
    else launchOn(launch, x, y);
  }
  const parents = mask ? [x, mask] : [x];
  return y.setBackward(parents, (dy) => {
    const dx = new Tensor(x.shape);
    if (dx.numel > 0) launchOn(softmaxBackward(rows, cols, subgroupsEnabled()), y, dy, dx);
    // The mask is added to x, so its gradient is dx summed over the rows it was broadcast to.
    return [dx, mask?.requiresGrad ? sumToShape(dx, mask.shape) : null];
  });
});
