// What a training run shows while it runs, on stderr.
//
// On a terminal: the run's messages, and under them one status line redrawn after every step:
//   epoch 0.35 |██████░░░░░░░░░░░░░░| 7/20 steps | loss 0.6931 | 52.1 samples/s | eta 1m12s
// In a log or a pipe: the messages, and the status as a line of its own when the first estimate of
// the time left is known, then about every 30 s.
//
// The epoch is the fractional epoch the model card and metrics.jsonl give (the Trainer's
// state.epoch). The time left comes from the GPU's pace, measured from the end of the first step
// of this process (which compiles most kernels): the GPU is waited for after steps 1 and 3 of a
// process, which gives a first estimate, then each loss window read confirms the steps before it.
// Steps are counted when the loop has submitted them; the GPU runs up to two windows behind.
//
// Kernels compile once per kernel and shape, before they first run (engine/gpu/debug.ts): a step
// that brought new ones says so, so that a long first step on a CPU adapter is not a silent one.
import { compilingNotice, onCompile, synchronize } from '../engine/index.ts';

/** Seconds between status lines in a log. */
const LOG_SECONDS = 30;
/** This process's steps after which the GPU is waited for, to time them: the pace's first two points. */
const TIMED_STEPS = [1, 3];
const BAR_WIDTH = 20;

/** Where the progress goes (stderr): a terminal gets a status line redrawn in place. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** A step count confirmed done on the GPU, and when. */
interface PacePoint {
  step: number;
  time: number;
}

export class Progress {
  private readonly terminal: boolean;
  private readonly out: ProgressOutput;
  /** The clock, in milliseconds. */
  private readonly now: () => number;
  private readonly startStep: number;
  private step: number;
  private loss?: number;
  private samplesPerSecond?: number;
  private firstPoint?: PacePoint;
  private lastPoint?: PacePoint;
  private lastLine: number;
  private newKernels = 0;
  private noticedCompile = false;
  private readonly stopListening: () => void;

  constructor(
    private readonly totalSteps: number,
    stepsDone: number,
    private readonly epochAt: (step: number) => number,
    { out = process.stderr, now = () => performance.now() }: { out?: ProgressOutput; now?: () => number } = {},
  ) {
    [this.out, this.now, this.terminal] = [out, now, out.isTTY === true];
    this.lastLine = now();
    this.startStep = stepsDone;
    this.step = stepsDone;
    this.stopListening = onCompile(() => this.newKernels++);
  }

  /** A message line (above the status line on a terminal). */
  say(line: string): void {
    if (this.terminal) this.out.write(`\r\x1b[K${line}\n${this.status()}`);
    else this.out.write(`${line}\n`);
  }

  /** The loop has submitted optimizer step `step` (1-based): the status, after this process's first steps timed. */
  async stepDone(step: number): Promise<void> {
    this.step = step;
    if (this.newKernels > 0 && !this.noticedCompile) {
      this.noticedCompile = true;
      this.say(compilingNotice(this.newKernels, step === this.startStep + 1 ? 'the first step' : `step ${step}`));
      this.newKernels = 0;
    }
    if (TIMED_STEPS.includes(step - this.startStep)) {
      await synchronize();
      this.confirm(step);
    }
    this.show();
  }

  /** A loss window has been read: the GPU is done with steps up to `steps`. */
  window(steps: number, loss: number, samplesPerSecond: number): void {
    this.loss = loss;
    this.samplesPerSecond = samplesPerSecond;
    this.confirm(steps);
    this.show();
  }

  stop(): void {
    this.stopListening();
    if (this.terminal) this.out.write('\r\x1b[K');
  }

  private confirm(step: number): void {
    const point = { step, time: this.now() };
    this.firstPoint ??= point;
    const hadEstimate = this.secondsLeft() !== undefined;
    this.lastPoint = point;
    // In a log, the first estimate gets a line at once.
    if (!hadEstimate && this.secondsLeft() !== undefined) this.lastLine = Number.NEGATIVE_INFINITY;
  }

  /** The time left, from the pace between the first and the last confirmed step; none before two. */
  private secondsLeft(): number | undefined {
    const [first, last] = [this.firstPoint, this.lastPoint];
    if (!first || !last || last.step <= first.step) return undefined;
    const secondsPerStep = (last.time - first.time) / 1000 / (last.step - first.step);
    const sinceLast = (this.now() - last.time) / 1000;
    return Math.max(0, (this.totalSteps - last.step) * secondsPerStep - sinceLast);
  }

  private show(): void {
    if (this.terminal) {
      this.out.write(`\r\x1b[K${this.status()}`);
      return;
    }
    if (this.now() - this.lastLine < LOG_SECONDS * 1000) return;
    this.lastLine = this.now();
    const kernels = this.newKernels > 0 ? ` (${this.newKernels} new kernels compiled since the last line)` : '';
    this.newKernels = 0;
    this.out.write(`step ${this.step}/${this.totalSteps} (epoch ${this.epochAt(this.step).toFixed(2)}): ${this.figures()}${kernels}\n`);
  }

  private status(): string {
    const done = Math.round((BAR_WIDTH * this.step) / this.totalSteps);
    const bar = `${'█'.repeat(done)}${'░'.repeat(BAR_WIDTH - done)}`;
    return `epoch ${this.epochAt(this.step).toFixed(2)} |${bar}| ${this.step}/${this.totalSteps} steps | ${this.figures().replaceAll(', ', ' | ')}`;
  }

  private figures(): string {
    const loss = this.loss === undefined ? '-' : this.loss.toFixed(4);
    const rate = this.samplesPerSecond === undefined ? '-' : this.samplesPerSecond.toFixed(1);
    const left = this.secondsLeft();
    return `loss ${loss}, ${rate} samples/s, eta ${left === undefined ? '-' : duration(left)}`;
  }
}

/** 75 -> "1m15s", 4000 -> "1h06m", 9 -> "9s". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
