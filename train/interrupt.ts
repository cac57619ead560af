// Ctrl-C during training. The first asks the loop to stop after the optimizer step in progress:
// it then writes a checkpoint and prints the command that continues the run (train/train.ts). A
// second stops the process at once; the last checkpoint written is whole (they are written
// atomically), so --resume continues from it.
//
// One Ctrl-C may arrive more than once: the terminal signals every process of its foreground
// group, and a parent that forwards the signal to its child sends it again (npm run does, where
// its shell execs the command: bash, macOS's /bin/sh). Signals within SAME_PRESS_MS of the first
// are that same press.
//
// Run the trainer through `npm run train` (node --import tsx) rather than the tsx command: tsx
// forwards Ctrl-C to its child and kills it with SIGKILL unless the child answers within 30 ms,
// which a trainer busy with a step does not.
const SAME_PRESS_MS = 500;

export type Press = 'first' | 'same' | 'second';

export class Interrupt {
  private firstAt?: number;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Whether a first Ctrl-C has come. */
  get requested(): boolean {
    return this.firstAt !== undefined;
  }

  /** What a SIGINT that has just come is. */
  press(): Press {
    const now = this.now();
    if (this.firstAt === undefined) {
      this.firstAt = now;
      return 'first';
    }
    return now - this.firstAt < SAME_PRESS_MS ? 'same' : 'second';
  }

  /**
   * Lets the event loop run (a signal is handled there, not while a step is recorded), then says
   * whether a first Ctrl-C has come.
   */
  async check(): Promise<boolean> {
    // An arrow, not `resolve` itself: on a CPU adapter the engine turns native callbacks given to
    // setImmediate into 1 ms timers (engine/gpu/device.ts, pollGently).
    await new Promise<void>((resolve) => setImmediate(() => resolve()));
    return this.requested;
  }
}

/**
 * Handles SIGINT while `work` runs: `onFirst` on the first press, `onSecond` on a second one (it
 * should end the process); then restores Node's default (exit at once).
 */
export async function withInterrupt<T>(
  interrupt: Interrupt,
  handlers: { onFirst: () => void; onSecond: () => void },
  work: () => Promise<T>,
): Promise<T> {
  const handle = () => {
    const press = interrupt.press();
    if (press === 'first') handlers.onFirst();
    else if (press === 'second') handlers.onSecond();
  };
  process.on('SIGINT', handle);
  try {
    return await work();
  } finally {
    process.off('SIGINT', handle);
  }
}
