// AdamW update of several parameter tensors in one dispatch, in torch 1.13's float32 operation order.
//
// Algorithm (torch.optim.AdamW, `_single_tensor_adamw`), per element, with g first multiplied by
// the gradient-clipping coefficient (1 when not clipping; torch scales the gradient in place):
//   param *= 1 - lr·wd;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g·g
//   param += (-lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
// The scalars are computed on the CPU in float64 and passed as f32 uniforms, as torch passes
// Python floats. torch's CPU kernels (AVX2) fuse the two moment updates into fma(g, 1-β1, β1·m)
// and fma((1-β2)·g, g, β2·v); we use the same fmas, and the same multiply-then-divide order in
// the final addcdiv. The decay factor 1 - lr·wd is one uniform per distinct weight decay
// (`decayFactor{g}`), which each slot picks by index: so every uniform that changes with the step
// has one name and one value across a step's launches (what engine/replay.ts patches).
//
// Layout: up to `slots` parameter tensors per dispatch (see multi_tensor.ts). The moments of all
// the dispatch's tensors are packed into two flat buffers, slot k's at element offset `off{k}` (a
// multiple of 4), so a slot needs only two bindings of its own. Bindings: param0, grad0, param1,
// grad1, …, then moment1, moment2 (packed m and v), clipCoef (1 element), skip (1 element, u32):
// a nonzero skip leaves parameters and moments as they are (GradScaler's found-inf,
// kernels/grad_scaler.ts).
// Work split: 256 threads per workgroup, a thread per 4 elements (vec4 loads and stores, the
// same arithmetic per component) for tensors whose length is a multiple of 4, else per element.
// CPU reference: reference/float64.ts's adamwStep; tests: test/engine/optim.test.ts, bench --only adamw.
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

/** Whether a slot of `n` elements is read as vec4s (an empty binding is one word, too small for a vec4). */
const isVec4Slot = (n: number) => n > 0 && n % 4 === 0;

/** Elements a workgroup updates in a slot of `n` elements. */
const perWorkgroup = (n: number) => (isVec4Slot(n) ? 4 * WG : WG);

/** The uniforms of `adamwStep(slots, s)`: with the slot sizes fixed, all that changes from step to step. */
export function adamwUniforms(slots: readonly AdamWSlot[], s: AdamWScalars): Uniforms {
  return {
    ...slotLayout(
      slots.map((slot) => slot.size),
      perWorkgroup,
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

/** WGSL: AdamW's update of one element (`f32`) or four (`vec4f`), returning the new parameter and moments. */
const updateFunction = (type: 'f32' | 'vec4f') => `
struct Updated_${type} { param: ${type}, m: ${type}, v: ${type} }
fn update_${type}(decayed: ${type}, rawGrad: ${type}, m0: ${type}, v0: ${type}) -> Updated_${type} {
  let g = rawGrad * clipCoef[0];
  let m = fma(g, ${type}(p.oneMinusBeta1), m0 * p.beta1);
  let v = fma(p.oneMinusBeta2 * g, g, v0 * p.beta2);
  let denom = sqrt(v) / p.biasCorrection2Sqrt + p.eps;
  return Updated_${type}(decayed + (p.negStepSize * m) / denom, m, v);
}`;

export function adamwStep(slots: readonly AdamWSlot[], s: AdamWScalars): KernelLaunch {
  for (const slot of slots) if (slot.offset % 4 !== 0) throw new Error(`adamwStep: moment offset ${slot.offset} is not a multiple of 4`);
  const layout = slotLayout(
    slots.map((slot) => slot.size),
    perWorkgroup,
  );
  const uniforms = adamwUniforms(slots, s);
  const isVec4 = slots.map((slot) => isVec4Slot(slot.size));
  const slotBindings = slots.map((_, k) => {
    const type = isVec4[k] ? 'vec4f' : 'f32';
    return `@group(0) @binding(${2 * k + 1}) var<storage, read_write> param${k}: array<${type}>;
@group(0) @binding(${2 * k + 2}) var<storage, read> grad${k}: array<${type}>;`;
  });
  const shared = 2 * slots.length + 1;
  let decayFactor = 'p.decayFactor0';
  for (let g = 1; g < s.decayFactors.length; g++) decayFactor = `select(${decayFactor}, p.decayFactor${g}, index == ${g}u)`;
  // A vec4 slot's thread updates moment vector s; an f32 slot's thread one component of one.
  const slotBody = (k: number) => {
    const [count, m, v] = isVec4[k]
      ? [`p.n${k} / 4u`, 'moment1[s]', 'moment2[s]']
      : [`p.n${k}`, 'moment1[s / 4u][s % 4u]', 'moment2[s / 4u][s % 4u]'];
    return `let i = local * ${WG}u + lid.x;
    if (i < ${count}) {
      let s = ${isVec4[k] ? `p.off${k} / 4u + i` : `p.off${k} + i`};
      let r = update_${isVec4[k] ? 'vec4f' : 'f32'}(param${k}[i] * decayFactor(p.decayIndex${k}), grad${k}[i], ${m}, ${v});
      param${k}[i] = r.param;
      ${m} = r.m;
      ${v} = r.v;
    }`;
  };
  const code = `${uniformBlock(uniforms)}
${slotBindings.join('\n')}
@group(0) @binding(${shared}) var<storage, read_write> moment1: array<vec4f>;
@group(0) @binding(${shared + 1}) var<storage, read_write> moment2: array<vec4f>;
@group(0) @binding(${shared + 2}) var<storage, read> clipCoef: array<f32>;
@group(0) @binding(${shared + 3}) var<storage, read> skip: array<u32>;

fn decayFactor(index: u32) -> f32 {
  return ${decayFactor};
}
${isVec4.includes(true) ? updateFunction('vec4f') : ''}${isVec4.includes(false) ? updateFunction('f32') : ''}

@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  ${slotWorkgroup(slots.length)}
  if (skip[0] != 0u) { return; }
  ${forSlot(slots.length, slotBody)}
}`;
  return { name: `adamw_x${slots.length}`, code, workgroups: layout.grid, uniforms };
}
