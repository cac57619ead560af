// The host side of a training step (`npm run bench -- --only host`): what it costs to record and
// submit the work, apart from running it. A DistilBERT with the benchmark's layer count (6, as
// DistilBERT-base) at tiny dims does negligible arithmetic, so what remains is the cost of
// launching: launches and submits per step, host milliseconds to record and submit one step
// (from the step's first op to the return of its submit, with the GPU idle, in wall time and in
// this process's CPU time), microseconds per launch, and ms per step when steps run back to back
// (wall, and the CPU time of every thread, lavapipe's kernels included). Both ways of running a
// step are measured: the op code every step, and a recording replayed (engine/replay.ts), which is
// how the trainer runs it. PyTorch eager runs the same model, batch and optimizer beside it when
// /usr/bin/python3 has torch (bench/host_torch.py, a child process): a sample of its steps right
// after each of ours, so that the ratio compares the same moment of a machine whose speed drifts.
// Separately, full-size DistilBERT (the benchmark's dims) at batch 8 × 128 records one step
// without executing it, to report the memory pool's peak.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StepReplay, dispatchStats, flush, pool, synchronize } from '../engine/index.ts';
import { withoutExecution } from '../engine/gpu/dispatch.ts';
import type { BenchOptions } from './options.ts';
import { ProfiledModel } from './profile.ts';
import { stats, type Stats } from '../tune/timing.ts';

/** The tiny dims of the launch-bound step (the layer count and vocabulary are the benchmark's). */
export const HOST_SHAPE = { dim: 32, hidden: 64, heads: 2, batch: 4, seq: 16 };
/** The full-size step whose memory is reported. */
export const MEMORY_SHAPE = { batch: 8, seq: 128 };
/** Steps recorded back to back per sample, as the trainer records them. */
const STEPS_PER_SAMPLE = 10;

/** One way of running the step: its host cost with the GPU idle, and its pace back to back. */
export interface HostRun {
  /** Host time to record and submit one step, with the GPU idle: wall clock and this process's CPU time. */
  recordMs: Stats;
  recordCpuMs: Stats;
  /** Recording wall time per launch (CPU time also counts lavapipe's threads once the submit starts them). */
  usPerLaunch: number;
  /** Per step over STEPS_PER_SAMPLE steps run back to back, GPU included: wall, and CPU of every thread (lavapipe's too). */
  stepMs: Stats;
  stepCpuMs: Stats;
  /** Each sample's ms per step over PyTorch's in the sample taken right after it (wall, CPU); absent without torch. */
  vsTorch?: { wall: Stats; cpu: Stats };
}

export interface HostProfile {
  model: { layers: number; dim: number; hidden: number; heads: number; vocab: number; batch: number; seq: number };
  launches: number;
  submits: number;
  /** The op code runs every step (autograd, tensors, kernel choice, cached pipelines and bind groups). */
  eager: HostRun;
  /** The step recorded once and replayed (engine/replay.ts), as the trainer runs it. */
  replay: HostRun;
  /** PyTorch eager on the CPU, same model and batch, AdamW + clip. */
  torch: { stepMs: Stats; stepCpuMs: Stats; threads: number } | { unavailable: string };
  memory: { layers: number; dim: number; batch: number; seq: number; peakBytes: number; heldBytes: number };
}

/** CPU time this process has used, every thread, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Times `step`: recording plus submit with the GPU idle, then samples of steps back to back, each
 * followed by a sample of PyTorch's (when `torch` runs); its launches and submits per step.
 */
async function timeSteps(
  step: () => void,
  o: BenchOptions,
  torch: TorchSteps | null,
): Promise<{ run: HostRun; launches: number; submits: number; torchSamples: TorchSample[] }> {
  const perStep = { launches: 0, submits: 0 };
  const record = { wall: [] as number[], cpu: [] as number[] };
  const steps = { wall: [] as number[], cpu: [] as number[] };
  const torchSamples: TorchSample[] = [];
  for (let i = 0; i < o.warmup + 2; i++) step();
  for (let r = 0; r < STEPS_PER_SAMPLE; r++) {
    await synchronize();
    const before = { ...dispatchStats };
    const [t0, c0] = [performance.now(), cpuMs()];
    step();
    flush();
    record.wall.push(performance.now() - t0);
    record.cpu.push(cpuMs() - c0);
    perStep.launches = dispatchStats.dispatches - before.dispatches;
    perStep.submits = dispatchStats.submits - before.submits;
  }
  for (let r = 0; r < o.repeats; r++) {
    await synchronize();
    const [t0, c0] = [performance.now(), cpuMs()];
    for (let s = 0; s < STEPS_PER_SAMPLE; s++) {
      step();
      flush();
    }
    await synchronize();
    steps.wall.push((performance.now() - t0) / STEPS_PER_SAMPLE);
    steps.cpu.push((cpuMs() - c0) / STEPS_PER_SAMPLE);
    if (torch) torchSamples.push(await torch.sample());
  }
  const recordMs = stats(record.wall);
  const vsTorch = torchSamples.length
    ? {
        wall: stats(torchSamples.map((t, i) => steps.wall[i] / t.ms)),
        cpu: stats(torchSamples.map((t, i) => steps.cpu[i] / t.cpuMs)),
      }
    : undefined;
  return {
    ...perStep,
    torchSamples,
    run: {
      recordMs,
      recordCpuMs: stats(record.cpu),
      usPerLaunch: (1000 * recordMs.median) / perStep.launches,
      stepMs: stats(steps.wall),
      stepCpuMs: stats(steps.cpu),
      vsTorch,
    },
  };
}

