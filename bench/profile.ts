// Profile of one whole training step of DistilBERT at the benchmark's shapes, as train/train.ts
// runs it: forward with dropout, cross-entropy, backward, global gradient norm and clip, AdamW,
// zeroing the gradients. It gives the time per kernel (by launch name), per op category and per
// phase, the top kernels, and the share of the step spent outside kernels (encoding, validation,
// submission, waiting): the step's wall time minus the summed kernel time.
//
// Kernel times come from GPU timestamps around every launch when the adapter has them. Otherwise
// the step's launches are recorded (kernel and buffers) and replayed one at a time, each timed
// by wall clock around submit + onSubmittedWorkDone (see REPLAY_BATCH for how the fixed cost of
// a submission is taken out) on a copy of the bytes it saw in the step.
import {
  AdamW,
  type StepReplay,
  Tensor,
  backward,
  scoped,
  shapeStr,
  crossEntropy,
  dispatchStats,
  gpu,
  gradNorm,
  numel,
  synchronize,
  zeroGrad,
} from '../engine/index.ts';
import { commandEncoder, copyBuffer, launch, observeLaunches } from '../engine/gpu/dispatch.ts';
import type { KernelLaunch } from '../kernels/launch.ts';
import { DistilBertForSequenceClassification } from '../model/distilbert.ts';
import { initialValues } from '../model/init.ts';
import { benchConfig } from './config.ts';
import type { BenchOptions, ModelShape } from './options.ts';
import type { LaunchTime } from '../engine/gpu/timestamps.ts';
import { stats, type KernelTimer, type Stats } from '../tune/timing.ts';
import { noise } from '../tune/workload.ts';

const PHASES = ['forward', 'backward', 'optimizer'] as const;
type Phase = (typeof PHASES)[number];

/** Op categories by launch name, first match wins. */
const CATEGORIES: [string, RegExp][] = [
  ['matmul', /^matmul/],
  ['attention', /^attention/],
  ['layernorm', /^layernorm/],
  ['rmsnorm', /^rmsnorm/],
  ['softmax', /^softmax/],
  ['gelu', /^gelu/],
  ['select', /^select_position/],
  ['cast', /^cast_/],
  ['dropout', /^dropout/],
  ['embedding', /^embedding/],
  ['cross-entropy', /^cross_entropy/],
  ['optimizer', /^(adamw|grad_norm|grad_sum_squares|scale_by_coefficient|unscale_gradients|update_loss_scale)/],
  ['reductions', /^(reduce|sum_|scatter_row_max)/],
];
export const categoryOf = (name: string) => CATEGORIES.find(([, re]) => re.test(name))?.[0] ?? 'elementwise/fill';

export interface TimeShare {
  name: string;
  launches: number;
  ms: number;
  /** Of the step's wall time. */
  share: number;
}

export interface StepProfile {
  model: { layers: number; dim: number; hidden: number; heads: number; vocab: number; batch: number; seq: number; parameters: number };
  clock: 'gpu-timestamps' | 'wall-replay';
  /** Wall time of a whole step, GPU work included. */
  step: Stats;
  launches: number;
  submits: number;
  kernelMs: number;
  outsideMs: number;
  outsideShare: number;
  phases: TimeShare[];
  categories: TimeShare[];
  /** Every kernel name, slowest first (the report shows the top 10). */
  kernels: TimeShare[];
}

/** A training step whose launches can be split into phases by dispatch count. */
export class ProfiledModel {
  private readonly model: DistilBertForSequenceClassification;
  private readonly optimizer: AdamW;
  private readonly batch: Tensor[];
  private stepIndex = 0;
  /** Dispatch count at the start of each phase of the last step, and at its end. */
  marks: number[] = [];

  /** `zeros`: every parameter 0 instead of random (faster, for runs that only measure memory). */
  constructor(o: ModelShape, { zeros = false } = {}) {
    const config = benchConfig(o);
    this.model = new DistilBertForSequenceClassification(config, (name, shape) =>
      zeros ? new Float32Array(numel(shape)) : initialValues(config, name, shape, 1),
    );
    this.optimizer = new AdamW(this.model.parameters(), { lr: 5e-5, weightDecay: 0.01 });
    const ids = Array.from(noise(o.batch * o.seq, 7), (v) => 1 + (Math.floor(Math.abs(v) * 1e6) % (o.vocab - 1)));
    const labels = Array.from(noise(o.batch, 8), (v) => Math.floor(Math.abs(v) * 1e6) % o.classes);
    this.batch = [
      Tensor.fromArray(ids, [o.batch, o.seq], 'i32', { persistent: true }),
      Tensor.fromArray(new Int32Array(o.batch * o.seq).fill(1), [o.batch, o.seq], 'i32', { persistent: true }),
      Tensor.fromArray(labels, [o.batch], 'i32', { persistent: true }),
    ];
  }

  get parameters(): number {
    return this.model.parameters().reduce((n, p) => n + p.numel, 0);
  }

  /**
   * One training step, as the trainer runs it. With `replay`, the first step of a shape is recorded
   * and later ones replay it (engine/replay.ts); the phase marks are then those of the recording.
   */
  step(replay?: StepReplay): void {
    scoped(() => {
      // The batch and the step's dropout step, i32 [1].
      const inputs = [...this.batch, Tensor.fromArray([this.stepIndex++], [1], 'i32')];
      if (!replay) return this.record(inputs);
      replay.run(shapeStr(inputs[0].shape), inputs, (recorded) => this.record(recorded));
    });
  }

