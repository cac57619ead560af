// Multi-head self-attention over one input with its q, k and v projections launched together:
// attention(x·Wqᵀ + bq, x·Wkᵀ + bk, x·Wvᵀ + bv, mask) with the three products as one launch
// forward and two backward, instead of three each, the adds that sum the three input gradients
// and the three bias gradients' column sums. Test: test/ops/self_attention.test.ts (against
// reference/float64.ts's attentionRef of three nn.Linear maps).
//
// Design: the weights stay three separate tensors (their Hugging Face names, shapes and layout in
// checkpoints, their own gradients and optimizer state); the fusion is in the launch. The three
// products have one shape, so they are one batched product whose batch entry z binds its own
// weight, bias and output ("slots", kernels/matmul.ts): no concatenated copy of the weights, no
// offset views (so no 256-byte minStorageBufferOffsetAlignment to respect), and q, k and v come
// out as the separate tensors the attention kernels read. Backward, from dq, dk and dv:
//   dWz = dzᵀ·x, dbz = column sums of dz   one slotted TN launch writing the three weight and
//                         bias gradients (the `biasGrad` epilogue; two launches on a GPU at long
//                         K: split-K, kernels/matmul_split_k.ts);
//   dx  = Σz dz·Wz        one NN launch whose K runs over q's, k's and v's slices in turn
//                         (`kSlots`): [dq | dk | dv] · [Wq; Wk; Wv], neither concatenated.
// Under autocast (engine/ops/autocast.ts) the products round x, the weights, and dq, dk and dv to
// f16 as they load them, as three linears do. The op wraps the attention op: it takes that op's backward
// function and runs it first, so the projections' backward sees dq, dk and dv together. The
// slotted launches bind 10 storage buffers (forward: x, 3 weights, 3 outputs, 3 biases; dW: 3
// gradients, x, 3 weight and 3 bias gradients); on an adapter that allows fewer per shader stage
// the op is three linears and attention.
import { matmulBindingCount, type MatmulShape } from '../../kernels/matmul.ts';
import { gpu } from '../gpu/device.ts';
import { Tensor, noGrad, numel, sameShape, shapeStr } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { attention, type AttentionOptions } from './attention.ts';
import { autocasting } from './autocast.ts';
import { launchMatmul, linear, matmulKernel } from './matmul.ts';
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

/** Binds tensors in kernels/matmul.ts's order: A and B (one, or one per slot), C, the epilogue's; one launch. */
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
    // On f16 values (under autocast, or f16 tensors), f32 operands rounded as they load; the biases stay f32.
    const half = autocasting() || x.dtype === 'f16';
    const weights = projections.map((p) => p.weight);
    const [roundX, roundW] = [half && x.dtype === 'f32', half && weights[0].dtype === 'f32'];
    const biases = projections.map((p) => p.bias);
    const parents = [x, ...weights.flatMap((w, z) => [w, biases[z]])];
    const flatX = noGrad(() => reshape(x, [rows, features]));
    // Fresh leaves that require grad iff the op does, so that attention records its backward.
    const qkv = projections.map(() => new Tensor(x.shape, 'f32', { requiresGrad: parents.some((t) => t.requiresGrad) }));
    runProduct({ ...forward, half, roundA: roundX, roundB: roundW }, flatX, weights, qkv, biases);
    const context = attention(qkv[0], qkv[1], qkv[2], mask, nHeads, options);
    const attentionBackward = context.creator?.backwardFn;
    if (!attentionBackward) return context;
    return context.setBackward(parents, (grad) => {
      // The backward products' operands: dq, dk and dv (rounded to f16 as they load under autocast).
      const dqkv = attentionBackward(grad).map((g) => reshape(g!, [rows, features]));
      let dx: Tensor | null = null;
      if (x.requiresGrad) {
        dx = new Tensor(x.shape);
        runProduct(
          { batch: 1, m: rows, n: features, k: 3 * features, transA: false, transB: false, half, roundA: half, roundB: roundW, kSlots: 3 },
          dqkv,
          weights,
          dx,
        );
      }
      const dWeights = weights.map((w) => new Tensor(w.shape));
      const dBiases = biases.map((b) => new Tensor(b.shape));
      if (parents.slice(1).some((t) => t.requiresGrad)) {
        runProduct(
          {
            batch: 3,
            m: features,
            n: features,
            k: rows,
            transA: true,
            transB: false,
            sharedB: true,
            half,
            roundA: half,
            roundB: roundX,
            biasGrad: true,
            slots: { a: true, c: true },
          },
          dqkv,
          flatX,
          dWeights,
          dBiases,
        );
      }
      return [dx, ...weights.flatMap((w, z) => [w.requiresGrad ? dWeights[z] : null, biases[z].requiresGrad ? dBiases[z] : null])];
    });
  },
);
