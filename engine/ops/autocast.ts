// Automatic mixed precision, as torch.autocast(dtype=float16) applies it to a forward pass.
//
// Inside `autocast(fn)`, matmul, linear and attention compute on the f16 roundings of their f32
// operands, accumulating in f32; everything else (layernorm, softmax statistics, GELU, losses,
// reductions) runs in f32 as before. Unlike torch, whose autocast matmuls return f16, our
// products and attention return f32: the next op would otherwise cast straight back, and f32
// outputs keep every other op unchanged.
//
// Nothing is cast: the products (engine/ops/matmul.ts, self_attention.ts) and attention
// (engine/ops/attention.ts) read the f32 tensors and round each value to f16 as they load it, with
// the cast kernel's rounding (kernels/cast.ts `ROUND_TO_HALF`, used by kernels/matmul.ts `roundA`,
// `roundB` and kernels/attention.ts `rounded`), forward and backward, where the output gradient is
// a product's operand (a loss scale keeps small gradients from flushing to zero, see
// grad_scaler.ts). Gradients stay f32. `toHalf` makes an f16 copy, for callers that want one.
import { gpu } from '../gpu/device.ts';
import { castToHalf } from '../gpu/kernels.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';

/** True while `autocast` runs its fn. */
let open = false;

/** Throws one readable line when the adapter cannot run f16 kernels; `what` names the caller. */
export function assertHalfSupported(what: string): void {
  const { features, adapterName } = gpu();
  if (!features.has('shader-f16'))
    throw new Error(`${what} needs 16-bit float shaders (the shader-f16 feature), which ${adapterName} does not offer`);
}

/** Whether an autocast region is open: matmul, linear and attention compute on f16 values. */
export const autocasting = (): boolean => open;

/** Runs `fn` with matmul, linear and attention on f16 operands. */
export function autocast<T>(fn: () => T): T {
  assertHalfSupported('autocast');
  const outer = open;
  open = true;
  try {
    return fn();
  } finally {
    open = outer;
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
