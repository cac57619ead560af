// AdamW as torch.optim.AdamW (torch 1.13, single-tensor path), over every parameter in few launches.
//
// The optimizer keeps the first and second moments (zeros at the start) in persistent flat
// buffers: parameters are split into launch groups (as many tensors as one launch can bind, see
// kernels/multi_tensor.ts, and at most one storage binding's worth of elements), and each group's
// moments are packed into one m and one v buffer. A step is then one launch per group (DistilBERT's
// ~100 tensors: 18 launches with 16 storage buffers per stage, 8 where 31+ are allowed). The step
// count lives on the CPU; bias corrections are computed in float64 and passed as f32 uniforms, as
// torch does with Python floats, so the learning rate can change every step (a schedule) without
// recompiling anything. A step is two halves: `beginStep` counts it and computes those scalars,
// `launchStep` launches the update; `step` does both. A replayed training step (replay.ts) launches
// nothing itself, so its caller begins each step and hands the scalars over as replay parameters.
//
// Weight decay is per parameter group (torch-style `{ params, weightDecay }`), so a trainer can
// exempt biases and LayerNorm weights as the Hugging Face Trainer does. Gradient clipping can be
// fused into the step: pass the `clipCoef` of `gradNorm` (grad_clip.ts) and the kernel multiplies
// each gradient by it as it reads it, exactly as clip_grad_norm_ would have scaled it in place.
// A step can be made conditional on a GPU flag (GradScaler's found-inf, grad_scaler.ts): the
// kernel then leaves everything as it was, and `uncountStep` takes the step back off the count
// once the caller has read the flag, so the next step's bias corrections are torch's.
import { ADAMW_COST, MAX_WEIGHT_DECAYS, adamwStepUniforms, adamwUniforms, type AdamWScalars, type AdamWSlot } from '../../kernels/adamw.ts';
import type { Uniforms } from '../../kernels/launch.ts';
import { adamwStep, withUniforms } from '../gpu/kernels.ts';
import { gpu } from '../gpu/device.ts';
import { fillLike } from '../ops/elementwise.ts';
import { assertDistinct, slotGroups } from './multi_tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';

export { clipGradNorm, gradNorm, type GradNorm } from './grad_clip.ts';

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimizer's weightDecay for these parameters. */
  weightDecay?: number;
}

export interface AdamWOptions {
  /** Default learning rate of `step()`; default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay for parameters whose group sets none; default 0 (the HF Trainer's default). */
  weightDecay?: number;
}

/** What a checkpoint stores: the step count and each parameter's moments, in parameter order. */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** Parameters that share one launch, and their packed moments. */
interface LaunchGroup {
  params: Tensor[];
  /** Each parameter's weight decay, as an index into the optimizer's `weightDecays`. */
  decayIndices: number[];
  /** Element offset of each parameter's moments in `m` and `v`. */
  offsets: number[];
  m: Tensor;
  v: Tensor;
}

function checkNumber(value: number, what: string, ok: (x: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !ok(value)) throw new Error(`AdamW: ${what} must be ${expected}, got ${value}`);
  return value;
}

export class AdamW {
  /** Every parameter, in the order of `state()`. */
  readonly params: readonly Tensor[];
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  private t = 0;
  /** The distinct weight decays of the parameter groups. */
  private readonly weightDecays: number[];
  private readonly groups: LaunchGroup[];
  /** The scalars of the step begun and not yet launched. */
  private begun: AdamWScalars | null = null;
  /** The clip coefficient used when none is given: gradients times exactly 1. */
  private readonly one: Tensor;
  /** The skip flag used when none is given: 0, never skip. */
  private readonly never: Tensor;

