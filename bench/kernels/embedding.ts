// Embedding lookup of batch·seq token ids into the word table [vocab, dim], and its deterministic
// scatter-add backward (the one that matters: it writes the whole [vocab, dim] gradient), in each of
// the backward's forms (kernels/embedding.ts), set by ENGINE_KERNELS around validation, preparation
// and runs: the counting sort CPU implementations get, and the linked occurrences GPUs get.
// Timed on the ids of a batch of sentences, with padding (`sentenceIds`). Memory-bound, rated in
// GB/s. The float64 reference is reference/float64.ts `gatherRowsRef`.
import { Tensor, embedding } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { gatherRowsRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { noise, randomTensor } from '../../tune/workload.ts';
import { opWorkloads, underSettings, type KernelGroup } from '../workload.ts';

const idsIn = (n: number, vocab: number, seed: number) => Array.from(noise(n, seed), (v) => Math.floor(Math.abs(v) * 1e6) % vocab);

async function validate(): Promise<void> {
  for (const [n, vocab, dim] of [
    [15, 11, 7],
    [600, 5, 8],
  ]) {
    await gradcheck({
      inputs: [
        { shape: [n], data: Float64Array.from(idsIn(n, vocab, n)), dtype: 'i32', noGrad: true },
        { shape: [vocab, dim], data: randn(vocab * dim, 2) },
      ],
      gpu: ([ids, table]) => embedding(ids, table),
      cpu: ([ids, table]) => gatherRowsRef(ids, table, dim),
    });
  }
}

/** The padding id of the timed batches (DistilBERT's [PAD]), which gets no gradient. */
const PADDING = 0;

/**
 * Token ids of a batch of `batch` sentences of `seq` positions as a training step sees them: each
 * sentence's second half padding (id 0; rotten_tomatoes at 64 × 64 is 57% padding), the rest
 * Zipf-like (id ⌊V^u⌋, u uniform), so that the commonest ids occur about 140 times in 64 × 64, as
 * "the" and "," do (about 100 in rotten_tomatoes): the GPU form walks chains that long.
 */
function sentenceIds(batch: number, seq: number, vocab: number): number[] {
  const u = noise(batch * seq, 1);
  return Array.from(u, (v, i) => (i % seq >= seq / 2 ? PADDING : Math.min(vocab - 1, Math.floor(vocab ** ((v + 1) / 2)))));
}

export function embeddingGroup(o: BenchOptions): KernelGroup {
  const n = o.batch * o.seq;
  const workloads = opWorkloads({
    label: `${n} ids into [${o.vocab},${o.dim}]`,
    inputs: () => [
      Tensor.fromArray(sentenceIds(o.batch, o.seq, o.vocab), [n], 'i32'),
      randomTensor([o.vocab, o.dim], 2, { requiresGrad: true }),
    ],
    op: ([ids, table]) => embedding(ids, table, { paddingIdx: PADDING }),
    forwardWork: 2 * n * o.dim * 4, // read the rows, write the output
    backwardWork: (n * o.dim + o.vocab * o.dim) * 4, // read the output gradient, write the table gradient
  });
  const forms = [
    ['counting sort (CPU implementations)', 'software'],
    ['linked occurrences (GPUs)', 'gpu'],
  ] as const;
  return {
    group: 'embedding',
    unit: 'GB/s',
    variants: forms.map(([name, ENGINE_KERNELS]) => underSettings({ ENGINE_KERNELS }, { name, validate, workloads })),
  };
}
