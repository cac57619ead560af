// Dropout with a counter-based RNG: the mask is a pure function of (seed, offset, element index),
// so the same (seed, offset) reproduces it and the backward pass recomputes it (kernels/rng.ts).
// The caller owns the stream: give each dropout call of a step its own offset.
import { dropoutMap, withStream } from '../gpu/kernels.ts';
import type { RngState } from '../../kernels/rng.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

export type { RngState } from '../../kernels/rng.ts';

/** Zeroes each element with probability p and scales the rest by 1/(1-p); p = 0 returns x itself. */
export const dropout = op('dropout', function dropout(x: Tensor, p: number, rng: RngState): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
  if (x.dtype !== 'f32') throw new Error(`dropout: ${x.name} is ${x.dtype}; dropout needs an f32 tensor`);
  if (p === 0) return x;
  // The gradient has x's shape, so the backward pass reuses the forward launch: the same mask.
  const kernel = withStream((stream) => dropoutMap(x.numel, p, stream), rng);
  const masked = (t: Tensor) => {
    const out = new Tensor(t.shape);
    if (out.numel > 0) launchOn(kernel, t, out);
    return out;
  };
  return masked(x).setBackward([x], (g) => [masked(g)]);
});
