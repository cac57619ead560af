// What a training run shows while it runs, on stderr: on a terminal, a progress bar over the
// run's optimizer steps with the latest loss and throughput, and its messages printed above it;
// in a log or a pipe, the messages and a line every 100 steps.
import cliProgress from 'cli-progress';

export class Progress {
  private readonly bars?: cliProgress.MultiBar;
  private readonly bar?: cliProgress.SingleBar;

  constructor(
    private readonly totalSteps: number,
    stepsDone: number,
    epoch: number,
  ) {
    if (!process.stderr.isTTY) return;
    this.bars = new cliProgress.MultiBar(
      {
        stream: process.stderr,
        format: 'epoch {epoch} |{bar}| {value}/{total} steps | loss {loss} | {rate} samples/s | eta {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.bars.create(totalSteps, stepsDone, { epoch: epoch + 1, loss: '-', rate: '-' });
  }

  /** A message line. */
  say(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else console.error(line);
  }

  startEpoch(epoch: number): void {
    this.bar?.update({ epoch: epoch + 1 });
  }

  /** A loss window has been read: `steps` optimizer steps are done. */
  window(steps: number, loss: number, samplesPerSecond: number): void {
    this.bar?.update(steps, { loss: loss.toFixed(4), rate: samplesPerSecond.toFixed(1) });
    if (!this.bars && steps % 100 === 0) {
      console.error(`step ${steps}/${this.totalSteps}: loss ${loss.toFixed(4)}, ${samplesPerSecond.toFixed(1)} samples/s`);
    }
  }

  stop(): void {
    this.bars?.stop();
  }
}