  constructor(params: Tensor[] | ParamGroup[], opts: AdamWOptions = {}) {
    this.lr = checkNumber(opts.lr ?? 1e-3, 'lr', (x) => x >= 0, 'a number >= 0');
    const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
    this.betas = [
      checkNumber(beta1, 'betas[0]', (x) => x >= 0 && x < 1, 'in [0, 1)'),
      checkNumber(beta2, 'betas[1]', (x) => x >= 0 && x < 1, 'in [0, 1)'),
    ];
    this.eps = checkNumber(opts.eps ?? 1e-8, 'eps', (x) => x >= 0, 'a number >= 0');
    const paramGroups: ParamGroup[] = params.every((p) => p instanceof Tensor)
      ? [{ params: params as Tensor[] }]
      : (params as ParamGroup[]);
    const decayOf = new Map<Tensor, number>();
    for (const group of paramGroups) {
      const wd = checkNumber(group.weightDecay ?? opts.weightDecay ?? 0, 'weightDecay', (x) => x >= 0, 'a number >= 0');
      for (const p of group.params) {
        if (p.dtype !== 'f32') throw new Error(`AdamW: parameter ${p.name} is ${p.dtype}; only f32 tensors can be optimized`);
        decayOf.set(p, wd);
      }
    }
    this.params = paramGroups.flatMap((g) => g.params);
    assertDistinct(this.params, 'AdamW');
    this.weightDecays = [...new Set(decayOf.values())];
    if (this.weightDecays.length > MAX_WEIGHT_DECAYS)
      throw new Error(`AdamW: at most ${MAX_WEIGHT_DECAYS} different weight decays, got ${this.weightDecays.join(', ')}`);

    // Less the padding to multiples of 4 that packing adds, at most 3 elements per tensor.
    const maxPacked = Math.floor(gpu().limits.maxStorageBufferBindingSize / 4) - 3 * this.params.length;
    this.groups = slotGroups(this.params, ADAMW_COST, maxPacked).map((group, i) => {
      const offsets: number[] = [];
      let total = 0;
      // Offsets at multiples of 4, so the kernel reads the moments as vec4s.
      for (const p of group) {
        offsets.push(total);
        total += Math.ceil(p.numel / 4) * 4;
      }
      const moment = (name: string) => {
        const t = new Tensor([total], 'f32', { persistent: true, name: `adamw.${name}${i}` });
        fillLike(t, 0);
        return t;
      };
      const decayIndices = group.map((p) => this.weightDecays.indexOf(decayOf.get(p)!));
      return { params: group, decayIndices, offsets, m: moment('m'), v: moment('v') };
    });
    this.one = new Tensor([1], 'f32', { persistent: true, name: 'adamw.one' });
    fillLike(this.one, 1);
    this.never = Tensor.fromArray([0], [1], 'i32', { persistent: true, name: 'adamw.never' });
  }

  /** Steps taken so far (torch's state['step']). */
  get stepCount(): number {
    return this.t;
  }

  /**
   * One AdamW update of every parameter from its `.grad`, with learning rate `lr` (default
   * `this.lr`). `clipCoef` ([1], e.g. `gradNorm(params, max).clipCoef`) scales the gradients first.
   * With `skipIf` ([1], i32 or u32), the GPU leaves parameters and moments unchanged where it
   * holds a nonzero value; the step is counted all the same until `uncountStep()`.
   */
  step(lr = this.lr, clipCoef?: Tensor, skipIf?: Tensor): void {
    this.checkStepInputs(clipCoef, skipIf);
    this.beginStep(lr);
    this.launchStep(clipCoef, skipIf);
  }

