// Automatic mixed precision, as torch.autocast(dtype=float16) applies it to a forward pass.
//
// Inside `autocast(fn)`, matmul, linear and attention cast their f32 operands to f16 and compute
// on those, accumulating in f32; everything else (layernorm, softmax statistics, GELU, losses,
// reductions) runs in f32 as before. Unlike torch, whose autocast matmuls return f16, our
// products and attention return f32: the next op would otherwise cast straight back, and f32
// outputs keep every other op unchanged. The f16 copies are made per region: each tensor is cast
// once per `autocast` call and the copy reused (torch caches only the weights' casts; a cast is a
// pure function of its input, so caching activations too gives the same numbers). Gradients stay
// f32: the cast's backward passes its gradient through, and the backward products cast the
// output gradient to f16 as their operand (where a loss scale keeps small gradients from
// flushing to zero, see grad_scaler.ts).
import { gpu } from '../gpu/device.ts';
import { castToHalf } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

/** The casts made in the innermost open autocast region, by source tensor. */
let casts: Map<Tensor, Tensor> | null = null;

/** Throws one readable line when the adapter cannot run f16 kernels; `what` names the caller. */
export function assertHalfSupported(what: string): void {
  const { features, adapterName } = gpu();
  if (!features.has('shader-f16'))
    throw new Error(`${what} needs 16-bit float shaders (the shader-f16 feature), which ${adapterName} does not offer`);
}

/** Runs `fn` with matmul, linear and attention on f16 operands. */
export function autocast<T>(fn: () => T): T {
  assertHalfSupported('autocast');
  const outer = casts;
  casts = new Map();
  try {
    return fn();
  } finally {
    casts = outer;
  }
}

/** x as an f16 tensor; its gradient flows back to x unchanged (f32). */
export const toHalf = op('to_half', function toHalf(x: Tensor): Tensor {
  if (x.dtype === 'f16') return x;
  if (x.dtype !== 'f32') throw new Error(`toHalf: ${x.name} is ${x.dtype}; only f32 tensors convert to f16`);
  const out = new Tensor(x.shape, 'f16', { name: `${x.name}.f16` });
  if (out.numel > 0) launchOn(castToHalf(x.numel), x, out);
  return out.setBackward([x], (g) => [g]);
});

/** The operand an op computes on: under autocast, x's f16 copy for this region, else x itself. */
export function autocastOperand(x: Tensor): Tensor {
  if (!casts || x.dtype !== 'f32') return x;
  let half = casts.get(x);
  if (!half || half.released) {
    half = toHalf(x);
    casts.set(x, half);
  }
  return half;
}

/** A gradient as the operand of a backward product for an op whose operands were `like`'s dtype. */
export function gradientOperand(grad: Tensor, like: Tensor): Tensor {
  return like.dtype === 'f16' ? toHalf(grad) : grad;
}
