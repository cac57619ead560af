// LayerNorm over the model dim at [batch·seq, dim], forward and backward (input, weight and bias
// gradients); memory-bound, rated in GB/s of the tensors it must read and write.
import { layerNorm } from '../../engine/index.ts';
import { gradcheck } from '../../test/gradcheck.ts';
import { layerNorm as layerNormRef, randn } from '../../test/reference.ts';
import type { BenchOptions } from '../options.ts';
import { opWorkloads, randomTensor, type KernelGroup } from '../workload.ts';

const EPS = 1e-12; // DistilBERT's

async function validate(): Promise<void> {
  for (const [rows, cols] of [[5, 7], [70, 300]]) {
    await gradcheck({
      inputs: [
        { shape: [rows, cols], data: randn(rows * cols, cols, 2) },
        { shape: [cols], data: randn(cols, 1) },
        { shape: [cols], data: randn(cols, 2) },
      ],
      gpu: ([x, w, b]) => layerNorm(x, w, b, 1e-5),
      cpu: ([x, w, b]) => layerNormRef(x, w, b, rows, cols, 1e-5),
      maxEntries: 200,
    });
  }
}

export function layerNormGroup(o: BenchOptions): KernelGroup {
  const rows = o.batch * o.seq;
  const bytes = rows * o.dim * 4;
  const workloads = opWorkloads({
    label: `[${rows},${o.dim}]`,
    inputs: () => [
      randomTensor([rows, o.dim], 1, { requiresGrad: true }),
      randomTensor([o.dim], 2, { requiresGrad: true }),
      randomTensor([o.dim], 3, { requiresGrad: true }),
    ],
    op: ([x, w, b]) => layerNorm(x, w, b, EPS),
    forwardWork: 2 * bytes, // read x, write y
    backwardWork: 3 * bytes, // read x and dy, write dx (the weight and bias sums are small)
  });
  return { group: 'layernorm', unit: 'GB/s', variants: [{ name: 'two-pass rows', validate, workloads }] };
}
