// The dropout of one forward pass, shared by every model: each dropout site, in the order the
// forward reaches it, draws its mask from its own counter-based random stream (kernels/rng.ts),
// so a step's masks are a pure function of (seed, step).
import { dropout, type AttentionOptions, type BranchDropout, type Tensor } from '../engine/index.ts';

/**
 * Dropout randomness of one forward pass. Dropout site k of the forward at step s draws from
 * stream k of step s. `step` is an i32 [1] tensor that the kernels read when they run: a training
 * loop writes the step's number into it (a micro-batch's index in the run), so a recorded step
 * draws new masks when replayed with the next number (engine/replay.ts).
 */
export interface DropoutStreams {
  seed: number;
  step: Tensor;
}

/** A forward's dropout: in training every call takes the next site's stream (even at p = 0); in evaluation none does anything. */
export interface DropoutSites {
  /** x with dropout p. */
  drop(x: Tensor, p: number): Tensor;
  /** The attention op's options for dropout p on its weights. */
  attention(p: number): AttentionOptions;
  /** layerNorm's option for dropout p on its x, before the residual add (none in evaluation). */
  beforeResidual(p: number): BranchDropout | undefined;
  /** layerNorm's option for dropout p on its output (none in evaluation). */
  afterNorm(p: number): BranchDropout | undefined;
}

/** The dropout of a training forward drawing from `rng`; without, of an evaluation forward (none). */
export function dropoutSites(rng: DropoutStreams | undefined): DropoutSites {
  if (!rng) return { drop: (x) => x, attention: () => ({}), beforeResidual: () => undefined, afterNorm: () => undefined };
  let site = 0;
  const nextStream = () => ({ seed: rng.seed, stream: site++, step: rng.step });
  return {
    drop: (x, p) => dropout(x, p, nextStream()),
    attention: (p) => ({ dropout: p, rng: nextStream() }),
    beforeResidual: (p) => ({ p, rng: nextStream() }),
    afterNorm: (p) => ({ p, rng: nextStream(), output: true }),
  };
}
