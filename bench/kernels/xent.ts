// Cross-entropy of the classifier's logits [batch, classes] against labels, forward (loss) and
// backward (dlogits); tiny at DistilBERT's shapes, so launch latency dominates. Rated in GB/s.
import { Tensor, crossEntropy } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { crossEntropy as crossEntropyRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { reductionVariants } from '../reductions.ts';
import { noise, randomTensor } from '../../tune/workload.ts';
import { opWorkloads, type KernelGroup } from '../workload.ts';

const labelsFor = (rows: number, classes: number, seed: number) =>
  Array.from(noise(rows, seed), (v) => Math.floor(Math.abs(v) * 1e6) % classes);

async function validate(): Promise<void> {
  for (const [rows, classes] of [
    [5, 7],
    [3, 300],
  ]) {
    await gradcheck({
      inputs: [
        { shape: [rows, classes], data: randn(rows * classes, rows, 2) },
        { shape: [rows], data: Float64Array.from(labelsFor(rows, classes, 7)), dtype: 'i32', noGrad: true },
      ],
      gpu: ([x, y]) => crossEntropy(x, y),
      cpu: ([x, y]) => Float64Array.of(crossEntropyRef(x, y, rows, classes)),
    });
  }
}

export function xentGroup(o: BenchOptions): KernelGroup {
  const bytes = o.batch * o.classes * 4;
  const workloads = opWorkloads({
    label: `[${o.batch},${o.classes}]`,
    inputs: () => [
      randomTensor([o.batch, o.classes], 1, { scale: 2, requiresGrad: true }),
      Tensor.fromArray(labelsFor(o.batch, o.classes, 2), [o.batch], 'i32'),
    ],
    op: ([x, y]) => crossEntropy(x, y),
    forwardWork: bytes, // read the logits
    backwardWork: 2 * bytes, // read the logits, write dlogits
  });
  return { group: 'xent', unit: 'GB/s', variants: reductionVariants('fused log-softmax+NLL', validate, workloads) };
}
