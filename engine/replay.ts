// Dispatch replay: a training step recorded once and replayed while its shapes stay the same, as
// CUDA graphs do for PyTorch.
//
// Why. Once pipelines and bind groups are cached (dispatch.ts), what a launch still costs the host
// is the op code that decides it: the autograd graph, new tensors, kernel choice, uniforms. Tens of
// microseconds, and a small model's step is nothing but launches. A replay skips all of it: it
// appends the recorded commands again (dispatch.ts's `Recording`), a few microseconds a launch.
//
// What may differ from one replay to the next is data, never a launch: the step's inputs, tensors
// whose contents change every step (the batch, and the dropout step that picks the masks' random
// streams). The replay owns a persistent tensor per input, which the recorded step read; each
// replay first copies the new data there, then appends the recorded commands. Whatever else
// changes from step to step lives on the device and changes there, as with torch's
// Adam(capturable=True) and tinygrad's TinyJit: AdamW's step count and the scalars that follow it
// (engine/optim/adamw.ts), the GradScaler's loss scale (engine/optim/grad_scaler.ts). No uniform
// is patched: a replay launches exactly what was recorded, on the same tensors, with the same
// uniforms. So the step may not upload or read back (dispatch.ts refuses), may not bind tensors
// of its caller's scope (only persistent ones and its inputs: checked), and must leave its results
// in persistent tensors (parameters, optimizer moments, a loss accumulator): nothing it makes may
// outlive it (checked). JavaScript state the step would have changed does not change on a replay.
//
// Memory. A step's temporaries go back to the pool when its scope ends, but the recording keeps
// using their buffers; so the replay takes them out of the pool (`pool.claim`) into its arena. The
// recordings of one StepReplay share the arena: while one is recorded, the arena is lent back to
// the pool, as replays never overlap (the GPU runs them in queue order) and no temporaries live
// from one to the next. Replay then holds about one step's temporaries, however many shapes.
//
// ENGINE_REPLAY=0 turns replay off for the trainer (every step then runs its op code), and with
// ENGINE_DEBUG=1 a replay prints one line where the op code would have printed every launch.
import { setting } from './env.ts';
import { debugLevel } from './gpu/debug.ts';
import { type Recording, record } from './gpu/dispatch.ts';
import { observeTensors } from './autograd/launch_on.ts';
import { beginScope, pool } from './gpu/memory.ts';
import { copyInto } from './ops/elementwise.ts';
import { Tensor, sameShape, shapeStr } from './autograd/tensor.ts';

/** Whether trainers should replay their steps (ENGINE_REPLAY, default 1). */
export const replayEnabled = () => setting('ENGINE_REPLAY') === '1';

interface Recorded {
  recording: Recording;
  inputs: Tensor[];
}

/** Recorded steps by key (e.g. the batch's shape), replayed when the key comes back. */
export class StepReplay {
  private readonly recorded = new Map<string, Recorded>();
  private readonly arena = new Set<GPUBuffer>();

  /**
   * `maxRecordings`: recordings kept; past it the least recently used one is dropped. A recording
   * holds a bind group and a 256-byte uniform slot per launch (its temporaries are the shared
   * arena's), and a batch padded to its longest sentence comes in as many shapes as lengths.
   */
  constructor(readonly maxRecordings = 64) {}

  /**
   * Runs `step` on persistent copies of `inputs`, recording it, the first time `key` is seen, and
   * replays that recording on the new inputs when it comes back. Returns whether this call
   * recorded or replayed.
   */
  run(key: string, inputs: readonly Tensor[], step: (inputs: readonly Tensor[]) => void): 'recorded' | 'replayed' {
    const found = this.recorded.get(key);
    if (!found) {
      this.record(key, inputs, step);
      return 'recorded';
    }
    // Most recently used last: Map keeps insertion order.
    this.recorded.delete(key);
    this.recorded.set(key, found);
    this.replay(key, found, inputs);
    return 'replayed';
  }

  private record(key: string, inputs: readonly Tensor[], step: (inputs: readonly Tensor[]) => void): void {
    if (this.recorded.size >= this.maxRecordings) this.drop(this.recorded.keys().next().value!);
    const ownInputs = inputs.map((t, i) => new Tensor(t.shape, t.dtype, { persistent: true, name: `replay.${key}.input${i}` }));
    inputs.forEach((t, i) => copyInto(ownInputs[i], t));
    const lent = [...this.arena];
    for (const b of lent) pool.release(b);
    this.arena.clear();
    const inUseBefore = pool.inUseBytes;
    const bound = new Set<Tensor>();
    observeTensors((tensors) => {
      for (const t of tensors) bound.add(t.viewOf ?? t);
    });
    let recording: Recording | undefined;
    try {
      recording = record(() => {
        const scope = beginScope();
        try {
          step(ownInputs);
        } finally {
          scope.end();
        }
      });
      const foreign = [...bound].find((t) => !t.persistent && !t.released);
      if (foreign) {
        throw new Error(
          `replay ${key}: the step bound ${foreign.name} ${shapeStr(foreign.shape)}, which is neither persistent nor one of its inputs`,
        );
      }
      const leftBytes = pool.inUseBytes - inUseBefore;
      if (leftBytes !== 0)
        throw new Error(`replay ${key}: the step left ${leftBytes} bytes of tensors alive; its results must go to persistent tensors`);
      // Back into the arena: what this step used, and what it was lent (the other recordings' buffers).
      for (const b of [...lent, ...recording.buffers]) if (pool.claim(b)) this.arena.add(b);
      this.recorded.set(key, { recording, inputs: ownInputs });
    } catch (error) {
      recording?.release();
      for (const t of ownInputs) t.release();
      // The other recordings' buffers were lent to the failed step, which may have kept some.
      for (const other of [...this.recorded.keys()]) this.drop(other);
      throw error;
    } finally {
      observeTensors(null);
    }
  }

  private replay(key: string, r: Recorded, inputs: readonly Tensor[]): void {
    if (
      inputs.length !== r.inputs.length ||
      inputs.some((t, i) => t.dtype !== r.inputs[i].dtype || !sameShape(t.shape, r.inputs[i].shape))
    ) {
      const shapes = (ts: readonly Tensor[]) => ts.map((t) => `${t.dtype}${shapeStr(t.shape)}`).join(', ');
      throw new Error(`replay ${key}: recorded with inputs ${shapes(r.inputs)}, given ${shapes(inputs)}`);
    }
    inputs.forEach((t, i) => copyInto(r.inputs[i], t));
    r.recording.replay();
    if (debugLevel() >= 1) console.error(`[engine] replay ${key}: ${r.recording.launches} launches`);
  }

  private drop(key: string): void {
    const r = this.recorded.get(key)!;
    r.recording.release();
    for (const t of r.inputs) t.release();
    this.recorded.delete(key);
  }

  /** Drops every recording and gives the arena back to the pool. */
  release(): void {
    for (const key of [...this.recorded.keys()]) this.drop(key);
    for (const b of this.arena) pool.release(b);
    this.arena.clear();
  }
}
