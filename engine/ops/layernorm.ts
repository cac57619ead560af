// Layer normalisation over the last dim (nn.LayerNorm: biased variance, eps inside the sqrt).
// The forward saves each row's mean and rstd, which the backward reuses.
import { ROW_CHUNK, layerNormBackwardInput, layerNormForward, layerNormParamGradChunks } from '../../kernels/layernorm.ts';
import { subgroupsEnabled } from '../device.ts';
import { run } from '../run.ts';
import { Tensor, sameShape, shapeStr } from '../tensor.ts';
import { op } from '../trace.ts';
import { filled } from './elementwise.ts';
import { sumColumnsOf } from './reduce.ts';

function checkParam(p: Tensor, what: string, x: Tensor, cols: number): void {
  if (p.dtype !== 'f32' || !sameShape(p.shape, [cols])) {
    throw new Error(`layerNorm: ${what} ${p.name} is ${p.dtype} ${shapeStr(p.shape)}, expected f32 [${cols}] to match x ${x.name} ${shapeStr(x.shape)}`);
  }
}

export const layerNorm = op('layerNorm', function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  if (x.shape.length === 0 || x.dtype !== 'f32') throw new Error(`layerNorm: x ${x.name} must be an f32 tensor with a last dim, got ${x.dtype} ${shapeStr(x.shape)}`);
  if (!(eps > 0)) throw new Error(`layerNorm: eps must be positive, got ${eps}`);
  const cols = x.shape[x.shape.length - 1];
  checkParam(weight, 'weight', x, cols);
  checkParam(bias, 'bias', x, cols);
  const rows = cols === 0 ? 0 : x.size / cols;
  const y = new Tensor(x.shape);
  const mean = new Tensor([rows]);
  const rstd = new Tensor([rows]);
  if (y.size > 0) run(layerNormForward(rows, cols, eps, subgroupsEnabled()), x, weight, bias, y, mean, rstd);
  return y.setBackward([x, weight, bias], (dy) => {
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = new Tensor(x.shape);
      if (dx.size > 0) run(layerNormBackwardInput(rows, cols, subgroupsEnabled()), dy, x, weight, mean, rstd, dx);
    }
    if (!weight.requiresGrad && !bias.requiresGrad) return [dx, null, null];
    if (rows === 0) return [dx, filled([cols], 0), filled([cols], 0)];
    const chunks = Math.ceil(rows / ROW_CHUNK);
    const weightPartial = new Tensor([chunks, cols]);
    const biasPartial = new Tensor([chunks, cols]);
    run(layerNormParamGradChunks(rows, cols), dy, x, mean, rstd, weightPartial, biasPartial);
    const dWeight = sumColumnsOf(weightPartial);
    const dBias = sumColumnsOf(biasPartial);
    weightPartial.release();
    biasPartial.release();
    return [dx, dWeight, dBias];
  });
});
