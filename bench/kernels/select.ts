// selectPosition ([CLS] pooling): x[:, 0] of the last hidden state [batch, seq, dim], forward (a
// gather of batch rows) and backward (the gradient at position 0, zeros elsewhere); memory-bound,
// rated in GB/s of the tensors each must read and write.
import { selectPosition } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { randn, selectPosition as selectPositionRef } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { randomTensor } from '../../tune/workload.ts';
import { opWorkloads, type KernelGroup } from '../workload.ts';

async function validate(): Promise<void> {
  const [batch, seq, dim] = [3, 5, 33];
  await gradcheck({
    inputs: [{ shape: [batch, seq, dim], data: randn(batch * seq * dim, 11) }],
    gpu: ([x]) => selectPosition(x, 0),
    cpu: ([x]) => selectPositionRef(x, batch, seq, dim, 0),
  });
}

export function selectGroup(o: BenchOptions): KernelGroup {
  const rowBytes = o.batch * o.dim * 4;
  const workloads = opWorkloads({
    label: `[${o.batch},${o.seq},${o.dim}] at 0`,
    inputs: () => [randomTensor([o.batch, o.seq, o.dim], 1, { requiresGrad: true })],
    op: ([x]) => selectPosition(x, 0),
    forwardWork: 2 * rowBytes,
    // The backward reads the [batch, dim] gradient and writes all of dx.
    backwardWork: rowBytes + o.seq * rowBytes,
  });
  return { group: 'select', unit: 'GB/s', variants: [{ name: 'gather and scatter', validate, workloads }] };
}
