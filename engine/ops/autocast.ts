// Automatic mixed precision, as torch.autocast(dtype=float16) applies it to a forward pass.
//
// Inside `autocast(fn)`, matmul, linear and attention compute on the f16 roundings of their f32
// operands, accumulating in f32; everything else (layernorm, softmax statistics, GELU, losses,
// reductions) runs in f32 as before. Unlike torch, whose autocast matmuls return f16, our
// products and attention return f32: the next op would otherwise cast straight back, and f32
// outputs keep every other op unchanged.
//
// The products (engine/ops/matmul.ts, self_attention.ts) cast nothing: they read the f32 tensors
// and round each value to f16 as they load it, with the cast kernel's rounding (kernels/matmul.ts
// `roundA`, `roundB`), forward and backward, where the output gradient is the operand (a loss
// scale keeps small gradients from flushing to zero, see grad_scaler.ts). Attention reads f16
// tensors: q, k and v are cast, in one launch (`autocastOperands`, kernels/cast.ts
// `castToHalfEach`), and the copies are made per region: each tensor is cast once per `autocast`
// call and the copy reused (a cast is a pure function of its input). Gradients stay f32: the
// cast's backward passes its gradient through.
import { CAST_EACH_COST } from '../../kernels/cast.ts';
import { planSlotGroups, slotsPerLaunch } from '../../kernels/multi_tensor.ts';
import { gpu } from '../gpu/device.ts';
import { castToHalf, castToHalfEach } from '../gpu/kernels.ts';
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

/** Whether an autocast region is open: matmul, linear and attention compute on f16 values. */
export const autocasting = (): boolean => casts !== null;

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

/**
 * `toHalf` of each of xs (f32 tensors), a launch for one and for several as few as the adapter's
 * storage-buffer limit allows.
 */
function toHalfEach(xs: readonly Tensor[]): Tensor[] {
  if (xs.length === 1) return [toHalf(xs[0])];
  const outs = xs.map((x) => new Tensor(x.shape, 'f16', { name: `${x.name}.f16` }));
  const cast = xs.map((_, i) => i).filter((i) => xs[i].numel > 0);
  const slots = slotsPerLaunch(CAST_EACH_COST, gpu().limits.maxStorageBuffersPerShaderStage);
  for (const group of planSlotGroups(
    cast.map((i) => xs[i].numel),
    slots,
  )) {
    const members = group.map((j) => cast[j]);
    launchOn(castToHalfEach(members.map((i) => xs[i].numel)), ...members.flatMap((i) => [xs[i], outs[i]]));
  }
  return outs.map((out, i) => {
    out.setBackward([xs[i]], (g) => [g]);
    out.op = 'to_half';
    return out;
  });
}

/**
 * The operands an op computes on: under autocast, the f16 copies of xs made in this region (those
 * not made yet made together), else xs themselves.
 */
export function autocastOperands(xs: readonly Tensor[]): Tensor[] {
  const region = casts;
  if (!region) return [...xs];
  const uncast = [...new Set(xs.filter((x) => x.dtype === 'f32' && (region.get(x)?.released ?? true)))];
  if (uncast.length > 0) toHalfEach(uncast).forEach((half, i) => region.set(uncast[i], half));
  return xs.map((x) => region.get(x) ?? x);
}
