// AdamW update of several parameter tensors in one dispatch, in torch 1.13's float32 operation order.
//
// Algorithm (torch.optim.AdamW, `_single_tensor_adamw`), per element, with g first multiplied by
// the gradient-clipping coefficient (1 when not clipping; torch scales the gradient in place):
//   param *= 1 - lr·wd;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g·g
//   param += (-lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
// torch's CPU kernels (AVX2) fuse the two moment updates into fma(g, 1-β1, β1·m) and
// fma((1-β2)·g, g, β2·v); we use the same fmas, and the same multiply-then-divide order in the
// final addcdiv.
//
// The step's scalars live on the device, as with torch's Adam(capturable=True): an optimizer's
// `AdamWState` (below) holds the step count t, this step's clip coefficient and skip flag, and
// the terms that depend on t and the learning rate: -lr/(1-β1^t), sqrt(1-β2^t) and 1 - lr·wd per
// distinct weight decay. Those terms come from a table the optimizer computes once, in float64 as
// torch computes them from Python floats, one row per step (kernels never evaluate a power or a
// schedule). A step is then:
//   - `adamwBegin`, one thread: copies the clip coefficient and skip flag in; unless skipped,
//     counts the step and copies row t of the table into the state;
//   - `adamwStep` per group of tensors: the update above, reading its scalars from the state.
// Nothing in either launch changes from step to step, so a recorded step replays as it is
// (engine/replay.ts), and a skipped step (GradScaler's found-inf, kernels/grad_scaler.ts) does
// not advance t or the schedule, without the CPU learning of it.
//
// Layout: up to `slots` parameter tensors per dispatch (see multi_tensor.ts). The moments of all
// the dispatch's tensors are packed into two flat buffers, slot k's at element offset `off{k}` (a
// multiple of 4), so a slot needs only two bindings of its own. Bindings: param0, grad0, param1,
// grad1, …, then moment1, moment2 (packed m and v), state.
// Work split: 256 threads per workgroup, a thread per 4 elements (vec4 loads and stores, the
// same arithmetic per component) for tensors whose length is a multiple of 4, else per element.
// CPU reference: reference/float64.ts's adamwStep; tests: test/engine/optim.test.ts, bench --only adamw.
import { FLAT_BUILTINS, f32, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { forSlot, slotLayout, slotWorkgroup, type SlotCost } from './multi_tensor.ts';

const WG = 256;

/** Distinct weight decays one optimizer may have (each has its factor in the state). */
export const MAX_WEIGHT_DECAYS = 4;

/** Per slot: param, grad; n, wgEnd, off, decayIndex. Shared: m, v, state; β1, 1-β1, β2, 1-β2, eps. */
export const ADAMW_COST: SlotCost = { sharedBindings: 3, bindingsPerSlot: 2, sharedUniforms: 5, uniformsPerSlot: 4 };

/** 32-bit words of the `AdamWState` struct: count, skip, clipCoef, negStepSize, biasCorrection2Sqrt, decay factors. */
export const ADAMW_STATE_WORDS = 5 + MAX_WEIGHT_DECAYS;

/** WGSL: an optimizer's state on the device (an i32 tensor of ADAMW_STATE_WORDS words). */
const STATE_STRUCT = `struct AdamWState {
  count: u32,               // steps taken: t, torch's state['step']
  skip: u32,                // nonzero: this step changes nothing (GradScaler's found-inf)
  clipCoef: f32,            // the gradients' factor (gradient clipping)
  negStepSize: f32,         // -lr / (1 - β1^t)
  biasCorrection2Sqrt: f32, // sqrt(1 - β2^t)
  decayFactors: array<f32, ${MAX_WEIGHT_DECAYS}>, // 1 - lr·wd, one per distinct weight decay
}`;

export interface AdamWSlot {
  size: number;
  /** Element offset of this tensor's moments in the packed m and v buffers. */
  offset: number;
  /** Which of the state's `decayFactors` applies to this tensor. */
  decayIndex: number;
}

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * The table `adamwBegin` reads, [steps, 2 + weight decays]: row t-1 holds step t's -lr/(1-β1^t),
 * sqrt(1-β2^t) and 1 - lr·wd per weight decay, computed in float64 and rounded to f32, with lr
 * the rate `rateAt(t - 1)` of the step taken after t-1 steps. Rows go on past `scheduleSteps` (from
 * where the rate holds: rateAt is not asked beyond it) until the bias corrections stop changing in
 * f32, within about 17,000 steps at the default betas, so that the last row is every later step's;
 * or until `maxSteps`, past which the last row holds (betas closer to 1 than 0.99999).
 */
export function scheduleTable(
  rateAt: (step: number) => number,
  scheduleSteps: number,
  { beta1, beta2 }: AdamWHyper,
  weightDecays: readonly number[],
  maxSteps: number,
): Float32Array {
  const rows: number[] = [];
  for (let t = 1; t <= maxSteps; t++) {
    const lr = rateAt(Math.min(t, scheduleSteps) - 1);
    const row = Float32Array.from([-lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t), ...weightDecays.map((wd) => 1 - lr * wd)]);
    rows.push(...row);
    if (t >= scheduleSteps && row[0] === Math.fround(-lr) && row[1] === 1) break;
  }
  return Float32Array.from(rows);
}

/**
 * Bindings: state (AdamWState, written), schedule (f32 [steps, rowWords]: row t-1 holds step t's
 * terms), clipCoef (f32, 1 element), skip (u32, 1 element). Past the table's last row, the last
 * row holds.
 */
