// Multi-head attention at [batch, seq, heads·headDim] with a padding mask, forward and backward:
// variant 1 unfused (matmul, masked softmax, matmul: engine/ops/attention_unfused.ts); the fused
// op (engine/ops/attention.ts) in each of its forms, set by ENGINE_ATTENTION around validation,
// preparation and runs: variant 2 a thread per row (kernels/attention_rows.ts) and its CPU form
// (kernels/cpu/attention.ts), variant 3 a workgroup per block of rows (kernels/attention.ts); and,
// where a tuned table is in use, the op with the table's choices. Rated in GFLOP/s of the nominal
// work (FlashAttention's count): forward 4·B·H·T²·D (q·kᵀ and P·v), backward 2.5× that (the fused
// kernels also recompute P, which is not counted). Where the adapter has shader-f16, variants 2
// and 3 also run on f16 q, k and v, as --fp16's autocast launches them (validated on f16-rounded
// inputs; the timed inputs are made f16, so that no cast is timed).
import {
  Tensor,
  additiveKeyMask,
  attention,
  attentionUnfused,
  autocast,
  gpu,
  tuningState,
  type AttentionForm,
} from '../../engine/index.ts';
import { roundToHalf } from '../../engine/autograd/float16.ts';
import { gradcheck } from '../../reference/check.ts';
import { attentionRef, randn } from '../../reference/float64.ts';
import type { BenchOptions } from '../options.ts';
import { reductionVariants } from '../reductions.ts';
import { noise, randomTensor } from '../../tune/workload.ts';
import { opWorkloads, underSettings, type KernelGroup } from '../workload.ts';

/** Validates `fused` or the unfused variant (with `half`, the fused one on f16 q, k, v) against the reference on small shapes. */
async function validate(fused: boolean, half = false): Promise<void> {
  // Head dims 8 (vec4 rows) and 5 (scalar rows); the second sequence is padded after 3 tokens;
  // 19 rows span two workgroups and two key tiles of every form's default tiling at these dims.
  for (const [heads, headDim] of [
    [2, 8],
    [3, 5],
  ]) {
    const [batch, seq] = [2, 19];
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
  const half = gpu().features.has('shader-f16');
  const forms: [string, AttentionForm, boolean][] = [
    ['2 fused, a thread per row', 'rows', half],
    ['2 fused, a thread per row, CPU form', 'cpu', false],
    ['3 fused, a workgroup per block of rows', 'blocks', half],
  ];
  return {
    group: 'attention',
    unit: 'GFLOP/s',
    variants: [
      { name: '1 unfused (matmul, masked softmax, matmul)', validate: () => validate(false), workloads: unfused },
      ...forms.flatMap(([name, form, withHalf]) => [
        ...reductionVariants(name, () => validate(true), fusedOn(qkv)).map((v) => underSettings({ ENGINE_ATTENTION: form }, v)),
        ...(withHalf
          ? reductionVariants(`${name}, f16 q/k/v`, () => validate(true, true), fusedOn(halfQkv)).map((v) =>
              underSettings({ ENGINE_ATTENTION: form }, v),
            )
          : []),
      ]),
      ...(tuningState().state === 'used' ? reductionVariants('fused, as tuned', () => validate(true), fusedOn(qkv)) : []),
    ],
  };
}
