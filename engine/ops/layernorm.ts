// Layer normalisation over the last dim (nn.LayerNorm: biased variance, eps inside the sqrt).
// The forward saves each row's mean and rstd, which the backward reuses.
import { ROW_CHUNK, layerNormThreadsPerRow } from '../../kernels/layernorm.ts';
import { layerNormBackwardInput, layerNormForward, layerNormParamGradChunks } from '../gpu/kernels.ts';
import { gpu, subgroupsEnabled } from '../gpu/device.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, sameShape, shapeStr } from '../autograd/tensor.ts';
import { tunedChoice } from '../gpu/tuning.ts';
import { op } from '../autograd/trace.ts';
import { filled, sumToShape } from './elementwise.ts';
import { sumColumnsOf } from './row_sums.ts';

function checkParam(p: Tensor, what: string, x: Tensor, cols: number): void {
  if (p.dtype !== 'f32' || !sameShape(p.shape, [cols])) {
    throw new Error(
      `layerNorm: ${what} ${p.name} is ${p.dtype} ${shapeStr(p.shape)}, expected f32 [${cols}] to match x ${x.name} ${shapeStr(x.shape)}`,
    );
  }
}

/** Threads per row for a layer-norm kernel ('layernorm' or 'layernorm_backward_input'): tuned, else by row length. */
export function layerNormWorkgroupSize(kernel: 'layernorm' | 'layernorm_backward_input', rows: number, cols: number): number {
  const tuned = tunedChoice(kernel, `cols ${cols}`, [rows]);
  return typeof tuned?.workgroupSize === 'number' ? tuned.workgroupSize : layerNormThreadsPerRow(cols, gpu().software);
}

/**
 * nn.LayerNorm over the last dim of x, or of x + residual when `residual` is given: the
 * transformer's residual add folded into the normalisation's kernel, one launch instead of two.
 * The residual has x's shape, or the shape of its last dims (broadcast over the leading ones).
 */
export const layerNorm = op(
  'layerNorm',
  function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number, residual?: Tensor): Tensor {
    if (x.shape.length === 0 || x.dtype !== 'f32')
      throw new Error(`layerNorm: x ${x.name} must be an f32 tensor with a last dim, got ${x.dtype} ${shapeStr(x.shape)}`);
    if (!(eps > 0)) throw new Error(`layerNorm: eps must be positive, got ${eps}`);
    if (
      residual &&
      (residual.dtype !== 'f32' || residual.shape.length === 0 || !sameShape(residual.shape, x.shape.slice(-residual.shape.length)))
    ) {
      throw new Error(
        `layerNorm: residual ${residual.name} is ${residual.dtype} ${shapeStr(residual.shape)}, expected f32 like x ${x.name} ${shapeStr(x.shape)} or its last dims`,
      );
    }
    const cols = x.shape[x.shape.length - 1];
    checkParam(weight, 'weight', x, cols);
    checkParam(bias, 'bias', x, cols);
    const rows = cols === 0 ? 0 : x.numel / cols;
    const y = new Tensor(x.shape);
    const mean = new Tensor([rows]);
    const rstd = new Tensor([rows]);
    // What was normalised: x, or the sum x + residual that the kernel writes for the backward.
    const input = residual ? new Tensor(x.shape) : x;
    if (y.numel > 0) {
      const kernel = layerNormForward(rows, cols, eps, subgroupsEnabled(), {
        residualRows: residual ? residual.numel / cols : 0,
        wg: layerNormWorkgroupSize('layernorm', rows, cols),
      });
      launchOn(kernel, x, weight, bias, y, mean, rstd, ...(residual ? [residual, input] : []));
    }
    return y.setBackward(residual ? [x, weight, bias, residual] : [x, weight, bias], (dy) => {
      let dInput: Tensor | null = null;
      if (x.requiresGrad || residual?.requiresGrad) {
        dInput = new Tensor(x.shape);
        if (dInput.numel > 0)
          launchOn(
            layerNormBackwardInput(rows, cols, subgroupsEnabled(), layerNormWorkgroupSize('layernorm_backward_input', rows, cols)),
            dy,
            input,
            weight,
            mean,
            rstd,
            dInput,
          );
      }
      // The sum's gradient is both addends' gradient, summed over the rows a residual was repeated on.
      const withResidual = (grads: (Tensor | null)[]) => {
        if (!residual) return grads;
        return [...grads, residual.requiresGrad && dInput ? sumToShape(dInput, residual.shape) : null];
      };
      if (!weight.requiresGrad && !bias.requiresGrad) return withResidual([dInput, null, null]);
      if (rows === 0) return withResidual([dInput, filled([cols], 0), filled([cols], 0)]);
      const chunks = Math.ceil(rows / ROW_CHUNK);
      // A single chunk's partial sums are the sums (no second-stage launch), made in the gradients' shape (not a view, which backward would copy).
      const partialShape = chunks === 1 ? [cols] : [chunks, cols];
      const weightPartial = new Tensor(partialShape);
      const biasPartial = new Tensor(partialShape);
      launchOn(layerNormParamGradChunks(rows, cols), dy, input, mean, rstd, weightPartial, biasPartial);
      if (chunks === 1) return withResidual([dInput, weightPartial, biasPartial]);
      const dWeight = sumColumnsOf(weightPartial);
      const dBias = sumColumnsOf(biasPartial);
      weightPartial.release();
      biasPartial.release();
      return withResidual([dInput, dWeight, dBias]);
    });
  },
);