  /** The work of a step: forward, backward, clip, AdamW, zero_grad. */
  private record([ids, mask, labels, step]: readonly Tensor[]): void {
    const params = this.optimizer.params;
    this.marks = [dispatchStats.dispatches];
    const logits = this.model.forward(ids, mask, { training: true, rng: { seed: 1, step } });
    const loss = crossEntropy(logits, labels);
    this.marks.push(dispatchStats.dispatches);
    backward(loss);
    this.marks.push(dispatchStats.dispatches);
    const { clipCoef } = gradNorm(params, 1);
    this.optimizer.step(clipCoef);
    zeroGrad(params);
    this.marks.push(dispatchStats.dispatches);
  }

  release(): void {
    this.optimizer.release();
    for (const p of this.model.parameters()) {
      p.grad?.release();
      p.release();
    }
    for (const t of this.batch) t.release();
  }
}

// Replays per launch: once, and REPLAY_BATCH times in one submission; the difference, per extra
// launch, is the launch's own time without the fixed cost of submitting and waiting.
const REPLAY_BATCH = 3;
const REPLAY_SAMPLES = 3;

interface RecordedLaunch {
  kernel: KernelLaunch;
  /** Copies of the bound bytes as they were just before the launch (some kernels are data-dependent). */
  snapshots: GPUBuffer[];
}

/** Each launch of one step, replayed alone on its own inputs and timed by wall clock. */
async function replayTimes(model: ProfiledModel): Promise<LaunchTime[]> {
  const { device } = gpu();
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const recorded: RecordedLaunch[] = [];
  observeLaunches((kernel, buffers) => {
    // Copies recorded here run in order with the launches, so they capture each launch's inputs.
    const encoder = commandEncoder();
    const snapshots = buffers.map((b) => {
      const size = b.size ?? b.buffer.size - (b.offset ?? 0);
      const copy = device.createBuffer({ size, usage });
      encoder.copyBufferToBuffer(b.buffer, b.offset ?? 0, copy, 0, size);
      return copy;
    });
    recorded.push({ kernel, snapshots });
    return undefined;
  });
  try {
    model.step();
  } finally {
    observeLaunches(null);
  }
  await synchronize();
  const times: LaunchTime[] = [];
  for (const { kernel, snapshots } of recorded) {
    const work = snapshots.map((s) => device.createBuffer({ size: s.size, usage }));
    const wall = async (count: number) => {
      snapshots.forEach((s, i) => copyBuffer({ buffer: s }, { buffer: work[i] }, s.size));
      await synchronize();
      const t0 = performance.now();
      for (let i = 0; i < count; i++)
        launch(
          kernel,
          work.map((buffer) => ({ buffer })),
        );
      await synchronize();
      return performance.now() - t0;
    };
    const samples: number[] = [];
    for (let r = 0; r < REPLAY_SAMPLES; r++) samples.push((await wall(REPLAY_BATCH)) - (await wall(1)));
    times.push({ name: kernel.name, ms: Math.max(0, stats(samples).median / (REPLAY_BATCH - 1)) });
    for (const b of [...work, ...snapshots]) b.destroy();
  }
  return times;
}

function shares(entries: { name: string; ms: number }[], stepMs: number): TimeShare[] {
  const byName = new Map<string, TimeShare>();
  for (const { name, ms } of entries) {
    const e = byName.get(name) ?? { name, launches: 0, ms: 0, share: 0 };
    e.launches++;
    e.ms += ms;
    byName.set(name, e);
  }
  return [...byName.values()].map((e) => ({ ...e, share: e.ms / stepMs })).sort((a, b) => b.ms - a.ms);
}

export async function profileStep(o: BenchOptions, timer: KernelTimer, log: (line: string) => void): Promise<StepProfile> {
  const model = new ProfiledModel(o);
  try {
    for (let i = 0; i < timer.plan.warmup + 1; i++) model.step();
    await synchronize();
    const samples: number[] = [];
    const submitsBefore = dispatchStats.submits;
    for (let r = 0; r < timer.plan.repeats; r++) {
      const t0 = performance.now();
      model.step();
      await synchronize();
      samples.push(performance.now() - t0);
    }
    const step = stats(samples);
    const submits = Math.round((dispatchStats.submits - submitsBefore) / timer.plan.repeats);
    log(`step profile: ${step.median.toFixed(1)} ms per step (wall), timing kernels`);

    const timestamped = await timer.launchTimes(() => model.step());
    const times = timestamped ?? (await replayTimes(model));
    const marks = model.marks.map((m) => m - model.marks[0]);
    if (times.length !== marks[marks.length - 1])
      throw new Error(`internal: ${times.length} launch times for ${marks[marks.length - 1]} launches`);
    const kernelMs = times.reduce((s, t) => s + t.ms, 0);
    const phaseOf = (i: number): Phase => PHASES[marks.findIndex((m, k) => k > 0 && i < m) - 1];
    return {
      model: {
        layers: o.layers,
        dim: o.dim,
        hidden: o.hidden,
        heads: o.heads,
        vocab: o.vocab,
        batch: o.batch,
        seq: o.seq,
        parameters: model.parameters,
      },
      clock: timestamped ? 'gpu-timestamps' : 'wall-replay',
      step,
      launches: times.length,
      submits,
      kernelMs,
      outsideMs: Math.max(0, step.median - kernelMs),
      outsideShare: Math.max(0, step.median - kernelMs) / step.median,
      phases: shares(
        times.map((t, i) => ({ name: phaseOf(i), ms: t.ms })),
        step.median,
      ).sort((a, b) => PHASES.indexOf(a.name as Phase) - PHASES.indexOf(b.name as Phase)),
      categories: shares(
        times.map((t) => ({ name: categoryOf(t.name), ms: t.ms })),
        step.median,
      ),
      kernels: shares(times, step.median),
    };
  } finally {
    model.release();
    await synchronize();
  }
}
