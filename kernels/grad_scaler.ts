// Dynamic loss scaling (torch.cuda.amp.GradScaler) on the GPU, without reading anything back.
//
// torch: the loss is multiplied by `scale` before backward; `unscale_` multiplies every gradient
// by inv_scale = 1/scale and sets found_inf when any scaled gradient is inf or NaN
// (`_amp_foreach_non_finite_check_and_unscale_`); the optimizer step is skipped when found_inf is
// set; `update` then applies `_amp_update_scale_`:
//   found_inf: scale *= backoff_factor, tracker = 0
//   else:      tracker += 1; when tracker == growth_interval: scale *= growth_factor (if that is
//              finite), tracker = 0.
// Here the scale is an f32 [1] buffer, the counters an i32 [2] (torch's growth tracker, then the
// steps skipped so far) and found_inf a u32 [1]:
//  - `unscaleGradients`, one multi-tensor launch per group (multi_tensor.ts), one thread per
//    element: g *= 1/scale in place, and an atomicOr of 1 into found_inf for a non-finite g.
//    Non-finite is tested on the bits (exponent all ones), since WGSL lets compilers assume
//    that floats are finite and fold x != x or comparisons with infinity away.
//  - `updateScale`, one thread: torch's update, reading found_inf; it counts a skipped step and
//    clears found_inf for the next step's unscale (torch makes a new flag each step).
// Scales stay powers of two (65536·2^k), so 1/scale and the products are exact.
// CPU reference: reference/float64.ts `gradScalerStep`; test: test/engine/fp16.test.ts.
import { FLAT_BUILTINS, f32, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { forSlot, slotLayout, slotWorkgroup, type SlotCost } from './multi_tensor.ts';

const WG = 256;

/** Per slot: grad; n, wgEnd. Shared: scale, found_inf. */
export const UNSCALE_COST: SlotCost = { sharedBindings: 2, bindingsPerSlot: 1, sharedUniforms: 0, uniformsPerSlot: 2 };

/** WGSL: whether the f32 `x` is inf or NaN, from its exponent bits. */
const NON_FINITE = `fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }`;

/** grad_k *= 1/scale in place, found_inf |= any non-finite grad. Bindings: grad0 … grad{K-1}, scale [1], foundInf [1]. */
export function unscaleGradients(sizes: readonly number[]): KernelLaunch {
  const layout = slotLayout(sizes, WG);
  const K = sizes.length;
  const grads = sizes.map((_, k) => `@group(0) @binding(${k + 1}) var<storage, read_write> grad${k}: array<f32>;`);
  const code = `${uniformBlock(layout.uniforms)}
${grads.join('\n')}
@group(0) @binding(${K + 1}) var<storage, read> scale: array<f32>;
@group(0) @binding(${K + 2}) var<storage, read_write> foundInf: array<atomic<u32>>;
${NON_FINITE}

@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  ${slotWorkgroup(K)}
  let inverse = 1.0 / scale[0];
  ${forSlot(
    K,
    (k) => `let i = local * ${WG}u + lid.x;
    if (i < p.n${k}) {
      let g = grad${k}[i];
      if (nonFinite(g)) { atomicOr(&foundInf[0], 1u); }
      grad${k}[i] = g * inverse;
    }`,
  )}
}`;
  return { name: `unscale_gradients_x${K}`, code, workgroups: layout.grid, uniforms: layout.uniforms };
}

export interface ScaleUpdate {
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
}

/** torch's `_amp_update_scale_`. Bindings: scale f32 [1], counters i32 [2] (growth tracker, skipped steps), foundInf u32 [1]. */
export function updateScale(o: ScaleUpdate): KernelLaunch {
  const uniforms = { growthFactor: f32(o.growthFactor), backoffFactor: f32(o.backoffFactor), growthInterval: u32(o.growthInterval) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read_write> scale: array<f32>;
@group(0) @binding(2) var<storage, read_write> counters: array<i32>;
@group(0) @binding(3) var<storage, read_write> foundInf: array<u32>;
${NON_FINITE}

@compute @workgroup_size(1)
fn main() {
  if (foundInf[0] != 0u) {
    scale[0] = scale[0] * p.backoffFactor;
    counters[0] = 0;
    counters[1] += 1;
    foundInf[0] = 0u;
    return;
  }
  let successful = counters[0] + 1;
  if (successful == i32(p.growthInterval)) {
    let grown = scale[0] * p.growthFactor;
    if (!nonFinite(grown)) { scale[0] = grown; }
    counters[0] = 0;
  } else {
    counters[0] = successful;
  }
}`;
  return { name: 'update_loss_scale', code, workgroups: [1, 1, 1], uniforms };
}
