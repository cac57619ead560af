// LayerNorm over the model dim at [batch·seq, dim], forward and backward (input, weight and bias
// gradients), alone and with the residual add folded in (LayerNorm(x + residual), as DistilBERT
// calls it); memory-bound, rated in GB/s of the tensors it must read and write.
import { layerNorm } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { layerNorm as layerNormRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { reductionVariants } from '../reductions.ts';
import { randomTensor } from '../../tune/workload.ts';
import { opWorkloads, withDefaultTwin, type KernelGroup } from '../workload.ts';

const EPS = 1e-12; // DistilBERT's

async function validate(withResidual: boolean): Promise<void> {
  for (const [rows, cols] of [
    [5, 7],
    [70, 300],
  ]) {
    const residual = withResidual ? [{ shape: [rows, cols], data: randn(rows * cols, cols + 1) }] : [];
    await gradcheck({
      inputs: [
        { shape: [rows, cols], data: randn(rows * cols, cols, 2) },
        { shape: [cols], data: randn(cols, 1) },
        { shape: [cols], data: randn(cols, 2) },
        ...residual,
      ],
      gpu: ([x, w, b, r]) => layerNorm(x, w, b, 1e-5, r),
      cpu: ([x, w, b, r]) => layerNormRef(r ? x.map((v, i) => v + r[i]) : x, w, b, rows, cols, 1e-5),
      maxEntries: 200,
    });
  }
}

export function layerNormGroup(o: BenchOptions): KernelGroup {
  const rows = o.batch * o.seq;
  const bytes = rows * o.dim * 4;
  const workloads = (withResidual: boolean) =>
    opWorkloads({
      label: `[${rows},${o.dim}]`,
      inputs: () => [
        randomTensor([rows, o.dim], 1, { requiresGrad: true }),
        randomTensor([o.dim], 2, { requiresGrad: true }),
        randomTensor([o.dim], 3, { requiresGrad: true }),
        ...(withResidual ? [randomTensor([rows, o.dim], 4, { requiresGrad: true })] : []),
      ],
      op: ([x, w, b, r]) => layerNorm(x, w, b, EPS, r),
      // Read x (and the residual), write y (and the sum the backward reads).
      forwardWork: (withResidual ? 4 : 2) * bytes,
      backwardWork: 3 * bytes, // read x and dy, write dx (the weight and bias sums are small)
    });
  return {
    group: 'layernorm',
    unit: 'GB/s',
    variants: [
      ...reductionVariants('two-pass rows', () => validate(false), workloads(false)).flatMap(withDefaultTwin),
      ...reductionVariants('two-pass rows + residual', () => validate(true), workloads(true)).flatMap(withDefaultTwin),
    ],
  };
}