  /**
   * Counts a step at learning rate `lr` and returns the uniforms that differ from step to step
   * (bias corrections, decay factors), by name: the parameters of a replayed step.
   */
  beginStep(lr = this.lr): Uniforms {
    checkNumber(lr, 'lr', (x) => x >= 0, 'a number >= 0');
    this.t++;
    const [beta1, beta2] = this.betas;
    this.begun = {
      beta1,
      beta2,
      eps: this.eps,
      negStepSize: -lr / (1 - beta1 ** this.t),
      biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** this.t),
      decayFactors: this.weightDecays.map((wd) => 1 - lr * wd),
    };
    return adamwStepUniforms(this.begun);
  }

  /** Launches the update of the step `beginStep` counted (see `step` for the arguments). */
  launchStep(clipCoef?: Tensor, skipIf?: Tensor): void {
    const scalars = this.begun;
    if (!scalars) throw new Error('AdamW.launchStep: no step begun; call beginStep(lr) first');
    this.checkStepInputs(clipCoef, skipIf);
    this.begun = null;
    // Only the uniforms change from step to step: one memoized launch (at lr 0, step 1) with this step's values.
    const atRest = { ...scalars, negStepSize: 0, biasCorrection2Sqrt: 1, decayFactors: scalars.decayFactors.map(() => 1) };
    for (const g of this.groups) {
      const slots: AdamWSlot[] = g.params.map((p, k) => ({ size: p.numel, offset: g.offsets[k], decayIndex: g.decayIndices[k] }));
      const launch = withUniforms(adamwStep(slots, atRest), adamwUniforms(slots, scalars));
      launchOn(launch, ...g.params.flatMap((p) => [p, p.grad!]), g.m, g.v, clipCoef ?? this.one, skipIf ?? this.never);
    }
  }

  private checkStepInputs(clipCoef?: Tensor, skipIf?: Tensor): void {
    if (clipCoef && clipCoef.numel !== 1)
      throw new Error(`AdamW.step: clipCoef must have one element, got ${clipCoef.name} ${shapeStr(clipCoef.shape)}`);
    if (skipIf && (skipIf.numel !== 1 || skipIf.dtype !== 'i32'))
      throw new Error(`AdamW.step: skipIf must be one i32 element, got ${skipIf.name} ${skipIf.dtype} ${shapeStr(skipIf.shape)}`);
    for (const p of this.params) {
      if (!p.grad) throw new Error(`AdamW.step: parameter ${p.name} has no gradient; run backward() before step()`);
    }
  }

  /** Takes back the count of the last step, which the GPU skipped (see `step`'s skipIf). */
  uncountStep(): void {
    if (this.t === 0) throw new Error('AdamW.uncountStep: no step has been taken');
    this.t--;
  }

  /** The step count and copies of the moments, per parameter (for checkpoints). */
  async state(): Promise<AdamWState> {
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (const g of this.groups) {
      const [mAll, vAll] = await Promise.all([g.m.toFloat32(), g.v.toFloat32()]);
      g.params.forEach((p, k) => {
        m.push(mAll.slice(g.offsets[k], g.offsets[k] + p.numel));
        v.push(vAll.slice(g.offsets[k], g.offsets[k] + p.numel));
      });
    }
    return { step: this.t, m, v };
  }

  /** Restores what `state()` returned (for the same parameters, in the same order). */
  loadState(state: AdamWState): void {
    checkNumber(state.step, 'state.step', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
    for (const key of ['m', 'v'] as const) {
      if (state[key].length !== this.params.length) {
        throw new Error(
          `AdamW.loadState: state.${key} has ${state[key].length} tensors, the optimizer has ${this.params.length} parameters`,
        );
      }
    }
    this.params.forEach((p, i) => {
      for (const key of ['m', 'v'] as const) {
        if (state[key][i].length !== p.numel) {
          throw new Error(
            `AdamW.loadState: state.${key}[${i}] has ${state[key][i].length} values, parameter ${p.name} ${shapeStr(p.shape)} has ${p.numel}`,
          );
        }
      }
    });
    let index = 0;
    for (const g of this.groups) {
      const mAll = new Float32Array(g.m.numel);
      const vAll = new Float32Array(g.v.numel);
      g.offsets.forEach((offset) => {
        mAll.set(state.m[index], offset);
        vAll.set(state.v[index], offset);
        index++;
      });
      g.m.write(mAll);
      g.v.write(vAll);
    }
    this.t = state.step;
  }

  /** Frees the optimizer's GPU memory; the optimizer cannot be used afterwards. */
  release(): void {
    for (const g of this.groups) {
      g.m.release();
      g.v.release();
    }
    this.one.release();
    this.never.release();
  }
}
