// Runs kernel groups: validates every variant on its small shapes, then times each variant that
// passed on every workload. A failure (wrong results, a shape the kernel refuses, a GPU error) is
// recorded against that variant or workload and the run goes on. Each result also lists the
// launches of one run with their workgroup counts: what a GPU is given to fill its cores with.
import { pool } from '../engine/index.ts';
import { observeLaunches } from '../engine/gpu/dispatch.ts';
import type { Group } from './options.ts';
import type { KernelTimer, Stats } from '../tune/timing.ts';
import type { KernelGroup } from './workload.ts';

export interface Validation {
  group: Group;
  variant: string;
  /** null when the variant matches the reference; else why not, in one line. */
  error: string | null;
}

export interface KernelResult {
  group: Group;
  variant: string;
  workload: string;
  unit: KernelGroup['unit'];
  /** FLOPs or bytes per run. */
  work: number;
  time?: Stats;
  /** GFLOP/s or GB/s at the median time. */
  rate?: number;
  /** rate / the device's peak, when the peak is known. */
  ofPeak?: number;
  /** The launches of one run: kernel name and workgroup count. */
  launches?: { kernel: string; workgroups: number }[];
  error?: string;
}

export interface Peaks {
  tflops?: number;
  gbps?: number;
}

export const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/** The launches `run` records, with their workgroup counts. */
function launchesOf(run: () => void): { kernel: string; workgroups: number }[] {
  const launches: { kernel: string; workgroups: number }[] = [];
  observeLaunches((kernel) => {
    launches.push({ kernel: kernel.name, workgroups: kernel.workgroups.reduce((a, b) => a * b) });
    return undefined;
  });
  try {
    run();
  } finally {
    observeLaunches(null);
  }
  return launches;
}

export async function validateGroup(g: KernelGroup): Promise<Validation[]> {
  const out: Validation[] = [];
  for (const v of g.variants) {
    let error: string | null = null;
    try {
      await v.validate();
    } catch (err) {
      error = oneLine(err);
    }
    out.push({ group: g.group, variant: v.name, error });
  }
  return out;
}

export async function timeGroup(
  g: KernelGroup,
  valid: readonly Validation[],
  timer: KernelTimer,
  peaks: Peaks,
  progress: (done: KernelResult) => void,
): Promise<KernelResult[]> {
  const results: KernelResult[] = [];
  const peak = g.unit === 'GFLOP/s' ? (peaks.tflops ? peaks.tflops * 1000 : undefined) : peaks.gbps;
  for (const v of g.variants) {
    const failed = valid.find((x) => x.variant === v.name)?.error;
    for (const w of v.workloads) {
      const base = { group: g.group, variant: v.name, workload: w.label, unit: g.unit, work: w.work };
      if (failed) {
        results.push({ ...base, error: `not timed: validation failed` });
        progress(results[results.length - 1]);
        continue;
      }
      try {
        const prepared = w.prepare();
        try {
          const launches = launchesOf(prepared.run);
          const time = await timer.sample(prepared.run);
          const rate = w.work / (time.median * 1e-3) / 1e9;
          results.push({ ...base, time, rate, ofPeak: peak ? rate / peak : undefined, launches });
        } finally {
          prepared.release();
        }
      } catch (err) {
        results.push({ ...base, error: oneLine(err) });
      }
      progress(results[results.length - 1]);
    }
  }
  pool.trim();
  return results;
}
