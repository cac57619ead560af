// AdamW as torch.optim.AdamW (torch 1.13, single-tensor path), over every parameter in few launches.
//
// The optimizer keeps the first and second moments (zeros at the start) in persistent flat
// buffers: parameters are split into launch groups (as many tensors as one launch can bind, see
// kernels/multi_tensor.ts, and at most one storage binding's worth of elements), and each group's
// moments are packed into one m and one v buffer. A step is one small launch that begins it and
// one launch per group (DistilBERT's ~100 tensors: 18 groups with 16 storage buffers per stage).
//
// The step count and the scalars that change with it live on the device, in one small persistent
// tensor (`AdamWState` in kernels/adamw.ts), as with torch's Adam(capturable=True): so `step()`
// launches exactly the same work every time and a recorded training step replays without any
// value patched in (engine/replay.ts). The learning rate is a number or a schedule of the step
// count (torch's LambdaLR, optax's schedules): the rate, bias corrections and decay factors of
// every step are computed once, in float64 as torch computes them from Python floats, into a
// table the device indexes by its count. A step can be made conditional on a GPU flag
// (GradScaler's found-inf, grad_scaler.ts): the device then leaves everything as it was and does
// not count the step, so the next step's rate and bias corrections are torch's without the CPU
// ever reading the flag.
//
// Weight decay is per parameter group (torch-style `{ params, weightDecay }`), so a trainer can
// exempt biases and LayerNorm weights as the Hugging Face Trainer does. Gradient clipping can be
// fused into the step: pass the `clipCoef` of `gradNorm` (grad_clip.ts) and the kernel multiplies
// each gradient by it as it reads it, exactly as clip_grad_norm_ would have scaled it in place.
import { ADAMW_COST, ADAMW_STATE_WORDS, MAX_WEIGHT_DECAYS, scheduleTable, type AdamWHyper, type AdamWSlot } from '../../kernels/adamw.ts';
import { adamwBegin, adamwStep } from '../gpu/kernels.ts';
import { gpu } from '../gpu/device.ts';
import { fillLike } from '../ops/elementwise.ts';
import { assertDistinct, slotGroups } from './multi_tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, shapeStr } from '../autograd/tensor.ts';

export { clipGradNorm, gradNorm, gradNormTuning, type GradNorm } from './grad_clip.ts';

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimizer's weightDecay for these parameters. */
  weightDecay?: number;
}

/**
 * A learning rate per step, as a LambdaLR gives one: `at(s)` is the rate of the step taken after
 * s steps (0 for the first). It covers `steps` steps; from its last on, the last rate holds.
 */
export interface LearningRateSchedule {
  steps: number;
  at(step: number): number;
}

