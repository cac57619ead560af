// Multi-head attention at [batch, seq, heads·headDim] with a padding mask, forward and backward:
// variant 1 unfused (matmul, masked softmax, matmul: engine/ops/attention_unfused.ts), variant 2
// the fused kernel DistilBERT runs (kernels/attention.ts). Rated in GFLOP/s of the nominal work
// (FlashAttention's count): forward 4·B·H·T²·D (q·kᵀ and P·v), backward 2.5× that (the fused
// kernels also recompute P, which is not counted). Where the adapter has shader-f16, the fused
// kernels also run on f16 q, k and v, as --fp16's autocast launches them (validated on f16-rounded
// inputs; the timed inputs are made f16, so that no cast is timed).
import { Tensor, additiveKeyMask, attention, attentionUnfused, autocast, gpu } from '../../engine/index.ts';
import { roundToHalf } from '../../engine/autograd/float16.ts';
import { gradcheck } from '../../reference/check.ts';
import { attentionRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { reductionVariants } from '../reductions.ts';
import { noise, opWorkloads, randomTensor, withDefaultTwin, type KernelGroup } from '../workload.ts';

/** Validates `fused` or the unfused variant (with `half`, the fused one on f16 q, k, v) against the reference on small shapes. */
async function validate(fused: boolean, half = false): Promise<void> {
  // Head dims 8 (vec4 rows) and 5 (scalar rows); the second sequence is padded after 3 tokens.
  for (const [heads, headDim] of [
    [2, 8],
    [3, 5],
  ]) {
    const [batch, seq] = [2, 6];
    const n = batch * seq * heads * headDim;
    const shape = [batch, seq, heads * headDim];
    const keep = Float64Array.from({ length: batch * seq }, (_, i) => (i < seq + 3 ? 1 : 0));
    const operand = (seed: number) => (half ? randn(n, seed).map(roundToHalf) : randn(n, seed));
    await gradcheck({
      inputs: [
        { shape, data: operand(headDim) },
        { shape, data: operand(headDim + 1) },
        { shape, data: operand(headDim + 2) },
        { shape: [batch, seq], data: keep, dtype: 'i32', noGrad: true },
      ],
      gpu: ([q, k, v, mask]) =>
        half
          ? autocast(() => attention(q, k, v, mask, heads))
          : fused
            ? attention(q, k, v, mask, heads)
            : attentionUnfused(q, k, v, additiveKeyMask(keep, batch, seq), heads),
      cpu: ([q, k, v, mask]) => attentionRef(q, k, v, mask, batch, seq, heads, headDim),
    });
  }
}

export function attentionGroup(o: BenchOptions): KernelGroup {
  const shape = [o.batch, o.seq, o.dim];
  const forwardFlops = 4 * o.batch * o.seq * o.seq * o.dim;
  const keep = new Int32Array(o.batch * o.seq).fill(1);
  const common = {
    label: `B${o.batch} H${o.heads} T${o.seq} D${o.dim / o.heads}`,
    forwardWork: forwardFlops,
    backwardWork: 2.5 * forwardFlops,
  };
  const qkv = () => [1, 2, 3].map((seed) => randomTensor(shape, seed, { requiresGrad: true }));
  const unfused = opWorkloads({
    ...common,
    inputs: () => [...qkv(), additiveKeyMask(keep, o.batch, o.seq)],
    op: ([q, k, v, mask]) => attentionUnfused(q, k, v, mask, o.heads),
    composite: true,
  });
  const fusedOn = (operands: () => Tensor[]) =>
    opWorkloads({
      ...common,
      inputs: () => [...operands(), Tensor.fromArray(keep, [o.batch, o.seq], 'i32')],
      op: ([q, k, v, mask]) => attention(q, k, v, mask, o.heads),
    });
  const halfQkv = () =>
    [1, 2, 3].map((seed) => Tensor.fromArray(noise(o.batch * o.seq * o.dim, seed), shape, 'f16', { requiresGrad: true }));
  return {
    group: 'attention',
    unit: 'GFLOP/s',
    variants: [
      { name: '1 unfused (matmul, masked softmax, matmul)', validate: () => validate(false), workloads: unfused },
      ...reductionVariants('2 fused (one thread per row)', () => validate(true), fusedOn(qkv)).flatMap(withDefaultTwin),
      ...(gpu().features.has('shader-f16') ? reductionVariants('2 fused, f16 q/k/v', () => validate(true, true), fusedOn(halfQkv)) : []),
    ],
  };
}
