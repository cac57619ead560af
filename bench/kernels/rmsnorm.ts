// RMSNorm over the model dim at [batch·seq, dim], forward and backward (input and weight
// gradients); memory-bound, rated in GB/s of the tensors it must read and write. Not on
// DistilBERT's path: the op docs/add-an-op.md adds, benchmarked like layernorm for comparison.
import { rmsNorm } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { randn, rmsNorm as rmsNormRef } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { randomTensor } from '../../tune/workload.ts';
import { opWorkloads, type KernelGroup } from '../workload.ts';

async function validate(): Promise<void> {
  const [rows, cols] = [70, 300];
  await gradcheck({
    inputs: [
      { shape: [rows, cols], data: randn(rows * cols, cols, 2) },
      { shape: [cols], data: randn(cols, 1) },
    ],
    gpu: ([x, w]) => rmsNorm(x, w, 1e-6),
    cpu: ([x, w]) => rmsNormRef(x, w, rows, cols, 1e-6),
    maxEntries: 200,
  });
}

export function rmsNormGroup(o: BenchOptions): KernelGroup {
  const rows = o.batch * o.seq;
  const bytes = rows * o.dim * 4;
  const workloads = opWorkloads({
    label: `[${rows},${o.dim}]`,
    inputs: () => [randomTensor([rows, o.dim], 1, { requiresGrad: true }), randomTensor([o.dim], 2, { requiresGrad: true })],
    op: ([x, w]) => rmsNorm(x, w, 1e-6),
    forwardWork: 2 * bytes, // read x, write y
    backwardWork: 3 * bytes, // read x and dy, write dx (the weight gradient's passes are not counted)
  });
  return { group: 'rmsnorm', unit: 'GB/s', variants: [{ name: 'one-pass rows', validate, workloads }] };
}
