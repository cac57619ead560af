// GELU (exact, erf form) at the feed-forward activation [batch·seq, hidden], forward and backward;
// memory-bound, rated in GB/s of the tensors it must read and write.
import { gelu } from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { gelu as geluRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { oneInputOpWorkloads, type KernelGroup } from '../workload.ts';

async function validate(): Promise<void> {
  await gradcheck({
    inputs: [{ shape: [7, 33], data: randn(7 * 33, 5, 3) }],
    gpu: ([x]) => gelu(x),
    cpu: ([x]) => x.map(geluRef),
  });
}

export function geluGroup(o: BenchOptions): KernelGroup {
  const workloads = oneInputOpWorkloads(o.batch * o.seq, o.hidden, (x) => gelu(x), 3);
  return { group: 'gelu', unit: 'GB/s', variants: [{ name: 'elementwise', validate, workloads }] };
}
