// Softmax over the last dim at the attention-score shape [batch·heads·seq, seq], forward and
// backward; memory-bound, so rated in GB/s of the tensors it must read and write.
import { softmax } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { randn, softmax as softmaxRef } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { reductionVariants } from '../reductions.ts';
import { oneInputOpWorkloads, type KernelGroup } from '../workload.ts';

async function validate(): Promise<void> {
  for (const [rows, cols] of [
    [5, 7],
    [3, 300],
  ]) {
    await gradcheck({
      inputs: [{ shape: [rows, cols], data: randn(rows * cols, rows + cols, 3) }],
      gpu: ([x]) => softmax(x),
      cpu: ([x]) => softmaxRef(x, rows, cols),
    });
  }
}

export function softmaxGroup(o: BenchOptions): KernelGroup {
  const workloads = oneInputOpWorkloads(o.batch * o.heads * o.seq, o.seq, (x) => softmax(x), 4);
  return { group: 'softmax', unit: 'GB/s', variants: reductionVariants('row softmax', validate, workloads) };
}
