// How the benchmark measures time: GPU timestamps around each kernel launch when the adapter has
// 'timestamp-query', otherwise wall-clock time around submitting the work and waiting for it
// (onSubmittedWorkDone). Either way a workload is warmed up first and then sampled several times;
// results are the median and the spread of the samples.
import { dispatchStats, observeLaunches, synchronize } from '../engine/gpu/dispatch.ts';
import { type LaunchTime, TimestampRecorder } from '../engine/gpu/timestamps.ts';

export type Clock = 'gpu-timestamps' | 'wall-clock';

export const CLOCK_NOTE: Record<Clock, string> = {
  'gpu-timestamps': 'GPU time from timestamp queries around each kernel launch (Dawn timestamp quantization disabled)',
  'wall-clock':
    'wall-clock time around submit + onSubmittedWorkDone (no timestamp-query on this adapter), so it includes submission overhead',
};

export function clockOf(features: ReadonlySet<string>): Clock {
  return features.has('timestamp-query') ? 'gpu-timestamps' : 'wall-clock';
}

export interface Stats {
  /** Milliseconds. */
  median: number;
  min: number;
  max: number;
  samples: number;
}

export function stats(ms: readonly number[]): Stats {
  if (ms.length === 0) throw new Error('stats of no samples');
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples: sorted.length };
}

/** (max − min) / median, the spread the tables show. */
export const spread = (s: Stats) => (s.median > 0 ? (s.max - s.min) / s.median : 0);

export interface SamplingPlan {
  warmup: number;
  repeats: number;
  minSampleMs: number;
}

/**
 * Wall time per run of `run`, however it reaches the GPU: each sample repeats it enough times to
 * last `minSampleMs`, then waits for the GPU with `wait`.
 */
export async function sampleWall(run: () => void, wait: () => Promise<void>, plan: SamplingPlan): Promise<Stats> {
  for (let i = 0; i < plan.warmup; i++) run();
  await wait();
  const t0 = performance.now();
  run();
  await wait();
  const first = performance.now() - t0;
  const batch = Math.min(1000, Math.max(1, Math.ceil(plan.minSampleMs / Math.max(first, 1e-3))));
  const samples: number[] = [];
  for (let r = 0; r < plan.repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) run();
    await wait();
    samples.push((performance.now() - start) / batch);
  }
  return stats(samples);
}

/** Times engine workloads with the best clock the adapter offers. */
export class KernelTimer {
  readonly clock: Clock;
  private readonly recorder?: TimestampRecorder;

  constructor(
    device: GPUDevice,
    features: ReadonlySet<string>,
    readonly plan: SamplingPlan,
  ) {
    this.clock = clockOf(features);
    if (this.clock === 'gpu-timestamps') this.recorder = new TimestampRecorder(device);
  }

  /** Time per run of `run` (which records one or more kernel launches through the engine). */
  async sample(run: () => void): Promise<Stats> {
    if (!this.recorder) return sampleWall(run, synchronize, this.plan);
    for (let i = 0; i < this.plan.warmup; i++) run();
    await synchronize();
    // Launch counts at the end of each run, to split the flat list of launch times into runs.
    const ends: number[] = [];
    const first = dispatchStats.dispatches;
    this.recorder.start();
    for (let r = 0; r < this.plan.repeats; r++) {
      run();
      ends.push(dispatchStats.dispatches - first);
    }
    const times = await this.recorder.stop();
    return stats(ends.map((end, r) => times.slice(r === 0 ? 0 : ends[r - 1], end).reduce((sum, t) => sum + t.ms, 0)));
  }

  /** Per-launch times of everything `run` records (one run), for the step profile. */
  async launchTimes(run: () => void | Promise<void>): Promise<LaunchTime[] | null> {
    if (!this.recorder) return null;
    this.recorder.start();
    try {
      await run();
    } finally {
      observeLaunches(null);
    }
    return this.recorder.stop();
  }

  destroy(): void {
    this.recorder?.destroy();
  }
}
