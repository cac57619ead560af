// Multi-head self-attention over one input with its q, k and v projections launched together:
// attention(x·Wqᵀ + bq, x·Wkᵀ + bk, x·Wvᵀ + bv, mask) with the three products as one launch
// forward and two backward (plus one launch of column sums for dx and the biases), instead of three each
// and the adds that sum the three input gradients. Test: test/ops/self_attention.test.ts (against
// reference/float64.ts's attentionRef of three nn.Linear maps).
//
// Design: the weights stay three separate tensors (their Hugging Face names, shapes and layout in
// checkpoints, their own gradients and optimizer state); the fusion is in the launch. The three
// products have one shape, so they are one batched product whose batch entry z binds its own
// weight, bias and output ("slots", kernels/matmul.ts): no concatenated copy of the weights, no
// offset views (so no 256-byte minStorageBufferOffsetAlignment to respect), and q, k and v come
// out as the separate tensors the attention kernels read. Backward, from dq, dk and dv:
//   dWz = dzᵀ·x           one slotted TN launch writing the three weight gradients (two on a GPU
//                         at long K: split-K, kernels/matmul_split_k.ts);
//   dx  = Σz dz·Wz        one slotted NN launch into [3, rows, in], then a column sum over the 3;
//   dbz = column sums of dz, in the same launch as dx's (engine/ops/row_sums.ts's sumColumnsOfEach).
// The op wraps the attention op: it takes that op's backward function and runs it first, so the
// projections' backward sees dq, dk and dv together. The forward slotted launch binds 10 storage
// buffers; on an adapter that allows fewer per shader stage the op is three linears and attention.
import { matmulBindingCount, type MatmulShape } from '../../kernels/matmul.ts';
import { gpu } from '../gpu/device.ts';
import { Tensor, noGrad, numel, sameShape, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { attention, type AttentionOptions } from './attention.ts';
import { launchMatmul, linear, matmulKernel } from './matmul.ts';
import { sumColumnsOfEach } from './row_sums.ts';
import { reshape } from './shape.ts';

/** One projection's nn.Linear parameters: weight [out, in], bias [out]. */
export interface Projection {
  weight: Tensor;
  bias: Tensor;
}

function checkProjections(x: Tensor, projections: readonly Projection[]): void {
  const features = x.shape[x.shape.length - 1];
  for (const { weight, bias } of projections) {
    if (!sameShape(weight.shape, [features, features]) || !sameShape(bias.shape, [features])) {
      throw new Error(
        `selfAttention: projection ${weight.name} ${shapeStr(weight.shape)} + ${bias.name} ${shapeStr(bias.shape)} must be [${features}, ${features}] + [${features}] for x ${x.name} ${shapeStr(x.shape)}`,
      );
    }
  }
}

/** Binds tensors in kernels/matmul.ts's order: A (one, or one per slot), B, C, bias; one launch. */
function runProduct(shape: MatmulShape, ...operands: (Tensor | Tensor[])[]): void {
  launchMatmul(matmulKernel(shape), ...operands.flat());
}

/**
 * attention(q, k, v, mask, nHeads, options) with q, k, v = the three projections of x [..., D]
 * (DistilBERT's q_lin, k_lin, v_lin), launched as one product.
 */
export const selfAttention = op(
  'selfAttention',
  function selfAttention(
    x: Tensor,
    projections: readonly [Projection, Projection, Projection],
    mask: Tensor,
    nHeads: number,
    options: AttentionOptions = {},
  ): Tensor {
    checkProjections(x, projections);
    const features = x.shape[x.shape.length - 1];
    const rows = numel(x.shape.slice(0, -1));
    const forward: MatmulShape = {
      batch: 3,
      m: rows,
      n: features,
      k: features,
      transA: false,
      transB: true,
      sharedA: true,
      bias: true,
      slots: { b: true, c: true },
    };
    if (matmulBindingCount(forward) > gpu().limits.maxStorageBuffersPerShaderStage) {
      const [q, k, v] = projections.map((p) => linear(x, p.weight, p.bias));
      return attention(q, k, v, mask, nHeads, options);
    }
    const weights = projections.map((p) => p.weight);
    const biases = projections.map((p) => p.bias);
    const parents = [x, ...projections.flatMap((p) => [p.weight, p.bias])];
    const flatX = noGrad(() => reshape(x, [rows, features]));
    // Fresh leaves that require grad iff the op does, so that attention records its backward.
    const qkv = projections.map(() => new Tensor(x.shape, 'f32', { requiresGrad: parents.some((t) => t.requiresGrad) }));
    runProduct(forward, flatX, weights, qkv, biases);
    const context = attention(qkv[0], qkv[1], qkv[2], mask, nHeads, options);
    const attentionBackward = context.creator?.backwardFn;
    if (!attentionBackward) return context;
    return context.setBackward(parents, (grad) => {
      const dqkv = attentionBackward(grad).map((g) => reshape(g!, [rows, features]));
      let perProjection: Tensor | null = null;
      if (x.requiresGrad) {
        perProjection = new Tensor([3, rows, features]);
        runProduct(
          { batch: 3, m: rows, n: features, k: features, transA: false, transB: false, slots: { a: true, b: true } },
          dqkv,
          weights,
          perProjection,
        );
      }
      const dWeights = weights.map((w) => new Tensor(w.shape));
      if (weights.some((w) => w.requiresGrad)) {
        runProduct(
          { batch: 3, m: features, n: features, k: rows, transA: true, transB: false, sharedB: true, slots: { a: true, c: true } },
          dqkv,
          flatX,
          dWeights,
        );
      }
      // The sum over the three input gradients and the three bias gradients: column sums, one launch.
      const summed = dqkv.filter((_, z) => biases[z].requiresGrad);
      const sums = sumColumnsOfEach([...(perProjection ? [reshape(perProjection, [3, rows * features])] : []), ...summed]);
      const dx = perProjection ? reshape(sums.shift()!, x.shape) : null;
      return [dx, ...dqkv.flatMap((dz, z) => [dWeights[z], biases[z].requiresGrad ? sums[summed.indexOf(dz)] : null])];
    });
  },
);
