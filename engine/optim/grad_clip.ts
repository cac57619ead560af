// Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_(params, max_norm) (norm_type 2).
//
// Everything stays on the GPU: the total norm and the clip coefficient min(1, max/(norm + 1e-6))
// land in 1-element tensors, and the gradients are scaled by reading the coefficient there, so a
// training step never waits for a readback; the caller reads the norm back whenever it likes.
// `gradNorm` only measures: AdamW.step can take its coefficient and scale the gradients as it
// reads them (one pass fewer, same numbers). `clipGradNorm` scales the gradients in place.
// Parameters without a gradient are skipped, as torch skips those whose .grad is None.
// The measurement is three stages (kernels/grad_norm.ts): partial sums of squares, in the grid
// made for a class of adapter, then each tensor's norm, then the total. The grid follows
// ENGINE_KERNELS when set, else the tuned table (engine/gpu/tuning.ts `tunedForm`: `npm run tune`
// times both at the model's parameter list), else the adapter's class (`kernelClass`).
import { NORM_GRIDS, SCALE_COST, SUM_SQUARES_COST, partialsOf, type NormGrid } from '../../kernels/grad_norm.ts';
import { gradNormFinish, scaleByCoefficient, sumSquaresPartials, tensorSquaredNorms } from '../gpu/kernels.ts';
import { subgroupsEnabled } from '../gpu/device.ts';
import { tunedForm } from '../gpu/tuning.ts';
import { assertDistinct, balancedSlotGroups, slotGroups } from './multi_tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';

export interface GradNorm {
  /** ‖all gradients as one vector‖₂, shape [1]. */
  totalNorm: Tensor;
  /** min(1, maxNorm / (totalNorm + 1e-6)), shape [1]: what clipping multiplies gradients by. */
  clipCoef: Tensor;
}

function gradsOf(params: readonly Tensor[], what: string): Tensor[] {
  assertDistinct(params, what);
  return params.flatMap((p) => (p.grad ? [p.grad] : []));
}

const partialsOfAll = (grads: readonly Tensor[], grid: NormGrid) => grads.reduce((sum, g) => sum + partialsOf(g.numel, grid), 0);

/** What a tuned entry for the grad norm is keyed by: how many gradients, and its dims: [their elements]. */
export const gradNormTuning = (sizes: readonly number[]) => ({
  key: `${sizes.length} tensors`,
  dims: [sizes.reduce((sum, n) => sum + n, 0)],
});

/** The total 2-norm of the parameters' gradients and the clip coefficient for `maxNorm`. */
export function gradNorm(params: readonly Tensor[], maxNorm: number): GradNorm {
  if (!(maxNorm > 0)) throw new Error(`gradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  const grads = gradsOf(params, 'gradNorm');
  const { key, dims } = gradNormTuning(grads.map((g) => g.numel));
  const grid = NORM_GRIDS[tunedForm('grad_norm', key, dims)];
  const subgroups = subgroupsEnabled();
  const partialCount = partialsOfAll(grads, grid);
  const partials = new Tensor([partialCount]);
  const owner = new Tensor([partialCount], 'i32');
  let tensorBase = 0;
  let partialBase = 0;
  // Groups of about equal partials, so that the last launch is no remainder of small tensors.
  for (const group of balancedSlotGroups(grads, SUM_SQUARES_COST, (g) => partialsOf(g.numel, grid))) {
    launchOn(
      sumSquaresPartials(
        group.map((g) => g.numel),
        tensorBase,
        partialBase,
        grid,
        subgroups,
      ),
      ...group,
      partials,
      owner,
    );
    tensorBase += group.length;
    partialBase += partialsOfAll(group, grid);
  }
  const squaredNorms = new Tensor([grads.length]);
  launchOn(tensorSquaredNorms(grads.length, partialCount, grid.threads, subgroups), partials, owner, squaredNorms);
  partials.release();
  owner.release();
  const totalNorm = new Tensor([1], 'f32', { name: 'grad_norm' });
  const clipCoef = new Tensor([1], 'f32', { name: 'grad_clip_coef' });
  launchOn(gradNormFinish(grads.length, maxNorm, grid.threads, subgroups), squaredNorms, totalNorm, clipCoef);
  squaredNorms.release();
  return { totalNorm, clipCoef };
}

/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm): multiplies every gradient in place by
 * min(1, maxNorm / (norm + 1e-6)) and returns the total norm before clipping, shape [1].
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor {
  const { totalNorm, clipCoef } = gradNorm(params, maxNorm);
  for (const group of slotGroups(gradsOf(params, 'clipGradNorm'), SCALE_COST)) {
    launchOn(scaleByCoefficient(group.map((g) => g.numel)), ...group, clipCoef);
  }
  clipCoef.release();
  return totalNorm;
}
