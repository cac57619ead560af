// Embedding lookup of batch·seq token ids into the word table [vocab, dim], and its deterministic
// scatter-add backward (the one that matters: it writes the whole [vocab, dim] gradient), in each of
// the backward's forms (kernels/embedding.ts), set by ENGINE_KERNELS around validation, preparation
// and runs: the counting sort CPU implementations get, and the linked occurrences GPUs get.
// Timed on the ids of a batch of sentences, with padding (tune/workload.ts `sentenceIds`).
// Memory-bound, rated in GB/s. The float64 reference is reference/float64.ts `gatherRowsRef`.
import { Tensor, embedding } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { gatherRowsRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { PADDING_ID, noise, randomTensor, sentenceIds } from '../../tune/workload.ts';
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

export function embeddingGroup(o: BenchOptions): KernelGroup {
  const n = o.batch * o.seq;
  const workloads = opWorkloads({
    label: `${n} ids into [${o.vocab},${o.dim}]`,
    inputs: () => [
      Tensor.fromArray(sentenceIds(o.batch, o.seq, o.vocab), [n], 'i32'),
      randomTensor([o.vocab, o.dim], 2, { requiresGrad: true }),
    ],
    op: ([ids, table]) => embedding(ids, table, { paddingIdx: PADDING_ID }),
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
