// Fused multi-head attention at [batch, seq, heads·headDim] with a padding mask, forward and
// backward. Rated in GFLOP/s of the nominal work (FlashAttention's count): forward 4·B·H·T²·D
// (q·kᵀ and P·v), backward 2.5× that (the kernels also recompute P, which is not counted).
import { Tensor, attention } from '../../engine/index.ts';
import { gradcheck } from '../../test/gradcheck.ts';
import { attentionRef, randn } from '../../test/reference.ts';
import type { BenchOptions } from '../options.ts';
import { reductionVariants } from '../reductions.ts';
import { opWorkloads, randomTensor, type KernelGroup } from '../workload.ts';

async function validate(): Promise<void> {
  // Head dims 8 (vec4 rows) and 5 (scalar rows); the second sequence is padded after 3 tokens.
  for (const [heads, headDim] of [[2, 8], [3, 5]]) {
    const [batch, seq] = [2, 6];
    const n = batch * seq * heads * headDim;
    const shape = [batch, seq, heads * headDim];
    await gradcheck({
      inputs: [
        { shape, data: randn(n, headDim) },
        { shape, data: randn(n, headDim + 1) },
        { shape, data: randn(n, headDim + 2) },
        { shape: [batch, seq], data: Float64Array.from({ length: batch * seq }, (_, i) => (i < seq + 3 ? 1 : 0)), dtype: 'i32', noGrad: true },
      ],
      gpu: ([q, k, v, mask]) => attention(q, k, v, mask, heads),
      cpu: ([q, k, v, mask]) => attentionRef(q, k, v, mask, batch, seq, heads, headDim),
    });
  }
}

export function attentionGroup(o: BenchOptions): KernelGroup {
  const shape = [o.batch, o.seq, o.dim];
  const forwardFlops = 4 * o.batch * o.seq * o.seq * o.dim;
  const workloads = opWorkloads({
    label: `B${o.batch} H${o.heads} T${o.seq} D${o.dim / o.heads}`,
    inputs: () => [
      ...[1, 2, 3].map((seed) => randomTensor(shape, seed, { requiresGrad: true })),
      Tensor.fromArray(new Int32Array(o.batch * o.seq).fill(1), [o.batch, o.seq], 'i32'),
    ],
    op: ([q, k, v, mask]) => attention(q, k, v, mask, o.heads),
    forwardWork: forwardFlops,
    backwardWork: 2.5 * forwardFlops,
  });
  return { group: 'attention', unit: 'GFLOP/s', variants: reductionVariants('flash (one thread per row)', validate, workloads) };
}
