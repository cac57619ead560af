// torch.cuda.amp.GradScaler for mixed-precision training (autocast.ts), with its defaults: scale
// 65536, doubled after 2000 steps without inf/NaN gradients, halved (and the step skipped) on one.
//
// A step, as in torch: `backward(loss, scaler.scale)` seeds the backward with the scale, i.e.
// differentiates scale · loss, so that small gradients survive their f16 casts; `unscale(params)`
// divides the gradients by the scale in place and flags inf/NaN (then clip the gradients as
// usual); `step(optimizer)` runs AdamW's update conditional on that flag; `update()` updates the
// scale and clears the flag for the next step. All of it on the GPU, and none of it waits for the
// CPU: the scale, its growth tracker and the flag are device tensors, and AdamW keeps its step
// count on the device too, so a skipped step advances neither its count nor its learning-rate
// schedule without the CPU reading the flag (as the Trainer's optimizer_was_run would). The CPU
// learns how many steps were skipped when it asks (`skippedSteps()`), as it learns the loss: late,
// from a count the device keeps. A recorded step (engine/replay.ts) replays as it is.
import { UNSCALE_COST, type ScaleUpdate } from '../../kernels/grad_scaler.ts';
import { unscaleGradients, updateScale } from '../gpu/kernels.ts';
import type { AdamW } from './adamw.ts';
import { slotGroups } from './multi_tensor.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';

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
  /** i32 [2]: the growth tracker (clean steps since the scale last changed) and the steps skipped since construction. */
  private readonly counters: Tensor;
  /** [1], nonzero when the gradients unscaled since the last `update()` held inf or NaN. */
  readonly foundInf: Tensor;
  private readonly scaleUpdate: ScaleUpdate;

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
    this.scaleUpdate = { growthFactor, backoffFactor, growthInterval };
    this.scale = Tensor.fromArray([initScale], [], 'f32', { persistent: true, name: 'grad_scaler.scale' });
    this.counters = Tensor.fromArray([0, 0], [2], 'i32', { persistent: true, name: 'grad_scaler.counters' });
    this.foundInf = Tensor.fromArray([0], [1], 'i32', { persistent: true, name: 'grad_scaler.found_inf' });
  }

  /** Divides every gradient of `params` by the scale, in place, and sets `foundInf` if one held inf or NaN. */
  unscale(params: readonly Tensor[]): void {
    const grads = params.flatMap((p) => (p.grad ? [p.grad] : []));
    for (const group of slotGroups(grads, UNSCALE_COST)) {
      launchOn(unscaleGradients(group.map((g) => g.numel)), ...group, this.scale, this.foundInf);
    }
  }

  /** `optimizer.step(clipCoef)` unless the unscaled gradients held inf/NaN (torch's GradScaler.step). */
  step(optimizer: AdamW, clipCoef?: Tensor): void {
    optimizer.step(clipCoef, this.foundInf);
  }

  /** The scale update of torch's GradScaler.update, from the flag; it then clears the flag for the next step. */
  update(): void {
    launchOn(updateScale(this.scaleUpdate), this.scale, this.counters, this.foundInf);
  }

  /** Steps skipped for inf/NaN gradients since this scaler was made (read from the device). */
  async skippedSteps(): Promise<number> {
    return (await this.counters.toArray())[1];
  }

  /** The scale and growth tracker (for a checkpoint). */
  async state(): Promise<GradScalerState> {
    const [scale, [growthTracker]] = await Promise.all([this.scale.item(), this.counters.toArray()]);
    return { scale, growthTracker };
  }

  /** Restores what `state()` returned; the count of skipped steps starts again from 0. */
  loadState(state: GradScalerState): void {
    if (!(state.scale > 0) || !Number.isInteger(state.growthTracker) || state.growthTracker < 0) {
      throw new Error(`GradScaler.loadState: expected a positive scale and a growth tracker >= 0, got ${JSON.stringify(state)}`);
    }
    this.scale.write([state.scale]);
    this.counters.write([state.growthTracker, 0]);
  }

  release(): void {
    for (const t of [this.scale, this.counters, this.foundInf]) t.release();
  }
}