export interface AdamWOptions {
  /** A constant learning rate or a schedule of the step count; default 1e-3. */
  lr?: number | LearningRateSchedule;
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

/** Rows of the schedule table at most (kernels/adamw.ts: `scheduleTable`; default betas need about 17,000). */
const MAX_TABLE_STEPS = 1 << 18;

function checkNumber(value: number, what: string, ok: (x: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !ok(value)) throw new Error(`AdamW: ${what} must be ${expected}, got ${value}`);
  return value;
}

/** `lr` as a schedule, checked. */
function scheduleOf(lr: number | LearningRateSchedule): LearningRateSchedule {
  if (typeof lr === 'number') {
    checkNumber(lr, 'lr', (x) => x >= 0, 'a number >= 0');
    return { steps: 1, at: () => lr };
  }
  checkNumber(lr?.steps, 'lr.steps', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  return lr;
}

export class AdamW {
  /** Every parameter, in the order of `state()`. */
  readonly params: readonly Tensor[];
  readonly betas: readonly [number, number];
  readonly eps: number;
  /**
   * The step count on the device, i32 [1] (torch's state['step'] with capturable=True): steps
   * taken, not counting those a skip flag skipped.
   */
  readonly steps: Tensor;
  /** The distinct weight decays of the parameter groups. */
  private readonly weightDecays: number[];
  private readonly groups: LaunchGroup[];
  /** The step's scalars (`AdamWState` in kernels/adamw.ts); `steps` is its first word. */
  private readonly scalars: Tensor;
  /** Each step's scalars, [table steps, 2 + weight decays]: see kernels/adamw.ts. */
  private readonly schedule: Tensor;
  /** The clip coefficient used when none is given: gradients times exactly 1. */
  private readonly one: Tensor;
  /** The skip flag used when none is given: 0, never skip. */
  private readonly never: Tensor;

  constructor(params: Tensor[] | ParamGroup[], opts: AdamWOptions = {}) {
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
    this.scalars = Tensor.fromArray(new Int32Array(ADAMW_STATE_WORDS), [ADAMW_STATE_WORDS], 'i32', {
      persistent: true,
      name: 'adamw.state',
    });
    this.steps = new Tensor([1], 'i32', { viewOf: this.scalars, persistent: true, name: 'adamw.steps' });
    this.schedule = this.scheduleTable(scheduleOf(opts.lr ?? 1e-3));
    this.one = new Tensor([1], 'f32', { persistent: true, name: 'adamw.one' });
    fillLike(this.one, 1);
    this.never = Tensor.fromArray([0], [1], 'i32', { persistent: true, name: 'adamw.never' });
  }

  /** The schedule table of kernels/adamw.ts (`scheduleTable`) for `lr`, checking each rate. */
  private scheduleTable(lr: LearningRateSchedule): Tensor {
    const [beta1, beta2] = this.betas;
    const rateAt = (step: number) => checkNumber(lr.at(step), `lr.at(${step})`, (x) => x >= 0, 'a number >= 0');
    const table = scheduleTable(rateAt, lr.steps, { beta1, beta2, eps: this.eps }, this.weightDecays, MAX_TABLE_STEPS);
    const words = 2 + this.weightDecays.length;
    return Tensor.fromArray(table, [table.length / words, words], 'f32', { persistent: true, name: 'adamw.schedule' });
  }

  /**
   * One AdamW update of every parameter from its `.grad`. `clipCoef` ([1], e.g. `gradNorm(params,
   * max).clipCoef`) scales the gradients first. With `skipIf` ([1] i32), the GPU leaves the
   * parameters, the moments and the step count as they are where it holds a nonzero value.
   */
  step(clipCoef?: Tensor, skipIf?: Tensor): void {
    if (clipCoef && clipCoef.numel !== 1)
      throw new Error(`AdamW.step: clipCoef must have one element, got ${clipCoef.name} ${shapeStr(clipCoef.shape)}`);
    if (skipIf && (skipIf.numel !== 1 || skipIf.dtype !== 'i32'))
      throw new Error(`AdamW.step: skipIf must be one i32 element, got ${skipIf.name} ${skipIf.dtype} ${shapeStr(skipIf.shape)}`);
    for (const p of this.params) {
      if (!p.grad) throw new Error(`AdamW.step: parameter ${p.name} has no gradient; run backward() before step()`);
    }
    const [steps, rowWords] = this.schedule.shape;
    launchOn(adamwBegin(steps, rowWords), this.scalars, this.schedule, clipCoef ?? this.one, skipIf ?? this.never);
    const [beta1, beta2] = this.betas;
    const hyper: AdamWHyper = { beta1, beta2, eps: this.eps };
    for (const g of this.groups) {
      const slots: AdamWSlot[] = g.params.map((p, k) => ({ size: p.numel, offset: g.offsets[k], decayIndex: g.decayIndices[k] }));
      launchOn(adamwStep(slots, hyper), ...g.params.flatMap((p) => [p, p.grad!]), g.m, g.v, this.scalars);
    }
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
    return { step: await this.steps.item(), m, v };
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
    this.steps.write([state.step]);
  }

  /** Frees the optimizer's GPU memory; the optimizer cannot be used afterwards. */
  release(): void {
    for (const g of this.groups) {
      g.m.release();
      g.v.release();
    }
    for (const t of [this.scalars, this.schedule, this.one, this.never]) t.release();
  }
}
