// The dropout of one forward pass, shared by every model: each dropout site, in the order the
// forward reaches it, draws its mask from its own counter-based random stream (kernels/rng.ts),
// so a step's masks are a pure function of (seed, step) and a replayed step only changes the step.
import { dropout, u32, type AttentionOptions, type Tensor, type Uniforms } from '../engine/index.ts';

/** Offsets between the dropout streams of consecutive forward calls (see DropoutStreams). */
const STREAMS_PER_STEP = 2 ** 32;

/** The dropout uniforms that change with `DropoutStreams.step`, by name: a replayed step's parameters. */
export const dropoutStepUniforms = (step: number): Uniforms => ({ offsetHi: u32(step) });

/**
 * Dropout randomness of one forward pass: `step` advances once per forward (micro-batch) call.
 * Dropout site k of the forward at step s draws from stream offset s·2^32 + k: the step is the
 * offset's high word (`offsetHi`) in every dropout launch, the one uniform a replayed training step
 * changes for dropout (engine/replay.ts). Steps go up to 2^21 (offsets stay below 2^53).
 */
export interface DropoutStreams {
  seed: number;
  step: number;
}

/** A forward's dropout: in training every call takes the next site's stream (even at p = 0); in evaluation none does anything. */
export interface DropoutSites {
  /** x with dropout p. */
  drop(x: Tensor, p: number): Tensor;
  /** The attention op's options for dropout p on its weights. */
  attention(p: number): AttentionOptions;
}

/** The dropout of a training forward drawing from `rng`; without, of an evaluation forward (none). */
export function dropoutSites(rng: DropoutStreams | undefined): DropoutSites {
  if (!rng) return { drop: (x) => x, attention: () => ({}) };
  let site = 0;
  const nextStream = () => ({ seed: rng.seed, offset: rng.step * STREAMS_PER_STEP + site++ });
  return {
    drop: (x, p) => dropout(x, p, nextStream()),
    attention: (p) => ({ dropout: p, rng: nextStream() }),
  };
}
