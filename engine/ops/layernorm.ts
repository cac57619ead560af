// Layer normalisation over the last dim (nn.LayerNorm: biased variance, eps inside the sqrt).
// The forward saves each row's mean and rstd, which the backward reuses. What a transformer does
// around it runs in its kernels (kernels/layernorm.ts): the residual add, and dropout on the
// branch before it; the backward takes its gradient in two parts when the output feeds two ops.
import type { LayerNormBackwardFusion, LayerNormDropout, LayerNormFusion } from '../../kernels/layernorm.ts';
import { ROW_CHUNK } from '../../kernels/layernorm.ts';
import type { KernelLaunch } from '../../kernels/launch.ts';
import { rowWorkgroupSize } from '../../kernels/row_reduce.ts';
import {
  layerNormBackwardInput,
  layerNormForward,
  layerNormParamGradChunks,
  layerNormRowsBackwardInput,
  layerNormRowsForward,
  withStream,
} from '../gpu/kernels.ts';
import { gpu, kernelClass, subgroupsEnabled } from '../gpu/device.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, sameShape, shapeStr } from '../autograd/tensor.ts';
import { tunedChoice } from '../gpu/tuning.ts';
import { op } from '../autograd/trace.ts';
import { checkRngStep, type RngState } from './dropout.ts';
import { filled, sumToShape } from './elementwise.ts';
import { sumColumnsOfEach } from './row_sums.ts';

function checkParam(p: Tensor, what: string, x: Tensor, cols: number): void {
  if (p.dtype !== 'f32' || !sameShape(p.shape, [cols])) {
    throw new Error(
      `layerNorm: ${what} ${p.name} is ${p.dtype} ${shapeStr(p.shape)}, expected f32 [${cols}] to match x ${x.name} ${shapeStr(x.shape)}`,
    );
  }
}

/**
 * Threads per row for a layer-norm kernel ('layernorm' or 'layernorm_backward_input'): tuned, else
 * one on CPU implementations (kernels/cpu/layernorm.ts), else a workgroup covering the row.
 */
export function layerNormWorkgroupSize(kernel: 'layernorm' | 'layernorm_backward_input', rows: number, cols: number): number {
  const tuned = tunedChoice(kernel, `cols ${cols}`, [rows]);
  if (typeof tuned?.workgroupSize === 'number') return tuned.workgroupSize;
  return kernelClass() === 'software' ? 1 : rowWorkgroupSize(cols);
}

/** The forward kernel with `wg` threads per row (1: kernels/cpu/layernorm.ts's form). */
export function layerNormForwardKernel(rows: number, cols: number, eps: number, fusion: LayerNormFusion, wg: number): KernelLaunch {
  if (wg === 1) return layerNormRowsForward(rows, cols, eps, fusion);
  return layerNormForward(rows, cols, eps, subgroupsEnabled(), { ...fusion, wg });
}

/** The input-gradient kernel with `wg` threads per row (1: kernels/cpu/layernorm.ts's form). */
export function layerNormBackwardInputKernel(rows: number, cols: number, fusion: LayerNormBackwardFusion, wg: number): KernelLaunch {
  if (wg === 1) return layerNormRowsBackwardInput(rows, cols, fusion);
  return layerNormBackwardInput(rows, cols, subgroupsEnabled(), { ...fusion, wg });
}

/** Dropout on a layer norm's x (or with `output`, on its output), folded into its kernels. */
export interface BranchDropout {
  p: number;
  rng: RngState;
  output?: boolean;
}

/**
 * nn.LayerNorm over the last dim of x, or of x + residual when `residual` is given: the
 * transformer's residual add folded into the normalisation's kernel, one launch instead of two.
 * The residual has x's shape, or the shape of its last dims (broadcast over the leading ones).
 * With `dropout` (and a residual), LayerNorm(dropout(x, p, rng) + residual): the masks
 * engine/ops/dropout.ts would draw, in the same kernels; with `dropout.output`, dropout(LayerNorm(…)).
 */
