// x[:, position] of a [batch, seq, dim] tensor, e.g. the [CLS] row that sequence classification
// pools: a gather by a position known on the CPU, so no index tensor is uploaded. Its gradient is
// the output gradient at that position and zero elsewhere.
import { selectPositionBackward, selectPositionForward } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

/** x [batch, seq, dim] -> x[:, position] [batch, dim]. */
export const selectPosition = op('selectPosition', function selectPosition(x: Tensor, position: number): Tensor {
  if (x.dtype !== 'f32' || x.shape.length !== 3)
    throw new Error(`selectPosition: ${x.name} must be an f32 [batch, seq, dim] tensor, got ${x.dtype} ${shapeStr(x.shape)}`);
  const [batch, seq, dim] = x.shape;
  if (!Number.isInteger(position) || position < 0 || position >= seq) {
    throw new Error(`selectPosition: position ${position} is outside ${x.name}'s ${seq} positions`);
  }
  const out = new Tensor([batch, dim]);
  if (out.numel > 0) launchOn(selectPositionForward(batch, seq, dim, position), x, out);
  return out.setBackward([x], (g) => {
    const dx = new Tensor(x.shape);
    if (dx.numel > 0) launchOn(selectPositionBackward(batch, seq, dim, position), g, dx);
    return [dx];
  });
});
