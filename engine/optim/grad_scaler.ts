// torch.cuda.amp.GradScaler for mixed-precision training (autocast.ts), with its defaults: scale
// 65536, doubled after 2000 steps without inf/NaN gradients, halved (and the step skipped) on one.
//
// A step: `backward(loss, scaler.scale)` seeds the backward with the scale, i.e. differentiates
// scale · loss, so that small gradients survive their f16 casts; `unscale(params)` divides the
// gradients by the scale in place and flags inf/NaN (then clip the gradients as usual); `step`
// records AdamW's update conditional on that flag, and the scale update, all on the GPU.
//
// The CPU learns whether a step was skipped one step late: `step` copies the flag out, and
// `settle()` reads it, taking a skipped step back off AdamW's count. A trainer calls `settle()`
// before the next step's optimizer update is counted, so that its learning rate and bias
// corrections are torch's (the Trainer does not advance its schedule on a skipped step, and AdamW
// does not count it). train/train.ts settles before each step begins, as a replayed step
// (replay.ts) cannot wait partway, and splits `step` into AdamW's `beginStep`, this
// `launchStep` (recorded) and `watch`.
import { UNSCALE_COST, type ScaleUpdate } from '../../kernels/grad_scaler.ts';
import { unscaleGradients, updateScale } from '../gpu/kernels.ts';
import { fillLike } from '../ops/elementwise.ts';
import type { AdamW } from './adamw.ts';
import { slotGroups } from './multi_tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, readLater } from '../autograd/tensor.ts';

export interface GradScalerOptions extends Partial<ScaleUpdate> {
  initScale?: number;
}

/** What a checkpoint keeps: torch's GradScaler.state_dict() minus the constant factors. */
export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

export class GradScaler {
  /** The loss scale, shape [] (a loss's shape): the seed of `backward`. */
  readonly scale: Tensor;
  private readonly growthTracker: Tensor;
  /** [1], nonzero when the last unscaled gradients held inf or NaN. */
  readonly foundInf: Tensor;
  private readonly update: ScaleUpdate;
  /** The last step's optimizer and the readback of its found-inf flag, until `settle()`. */
  private pending: { optimizer: AdamW; readFoundInf: () => Promise<(Float32Array | Int32Array)[]> } | null = null;
  /** Steps skipped so far, as learnt by `settle()`. */
  skippedSteps = 0;

  constructor({ initScale = 65536, growthFactor = 2, backoffFactor = 0.5, growthInterval = 2000 }: GradScalerOptions = {}) {
    if (
      !(initScale > 0) ||
      !(growthFactor > 1) ||
      !(backoffFactor > 0 && backoffFactor < 1) ||
      !(Number.isInteger(growthInterval) && growthInterval > 0)
    ) {
      throw new Error(
        `GradScaler: needs initScale > 0, growthFactor > 1, backoffFactor in (0, 1) and an integer growthInterval > 0, got ${JSON.stringify({ initScale, growthFactor, backoffFactor, growthInterval })}`,
      );
    }
    this.update = { growthFactor, backoffFactor, growthInterval };
    this.scale = Tensor.fromArray([initScale], [], 'f32', { persistent: true, name: 'grad_scaler.scale' });
    this.growthTracker = Tensor.fromArray([0], [1], 'i32', { persistent: true, name: 'grad_scaler.growth_tracker' });
    this.foundInf = new Tensor([1], 'i32', { persistent: true, name: 'grad_scaler.found_inf' });
  }

  /** Divides every gradient of `params` by the scale, in place, and sets `foundInf` if one held inf or NaN. */
  unscale(params: readonly Tensor[]): void {
    fillLike(this.foundInf, 0);
    const grads = params.flatMap((p) => (p.grad ? [p.grad] : []));
    for (const group of slotGroups(grads, UNSCALE_COST)) {
      launchOn(unscaleGradients(group.map((g) => g.numel)), ...group, this.scale, this.foundInf);
    }
  }

  /**
   * `optimizer.step(lr, clipCoef)` unless the gradients held inf/NaN, then the scale update
   * (GradScaler.step and .update). Call `settle()` before the next step's update.
   */
  step(optimizer: AdamW, lr: number, clipCoef?: Tensor): void {
    if (this.pending) throw new Error('GradScaler.step: settle() the previous step first');
    optimizer.beginStep(lr);
    this.launchStep(optimizer, clipCoef);
    this.watch(optimizer);
  }

  /**
   * The launches of `step` for a step that `optimizer.beginStep` has counted: the update,
   * conditional on the flag, and the scale update. A replayed step (replay.ts) records these, and
   * its caller then calls `watch`.
   */
  launchStep(optimizer: AdamW, clipCoef?: Tensor): void {
    optimizer.launchStep(clipCoef, this.foundInf);
    launchOn(updateScale(this.update), this.scale, this.growthTracker, this.foundInf);
  }

  /** Copies out the flag of the step just launched, for `settle()` to read. */
  watch(optimizer: AdamW): void {
    if (this.pending) throw new Error('GradScaler: settle() the previous step first');
    this.pending = { optimizer, readFoundInf: readLater([this.foundInf]) };
  }

  /** Waits for the last step's found-inf flag; a skipped step is taken off its optimizer's count. Whether it was skipped. */
  async settle(): Promise<boolean> {
    if (!this.pending) return false;
    const { optimizer, readFoundInf } = this.pending;
    this.pending = null;
    const [[foundInf]] = await readFoundInf();
    const skipped = foundInf !== 0;
    if (skipped) {
      optimizer.uncountStep();
      this.skippedSteps++;
    }
    return skipped;
  }

  /** The scale and growth tracker (after `settle()`, for a checkpoint). */
  async state(): Promise<GradScalerState> {
    const [scale, growthTracker] = await Promise.all([this.scale.item(), this.growthTracker.item()]);
    return { scale, growthTracker };
  }

  loadState(state: GradScalerState): void {
    if (!(state.scale > 0) || !Number.isInteger(state.growthTracker) || state.growthTracker < 0) {
      throw new Error(`GradScaler.loadState: expected a positive scale and a growth tracker >= 0, got ${JSON.stringify(state)}`);
    }
    this.scale.write([state.scale]);
    this.growthTracker.write([state.growthTracker]);
  }

  release(): void {
    for (const t of [this.scale, this.growthTracker, this.foundInf]) t.release();
  }
}
