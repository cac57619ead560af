// The training loss, read back without stalling the GPU. Micro-batch losses add up on the GPU;
// every LOG_EVERY optimizer steps of an epoch, and at its last step, a window closes: the sum and
// the last step's gradient norm are copied out and the sum reset, and the copy is awaited one
// window later, so the GPU always has the next steps queued. A window's loss is that sum per
// optimizer step, as the Trainer logs it. A loss that is not finite stops training (NonFiniteLoss).
import { Tensor, accumulateInto, copyInto, fillLike, readLater } from '../engine/index.ts';

/** Steps between loss readbacks. */
const LOG_EVERY = 10;

export class NonFiniteLoss extends Error {}

interface Window {
  steps: number;
  lastStep: number;
  /** Reads the window's loss sum, last gradient norm and the optimizer's step count, copied out when it closed. */
  read: () => Promise<(Float32Array | Int32Array)[]>;
}

/** What the progress display and metrics get as each window's loss arrives. */
export interface WindowReport {
  lastStep: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  /** Steps read and seconds since the epoch began in this process: throughput over the epoch so far. */
  epochSteps: number;
  epochSeconds: number;
}

/**
 * Where an epoch's windows stand after a step, for a checkpoint taken in the middle of an epoch:
 * the open window's loss sum (an f32 value) and steps, the steps taken this epoch, and the loss
 * sum and steps of its windows read so far.
 */
export interface LossWindowsState {
  windowLossSum: number;
  windowSteps: number;
  stepsTaken: number;
  epochLossSum: number;
  epochSteps: number;
}

export class LossWindows {
  private readonly sum = new Tensor([], 'f32', { persistent: true, name: 'loss_window_sum' });
  /** The gradient norm of the last optimizer step. */
  private readonly norm = new Tensor([1], 'f32', { persistent: true, name: 'last_grad_norm' });
  private pending: Window[] = [];
  private stepsInWindow = 0;
  /** Optimizer steps of this epoch: all of them, and those taken. */
  private stepsThisEpoch = 0;
  private stepsTaken = 0;
  /** The loss sum and steps of the epoch's windows read so far, for its mean training loss. */
  private epochLossSum = 0;
  private epochSteps = 0;
  /** Windows read since the epoch's clock started, for its throughput. */
  private timedSteps = 0;
  private epochStart = performance.now();

  /**
   * `optimizerSteps`: AdamW's step count on the device, read with each window, and `rateAt` the
   * learning rate after that many steps: a window reports the rate of its last update.
   */
  constructor(
    private readonly optimizerSteps: Tensor,
    private readonly rateAt: (steps: number) => number,
    private readonly onWindow: (report: WindowReport) => void,
  ) {
    fillLike(this.sum, 0);
  }

  /**
   * Starts an epoch of `steps` optimizer steps: its windows, loss mean and clock (evaluation and
   * checkpoints are not training time); or, from a checkpoint taken within it, continues it.
   */
  startEpoch(steps: number, from?: LossWindowsState): void {
    this.stepsThisEpoch = steps;
    this.stepsTaken = from?.stepsTaken ?? 0;
    this.stepsInWindow = from?.windowSteps ?? 0;
    this.epochLossSum = from?.epochLossSum ?? 0;
    this.epochSteps = from?.epochSteps ?? 0;
    fillLike(this.sum, from?.windowLossSum ?? 0);
    // The open window's steps taken before the checkpoint are not timed here.
    this.timedSteps = -this.stepsInWindow;
    this.epochStart = performance.now();
  }

  /** Called inside each micro-batch's scope with its loss, as divided for accumulation. */
  addLoss(loss: Tensor): void {
    accumulateInto(this.sum, loss);
  }

  /** Called inside an optimizer step with its gradient norm, which a window reports when it closes. */
  keepNorm(norm: Tensor): void {
    copyInto(this.norm, norm);
  }

  /** Called after each optimizer step, `step` (0-based); awaits the window before last when one closes. */
  endStep(step: number): Promise<void> | undefined {
    this.stepsInWindow++;
    this.stepsTaken++;
    if (this.stepsTaken % LOG_EVERY !== 0 && this.stepsTaken !== this.stepsThisEpoch) return undefined;
    // Copied out now, in the step's submit; read (mapped) only one window later, when the GPU is done.
    this.pending.push({ steps: this.stepsInWindow, lastStep: step, read: readLater([this.sum, this.norm, this.optimizerSteps]) });
    fillLike(this.sum, 0);
    this.stepsInWindow = 0;
    return this.pending.length > 1 ? this.settle(1) : undefined;
  }

  /** Awaits all windows but the newest `keep`, checking each loss. */
  private async settle(keep: number): Promise<void> {
    while (this.pending.length > keep) {
      const w = this.pending.shift()!;
      const [[lossSum], [norm], [optimizerSteps]] = await w.read();
      const loss = lossSum / w.steps;
      if (!Number.isFinite(loss))
        throw new NonFiniteLoss(`the training loss became ${loss} in steps ${w.lastStep - w.steps + 2}..${w.lastStep + 1}`);
      this.epochLossSum += lossSum;
      this.epochSteps += w.steps;
      this.timedSteps += w.steps;
      this.onWindow({
        lastStep: w.lastStep,
        loss,
        gradNorm: norm,
        learningRate: this.rateAt(Math.max(optimizerSteps - 1, 0)),
        epochSteps: this.timedSteps,
        epochSeconds: (performance.now() - this.epochStart) / 1000,
      });
    }
  }

  /** Reads every closed window, and where the open one stands (for a checkpoint within the epoch). */
  async state(): Promise<LossWindowsState> {
    await this.settle(0);
    const [windowLossSum] = await this.sum.toFloat32();
    const { stepsInWindow: windowSteps, stepsTaken, epochLossSum, epochSteps } = this;
    return { windowLossSum, windowSteps, stepsTaken, epochLossSum, epochSteps };
  }

  /** Waits for every window of the epoch; its mean training loss, and the steps and seconds timed. */
  async endEpoch(): Promise<{ loss: number; steps: number; seconds: number }> {
    await this.settle(0);
    return { loss: this.epochLossSum / this.epochSteps, steps: this.timedSteps, seconds: (performance.now() - this.epochStart) / 1000 };
  }

  release(): void {
    this.sum.release();
    this.norm.release();
  }
}
