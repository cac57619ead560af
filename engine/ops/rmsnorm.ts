// RMS normalisation over the last dim (torch.nn.RMSNorm with a weight): y = x / rms(x) · weight.
// The forward saves each row's rstd = 1/rms for the backward. The input's gradient has its own
// kernel; the weight's, Σ_rows dy · x · rstd, is a product and a column sum of existing ops.
// docs/add-an-op.md walks through this file.
import { subgroupsEnabled } from '../gpu/device.ts';
import { rmsNormBackwardInput, rmsNormForward } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, sameShape, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { mul } from './elementwise.ts';
import { sumColumnsOf } from './row_sums.ts';
import { reshape } from './shape.ts';

export const rmsNorm = op('rmsNorm', function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  if (x.shape.length === 0 || x.dtype !== 'f32')
    throw new Error(`rmsNorm: x ${x.name} must be an f32 tensor with a last dim, got ${x.dtype} ${shapeStr(x.shape)}`);
  if (!(eps > 0)) throw new Error(`rmsNorm: eps must be positive, got ${eps}`);
  const cols = x.shape[x.shape.length - 1];
  if (weight.dtype !== 'f32' || !sameShape(weight.shape, [cols])) {
    throw new Error(
      `rmsNorm: weight ${weight.name} is ${weight.dtype} ${shapeStr(weight.shape)}, expected f32 [${cols}] to match x ${x.name} ${shapeStr(x.shape)}`,
    );
  }
  const rows = cols === 0 ? 0 : x.numel / cols;
  const y = new Tensor(x.shape);
  const rstd = new Tensor([rows, 1]);
  if (y.numel > 0) launchOn(rmsNormForward(rows, cols, eps, subgroupsEnabled()), x, weight, y, rstd);
  return y.setBackward([x, weight], (dy) => {
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = new Tensor(x.shape);
      if (dx.numel > 0) launchOn(rmsNormBackwardInput(rows, cols, subgroupsEnabled()), dy, x, weight, rstd, dx);
    }
    // dweight = Σ_rows dy · x̂ with x̂ = x · rstd (rstd [rows, 1] broadcasts along each row).
    const flat = (t: Tensor) => reshape(t, [rows, cols]);
    const dWeight = weight.requiresGrad ? sumColumnsOf(mul(flat(dy), mul(flat(x), rstd))) : null;
    return [dx, dWeight];
  });
});