export async function profileHost(o: BenchOptions, log: (line: string) => void): Promise<HostProfile> {
  const shape = { ...o, ...HOST_SHAPE };
  log('host: timing a tiny step with the op code, then replayed, each beside a PyTorch step where torch runs');
  const torch = await TorchSteps.start(shape);
  const model = new ProfiledModel(shape);
  const replay = new StepReplay();
  let eager: Awaited<ReturnType<typeof timeSteps>>;
  let replayed: Awaited<ReturnType<typeof timeSteps>>;
  try {
    const running = torch instanceof TorchSteps ? torch : null;
    eager = await timeSteps(() => model.step(), o, running);
    replayed = await timeSteps(() => model.step(replay), o, running);
  } finally {
    if (torch instanceof TorchSteps) torch.close();
    replay.release();
    model.release();
    await synchronize();
  }
  const torchSamples = [...eager.torchSamples, ...replayed.torchSamples];
  const { launches, submits } = eager;
  if (replayed.launches !== launches || replayed.submits !== submits) {
    throw new Error(
      `a replayed step made ${replayed.launches} launches in ${replayed.submits} submits, the op code ${launches} in ${submits}`,
    );
  }
  return {
    model: {
      layers: o.layers,
      dim: shape.dim,
      hidden: shape.hidden,
      heads: shape.heads,
      vocab: o.vocab,
      batch: shape.batch,
      seq: shape.seq,
    },
    launches,
    submits,
    eager: eager.run,
    replay: replayed.run,
    torch:
      torch instanceof TorchSteps
        ? { stepMs: stats(torchSamples.map((t) => t.ms)), stepCpuMs: stats(torchSamples.map((t) => t.cpuMs)), threads: torch.threads }
        : torch,
    memory: await stepMemory({ ...o, ...MEMORY_SHAPE }),
  };
}

/** The pool's peak and held bytes over one training step, recorded without executing it. */
export async function stepMemory(o: BenchOptions): Promise<HostProfile['memory']> {
  pool.trim();
  const heldBefore = pool.allocatedBytes;
  const inUseBefore = pool.inUseBytes;
  pool.resetPeak();
  // Parameters, their gradients and AdamW's moments count, as they do on the device.
  const model = new ProfiledModel(o, { zeros: true });
  try {
    withoutExecution(() => model.step());
    return {
      layers: o.layers,
      dim: o.dim,
      batch: o.batch,
      seq: o.seq,
      peakBytes: pool.peakBytes - inUseBefore,
      heldBytes: pool.allocatedBytes - heldBefore,
    };
  } finally {
    model.release();
    await synchronize();
    pool.trim();
  }
}

const TORCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'host_torch.py');

interface TorchSample {
  ms: number;
  cpuMs: number;
}

/** bench/host_torch.py in a child process, taking samples of PyTorch's step when asked. */
class TorchSteps {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly threads: number,
    private readonly lines: AsyncIterator<string>,
  ) {}

  /** Starts the script (model built, warmed up), or says why it could not run. */
  static async start(o: BenchOptions): Promise<TorchSteps | { unavailable: string }> {
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const flags = { layers: o.layers, dim: o.dim, hidden: o.hidden, heads: o.heads, vocab: o.vocab, batch: o.batch, seq: o.seq };
    const args = Object.entries({ ...flags, classes: o.classes, steps: STEPS_PER_SAMPLE }).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const child = spawn(python, [TORCH_SCRIPT, ...args]);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (err) => {
      stderr += String(err);
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      await new Promise((resolve) => (child.exitCode === null ? child.on('close', resolve) : resolve(null)));
      const why = /No module named 'torch'/.test(stderr) ? `no torch for ${python}` : stderr.trim().split('\n').pop() || 'it exited';
      return { unavailable: why };
    }
    return new TorchSteps(child, (JSON.parse(first.value) as { threads: number }).threads, lines);
  }

  /** PyTorch's ms per step (wall and CPU) over STEPS_PER_SAMPLE steps, taken now. */
  async sample(): Promise<TorchSample> {
    this.child.stdin.write('sample\n');
    const line = await this.lines.next();
    if (line.done) throw new Error('bench/host_torch.py stopped before its sample');
    return JSON.parse(line.value) as TorchSample;
  }

  close(): void {
    this.child.stdin.end();
  }
}
