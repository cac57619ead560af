// Workloads: one kernel's launch on prepared inputs, to be timed by tune/timing.ts. The tuner
// times its candidates on them, and the benchmark (bench/workload.ts) builds its kernel groups of
// them. Inputs are deterministic noise, made in a scope that lives until the workload's release.
import { Tensor, beginScope, type Shape } from '../engine/index.ts';

export interface Prepared {
  /** Records one run of the workload (kernel launches only, no waiting). */
  run: () => void;
  release: () => void;
}

export interface Workload {
  /** Shape and role in words, e.g. "fwd x·Wᵀ [4096,768]·[3072,768]ᵀ". */
  label: string;
  /** FLOPs per run for compute-bound kernels, or bytes moved per run for memory-bound ones. */
  work: number;
  prepare: () => Prepared;
}

/** Deterministic pseudo-random values in [-scale, scale), fast enough for tens of millions. */
export function noise(n: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2147483648 - 1) * scale;
  }
  return out;
}

export function randomTensor(shape: Shape, seed: number, opts: { scale?: number; requiresGrad?: boolean; name?: string } = {}): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromArray(noise(size, seed, opts.scale ?? 1), shape, 'f32', { requiresGrad: opts.requiresGrad, name: opts.name });
}

/** `w` with `around` about its preparation and each of its runs (settings in force, the table bypassed). */
export function workloadWithin(w: Workload, around: <T>(body: () => T) => T): Workload {
  return {
    ...w,
    prepare: () => {
      const prepared = around(w.prepare);
      return { run: () => around(prepared.run), release: prepared.release };
    },
  };
}

/** The padding id of `sentenceIds`' batches (DistilBERT's [PAD]), which gets no gradient. */
export const PADDING_ID = 0;

/**
 * Token ids of a batch of `batch` sentences of `seq` positions as a training step sees them: each
 * sentence's second half padding (PADDING_ID; rotten_tomatoes at 64 × 64 is 57% padding), the rest
 * Zipf-like (id ⌊V^u⌋, u uniform), so that the commonest ids occur about 140 times in 64 × 64, as
 * "the" and "," do (about 100 in rotten_tomatoes): the embedding backward's GPU form walks chains
 * that long.
 */
export function sentenceIds(batch: number, seq: number, vocab: number): number[] {
  const u = noise(batch * seq, 1);
  return Array.from(u, (v, i) => (i % seq >= seq / 2 ? PADDING_ID : Math.min(vocab - 1, Math.floor(vocab ** ((v + 1) / 2)))));
}

/**
 * Runs `make` in a scope that lives until `release`: the workload's inputs. `make` returns the
 * run function, or a run and a release of its own for what it made persistent.
 */
export function prepareScoped(make: () => (() => void) | Prepared): Prepared {
  const scope = beginScope();
  try {
    const made = make();
    if (typeof made === 'function') return { run: made, release: () => scope.end() };
    return {
      run: made.run,
      release: () => {
        scope.end();
        made.release();
      },
    };
  } catch (err) {
    scope.end();
    throw err;
  }
}
