// Dropout with a counter-based RNG: the mask is a pure function of (seed, step, stream, element
// index), so the same stream reproduces it and the backward pass recomputes it (kernels/rng.ts).
// The caller owns the streams: give each dropout call of a step its own `stream`, and each step
// its own `step`. The step is a one-element tensor that the kernels read when they run, so a
// recorded training step draws new masks when only that tensor's value changes (engine/replay.ts).
import { dropoutMap, withStream } from '../gpu/kernels.ts';
import type { RngStream } from '../../kernels/rng.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

/** A random stream: Philox key `seed`, counter (element, `stream`, `step`'s value, 0). */
export interface RngState extends RngStream {
  /** i32 [1], a non-negative value: which step (e.g. which forward call of a training run). */
  step: Tensor;
}

/** Throws one line unless `rng.step` is a one-element i32 tensor. */
export function checkRngStep(rng: RngState, what: string): void {
  const { step } = rng;
  if (!(step instanceof Tensor) || step.dtype !== 'i32' || step.numel !== 1)
    throw new Error(
      `${what}: rng.step must be an i32 [1] tensor, got ${step instanceof Tensor ? `${step.dtype} ${shapeStr(step.shape)}` : step}`,
    );
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p); p = 0 returns x itself. */
export const dropout = op('dropout', function dropout(x: Tensor, p: number, rng: RngState): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
  if (x.dtype !== 'f32') throw new Error(`dropout: ${x.name} is ${x.dtype}; dropout needs an f32 tensor`);
  checkRngStep(rng, 'dropout');
  if (p === 0) return x;
  // The gradient has x's shape, so the backward pass runs the forward's kernel: the same mask. A
  // gradient in two parts (x's output feeds two ops) is summed as the kernel reads it.
  const masked = (t: Tensor, more?: Tensor) => {
    const out = new Tensor(t.shape);
    const kernel = withStream((stream) => dropoutMap(x.numel, p, stream, more !== undefined), rng);
    if (out.numel > 0) launchOn(kernel, t, ...(more ? [more] : []), out, rng.step);
    return out;
  };
  return masked(x).setBackward([x], (g, more) => [masked(g, more)], { twoParts: true });
});
