// Embedding lookup of batch·seq token ids into the word table [vocab, dim], and its deterministic
// scatter-add backward (the one that matters: it writes the whole [vocab, dim] gradient).
// Memory-bound, rated in GB/s. The float64 reference is the one-hot product onehot(ids)·table.
import { Tensor, embedding } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { matmul as matmulRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { noise, randomTensor } from '../../tune/workload.ts';
import { opWorkloads, type KernelGroup } from '../workload.ts';

const idsIn = (n: number, vocab: number, seed: number) => Array.from(noise(n, seed), (v) => Math.floor(Math.abs(v) * 1e6) % vocab);

function gatherRef(ids: Float64Array, table: Float64Array, vocab: number, dim: number): Float64Array {
  const oneHot = new Float64Array(ids.length * vocab);
  ids.forEach((id, i) => (oneHot[i * vocab + id] = 1));
  return matmulRef(oneHot, table, 1, ids.length, vocab, dim);
}

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
      cpu: ([ids, table]) => gatherRef(ids, table, vocab, dim),
    });
  }
}

export function embeddingGroup(o: BenchOptions): KernelGroup {
  const n = o.batch * o.seq;
  const workloads = opWorkloads({
    label: `${n} ids into [${o.vocab},${o.dim}]`,
    inputs: () => [Tensor.fromArray(idsIn(n, o.vocab, 1), [n], 'i32'), randomTensor([o.vocab, o.dim], 2, { requiresGrad: true })],
    op: ([ids, table]) => embedding(ids, table),
    forwardWork: 2 * n * o.dim * 4, // read the rows, write the output
    backwardWork: (n * o.dim + o.vocab * o.dim) * 4, // read the output gradient, write the table gradient
  });
  return { group: 'embedding', unit: 'GB/s', variants: [{ name: 'sorted scatter-add', validate, workloads }] };
}