export function adamwBegin(steps: number, rowWords: number): KernelLaunch {
  const uniforms = { steps: u32(steps), rowWords: u32(rowWords) };
  const code = `${uniformBlock(uniforms)}
${STATE_STRUCT}
@group(0) @binding(1) var<storage, read_write> state: AdamWState;
@group(0) @binding(2) var<storage, read> schedule: array<f32>;
@group(0) @binding(3) var<storage, read> clipCoef: array<f32>;
@group(0) @binding(4) var<storage, read> skip: array<u32>;

@compute @workgroup_size(1)
fn main() {
  state.skip = skip[0];
  state.clipCoef = clipCoef[0];
  if (skip[0] != 0u) { return; }
  state.count += 1u;
  let row = (min(state.count, p.steps) - 1u) * p.rowWords;
  state.negStepSize = schedule[row];
  state.biasCorrection2Sqrt = schedule[row + 1u];
  for (var g = 0u; g + 2u < p.rowWords; g++) {
    state.decayFactors[g] = schedule[row + 2u + g];
  }
}`;
  return { name: 'adamw_begin', code, workgroups: [1, 1, 1], uniforms };
}

/** Whether a slot of `n` elements is read as vec4s (an empty binding is one word, too small for a vec4). */
const isVec4Slot = (n: number) => n > 0 && n % 4 === 0;

/** Elements a workgroup updates in a slot of `n` elements. */
const perWorkgroup = (n: number) => (isVec4Slot(n) ? 4 * WG : WG);

/** WGSL: AdamW's update of one element (`f32`) or four (`vec4f`), returning the new parameter and moments. */
const updateFunction = (type: 'f32' | 'vec4f') => `
struct Updated_${type} { param: ${type}, m: ${type}, v: ${type} }
fn update_${type}(decayed: ${type}, rawGrad: ${type}, m0: ${type}, v0: ${type}) -> Updated_${type} {
  let g = rawGrad * state.clipCoef;
  let m = fma(g, ${type}(p.oneMinusBeta1), m0 * p.beta1);
  let v = fma(p.oneMinusBeta2 * g, g, v0 * p.beta2);
  let denom = sqrt(v) / state.biasCorrection2Sqrt + p.eps;
  return Updated_${type}(decayed + (state.negStepSize * m) / denom, m, v);
}`;

/** The update of `slots`' tensors with hyperparameters `h`, reading the step's scalars from the state. */
export function adamwStep(slots: readonly AdamWSlot[], h: AdamWHyper): KernelLaunch {
  for (const slot of slots) if (slot.offset % 4 !== 0) throw new Error(`adamwStep: moment offset ${slot.offset} is not a multiple of 4`);
  const layout = slotLayout(
    slots.map((slot) => slot.size),
    perWorkgroup,
  );
  const uniforms = {
    ...layout.uniforms,
    ...Object.fromEntries(
      slots.flatMap((slot, k) => [
        [`off${k}`, u32(slot.offset)],
        [`decayIndex${k}`, u32(slot.decayIndex)],
      ]),
    ),
    beta1: f32(h.beta1),
    oneMinusBeta1: f32(1 - h.beta1),
    beta2: f32(h.beta2),
    oneMinusBeta2: f32(1 - h.beta2),
    eps: f32(h.eps),
  };
  const isVec4 = slots.map((slot) => isVec4Slot(slot.size));
  const slotBindings = slots.map((_, k) => {
    const type = isVec4[k] ? 'vec4f' : 'f32';
    return `@group(0) @binding(${2 * k + 1}) var<storage, read_write> param${k}: array<${type}>;
@group(0) @binding(${2 * k + 2}) var<storage, read> grad${k}: array<${type}>;`;
  });
  const shared = 2 * slots.length + 1;
  // A vec4 slot's thread updates moment vector s; an f32 slot's thread one component of one.
  const slotBody = (k: number) => {
    const [count, m, v] = isVec4[k]
      ? [`p.n${k} / 4u`, 'moment1[s]', 'moment2[s]']
      : [`p.n${k}`, 'moment1[s / 4u][s % 4u]', 'moment2[s / 4u][s % 4u]'];
    return `let i = local * ${WG}u + lid.x;
    if (i < ${count}) {
      let s = ${isVec4[k] ? `p.off${k} / 4u + i` : `p.off${k} + i`};
      let r = update_${isVec4[k] ? 'vec4f' : 'f32'}(param${k}[i] * state.decayFactors[p.decayIndex${k}], grad${k}[i], ${m}, ${v});
      param${k}[i] = r.param;
      ${m} = r.m;
      ${v} = r.v;
    }`;
  };
  const code = `${uniformBlock(uniforms)}
${STATE_STRUCT}
${slotBindings.join('\n')}
@group(0) @binding(${shared}) var<storage, read_write> moment1: array<vec4f>;
@group(0) @binding(${shared + 1}) var<storage, read_write> moment2: array<vec4f>;
@group(0) @binding(${shared + 2}) var<storage, read> state: AdamWState;
${isVec4.includes(true) ? updateFunction('vec4f') : ''}${isVec4.includes(false) ? updateFunction('f32') : ''}

@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  ${slotWorkgroup(slots.length)}
  if (state.skip != 0u) { return; }
  ${forSlot(slots.length, slotBody)}
}`;
  return { name: `adamw_x${slots.length}`, code, workgroups: layout.grid, uniforms };
}
