// AdamW update of several parameter tensors in one dispatch, in torch 1.13's float32 operation order.
//
// Algorithm (torch.optim.AdamW, `_single_tensor_adamw`), per element, with g first multiplied by
// the gradient-clipping coefficient (1 when not clipping; torch scales the gradient in place):
//   param *= 1 - lr·wd;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g·g
//   param += (-lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
// The scalars are computed on the CPU in float64 and passed as f32 uniforms, as torch passes
// Python floats. The decay factor 1 - lr·wd is one uniform per distinct weight decay
// (`decayFactor{g}`), which each slot picks by index: every uniform that changes with the step
// then has one name and one value across the step's launches (what engine/replay.ts patches). torch's CPU kernels (AVX2) fuse the two moment updates into fma(g, 1-β1, β1·m)
// and fma((1-β2)·g, g, β2·v); we use the same fmas, and the same multiply-then-divide order in
// the final addcdiv.
//
// Layout: up to `slots` parameter tensors per dispatch (see multi_tensor.ts). The moments of all
// the dispatch's tensors are packed into two flat buffers, slot k's at element offset `off{k}`,
// so a slot needs only two bindings of its own. Bindings: param0, grad0, param1, grad1, …, then
// moment1, moment2 (packed m and v), clipCoef (1 element), skip (1 element, u32): a nonzero skip
// leaves parameters and moments as they are (GradScaler's found-inf, kernels/grad_scaler.ts).
// Work split: one thread per element, 256 threads per workgroup.
import { FLAT_BUILTINS, f32, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';
import { forSlot, slotLayout, slotWorkgroup, type SlotCost } from './multi_tensor.ts';

const WG = 256;

/** Distinct weight decays one optimizer may have (each is a uniform of every launch). */
export const MAX_WEIGHT_DECAYS = 4;

/** Per slot: param, grad; n, wgEnd, off, decayIndex. Shared: m, v, clipCoef, skip; 7 scalars and the decay factors. */
export const ADAMW_COST: SlotCost = { sharedBindings: 4, bindingsPerSlot: 2, sharedUniforms: 7 + MAX_WEIGHT_DECAYS, uniformsPerSlot: 4 };

export interface AdamWSlot {
  size: number;
  /** Element offset of this tensor's moments in the packed m and v buffers. */
  offset: number;
  /** Which of the scalars' `decayFactors` applies to this tensor. */
  decayIndex: number;
}

export interface AdamWScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** -lr / (1 - β1^t) */
  negStepSize: number;
  /** sqrt(1 - β2^t) */
  biasCorrection2Sqrt: number;
  /** 1 - lr·wd for each distinct weight decay wd. */
  decayFactors: readonly number[];
}

/** The uniforms of `adamwStep(slots, s)`: with the slot sizes fixed, all that changes from step to step. */
export function adamwUniforms(slots: readonly AdamWSlot[], s: AdamWScalars): Uniforms {
  return {
    ...slotLayout(
      slots.map((slot) => slot.size),
      WG,
    ).uniforms,
    ...Object.fromEntries(
      slots.flatMap((slot, k) => [
        [`off${k}`, u32(slot.offset)],
        [`decayIndex${k}`, u32(slot.decayIndex)],
      ]),
    ),
    beta1: f32(s.beta1),
    oneMinusBeta1: f32(1 - s.beta1),
    beta2: f32(s.beta2),
    oneMinusBeta2: f32(1 - s.beta2),
    eps: f32(s.eps),
    ...adamwStepUniforms(s),
  };
}

/** The uniforms that change with the step (learning rate and step count): one value per name across a step's launches. */
export function adamwStepUniforms(s: AdamWScalars): Uniforms {
  return {
    negStepSize: f32(s.negStepSize),
    biasCorrection2Sqrt: f32(s.biasCorrection2Sqrt),
    ...Object.fromEntries(s.decayFactors.map((factor, g) => [`decayFactor${g}`, f32(factor)])),
  };
}

export function adamwStep(slots: readonly AdamWSlot[], s: AdamWScalars): KernelLaunch {
  const layout = slotLayout(
    slots.map((slot) => slot.size),
    WG,
  );
  const uniforms = adamwUniforms(slots, s);
  const slotBindings = slots.map(
    (_, k) => `@group(0) @binding(${2 * k + 1}) var<storage, read_write> param${k}: array<f32>;
@group(0) @binding(${2 * k + 2}) var<storage, read> grad${k}: array<f32>;`,
  );
  const shared = 2 * slots.length + 1;
  let decayFactor = 'p.decayFactor0';
  for (let g = 1; g < s.decayFactors.length; g++) decayFactor = `select(${decayFactor}, p.decayFactor${g}, index == ${g}u)`;
  const code = `${uniformBlock(uniforms)}
${slotBindings.join('\n')}
@group(0) @binding(${shared}) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(${shared + 1}) var<storage, read_write> moment2: array<f32>;
@group(0) @binding(${shared + 2}) var<storage, read> clipCoef: array<f32>;
@group(0) @binding(${shared + 3}) var<storage, read> skip: array<u32>;

fn decayFactor(index: u32) -> f32 {
  return ${decayFactor};
}

// Updates the moments at s and returns the new parameter (already multiplied by its decay factor).
fn update(decayed: f32, rawGrad: f32, s: u32) -> f32 {
  let g = rawGrad * clipCoef[0];
  let m = fma(g, p.oneMinusBeta1, moment1[s] * p.beta1);
  let v = fma(p.oneMinusBeta2 * g, g, moment2[s] * p.beta2);
  moment1[s] = m;
  moment2[s] = v;
  let denom = sqrt(v) / p.biasCorrection2Sqrt + p.eps;
  return decayed + (p.negStepSize * m) / denom;
}

@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  ${slotWorkgroup(slots.length)}
  if (skip[0] != 0u) { return; }
  ${forSlot(
    slots.length,
    (k) => `let i = local * ${WG}u + lid.x;
    if (i < p.n${k}) { param${k}[i] = update(param${k}[i] * decayFactor(p.decayIndex${k}), grad${k}[i], p.off${k} + i); }`,
  )}
}`;
  return { name: `adamw_x${slots.length}`, code, workgroups: layout.grid, uniforms };
}