export const layerNorm = op(
  'layerNorm',
  function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number, residual?: Tensor, dropout?: BranchDropout): Tensor {
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
    if (dropout) {
      if (!residual && !dropout.output) throw new Error('layerNorm: dropout is folded in only before a residual add; pass a residual');
      if (!(dropout.p >= 0 && dropout.p <= 1)) throw new Error(`layerNorm: dropout probability must be in [0, 1], got ${dropout.p}`);
      checkRngStep(dropout.rng, 'layerNorm');
    }
    const cols = x.shape[x.shape.length - 1];
    checkParam(weight, 'weight', x, cols);
    checkParam(bias, 'bias', x, cols);
    const rows = cols === 0 ? 0 : x.numel / cols;
    // As the dropout op: p = 0 changes nothing, so it launches nothing of dropout's.
    const drop = dropout && dropout.p > 0 ? dropout : undefined;
    /** The kernel `generate` makes with dropout on this call's stream, memoized once for every stream. */
    const withDropout = (generate: (fusion: { dropout?: LayerNormDropout; outputDropout?: LayerNormDropout }) => KernelLaunch) =>
      drop
        ? withStream((rng) => generate({ [drop.output ? 'outputDropout' : 'dropout']: { probability: drop.p, rng } }), drop.rng)
        : generate({});
    const step = drop ? [drop.rng.step] : [];
    const y = new Tensor(x.shape);
    const mean = new Tensor([rows]);
    const rstd = new Tensor([rows]);
    // What was normalised: x, or the sum (dropout(x) +) residual that the kernel writes for the backward.
    const input = residual ? new Tensor(x.shape) : x;
    if (y.numel > 0) {
      const wg = layerNormWorkgroupSize('layernorm', rows, cols);
      const residualRows = residual ? residual.numel / cols : 0;
      const kernel = withDropout((d) => layerNormForwardKernel(rows, cols, eps, { residualRows, ...d }, wg));
      launchOn(kernel, x, weight, bias, y, mean, rstd, ...(residual ? [residual, input] : []), ...step);
    }
    const backwardFn = (dy: Tensor, dyMore?: Tensor) => {
      const dys = dyMore ? [dy, dyMore] : [dy];
      const twoParts = dyMore !== undefined;
      // Stage 1 of the weight and bias gradients: partial sums over chunks of rows. A single
      // chunk's are the sums, made in the gradients' shape (not a view, which backward would copy).
      const chunks = Math.ceil(rows / ROW_CHUNK);
      const partialShape = chunks === 1 ? [cols] : [chunks, cols];
      const partials = (weight.requiresGrad || bias.requiresGrad) && rows > 0 ? [new Tensor(partialShape), new Tensor(partialShape)] : [];
      let dInput: Tensor | null = null;
      // With dropout on x, x's gradient is dInput through the mask (and the residual's is dInput).
      const dropX = drop && !drop.output;
      let dx: Tensor | null = null;
      let partialsLaunched = false;
      // With dropout on the output, only the input kernel reads dy through its mask: it runs even
      // where x needs no gradient, for the partial sums in its launch.
      if (x.requiresGrad || residual?.requiresGrad || drop?.output) {
        dInput = new Tensor(x.shape);
        dx = dropX ? new Tensor(x.shape) : dInput;
        if (dInput.numel > 0) {
          const buffers = [...dys, input, weight, mean, rstd, dInput, ...(dropX ? [dx] : [])];
          // The partial sums in the same launch (kernels/layernorm.ts's paramGrads), where the
          // adapter binds that many storage buffers: a browser's WebGPU may offer only 10.
          const storageBuffers = buffers.length + partials.length + step.length;
          partialsLaunched = partials.length > 0 && storageBuffers <= gpu().limits.maxStorageBuffersPerShaderStage;
          const fusion = { twoParts, paramGrads: partialsLaunched };
          const wg = layerNormWorkgroupSize('layernorm_backward_input', rows, cols);
          const kernel = withDropout((d) => layerNormBackwardInputKernel(rows, cols, { ...fusion, ...d }, wg));
          launchOn(kernel, ...buffers, ...(partialsLaunched ? partials : []), ...step);
        }
      }
      if (partials.length > 0 && !partialsLaunched) {
        launchOn(layerNormParamGradChunks(rows, cols, { twoParts }), ...dys, input, mean, rstd, ...partials);
      }
      // The sum's gradient is both addends' gradient, summed over the rows a residual was repeated on.
      const withResidual = (grads: (Tensor | null)[]) => {
        const [, dWeight, dBias] = grads;
        if (!residual) return grads;
        return [dx, dWeight, dBias, residual.requiresGrad && dInput ? sumToShape(dInput, residual.shape) : null];
      };
      if (!weight.requiresGrad && !bias.requiresGrad) return withResidual([dx, null, null]);
      if (rows === 0) return withResidual([dx, filled([cols], 0), filled([cols], 0)]);
      if (chunks === 1) return withResidual([dx, ...partials]);
      const [dWeight, dBias] = sumColumnsOfEach(partials);
      for (const partial of partials) partial.release();
      return withResidual([dx, dWeight, dBias]);
    };
    return y.setBackward(residual ? [x, weight, bias, residual] : [x, weight, bias], backwardFn, { twoParts: true });
  },
);
