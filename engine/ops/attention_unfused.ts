// Attention the textbook way, three ops and a T×T matrix per head: scores = (q/√D)·kᵀ, masked
// softmax, then the weights times v. It is what the fused kernel (engine/ops/attention.ts)
// replaces, kept as attention variant 1 so that the benchmark and the tests set the two side by
// side. Its backward is autograd's, through the ops it is made of. No dropout.
import { F32_LOWEST } from '../../kernels/launch.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';
import { mulScalar } from './elementwise.ts';
import { matmul } from './matmul.ts';
import { reshape, transpose } from './shape.ts';
import { softmax } from './softmax.ts';

/** The additive mask the unfused attention takes: float32's lowest value on padding keys, else 0. */
export function additiveKeyMask(keep: ArrayLike<number>, batch: number, seq: number): Tensor {
  if (keep.length !== batch * seq) throw new Error(`additiveKeyMask: ${keep.length} mask values for [${batch}, ${seq}]`);
  return Tensor.fromArray(
    Array.from(keep, (k) => (k === 0 ? Number(F32_LOWEST) : 0)),
    [batch, 1, 1, seq],
  );
}

/**
 * softmax((q/√D)·kᵀ + mask)·v per head: q, k, v [B, T, H·D]; mask f32 [B, 1, 1, T] from
 * `additiveKeyMask`. Returns the context [B, T, H·D], as `attention` does without dropout.
 */
export function attentionUnfused(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, nHeads: number): Tensor {
  if (q.shape.length !== 3 || q.shape[2] % nHeads !== 0)
    throw new Error(`attentionUnfused: query ${q.name} ${shapeStr(q.shape)} is not [B, T, ${nHeads} heads × D]`);
  const [batch, seq, width] = q.shape;
  const headDim = width / nHeads;
  // [B, T, H·D] -> [B, H, T, D]: each head's rows contiguous, one batched product per head.
  const heads = (t: Tensor) => transpose(reshape(t, [batch, seq, nHeads, headDim]), 1, 2);
  const scores = matmul(heads(mulScalar(q, 1 / Math.sqrt(headDim))), heads(k), { transB: true });
  const weights = softmax(scores, mask);
  const context = matmul(weights, heads(v));
  return reshape(transpose(context, 1, 2), [batch, seq, width]);
}
