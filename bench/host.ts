// The host side of a training step (`npm run bench -- --only host`): what it costs to record and
// submit the work, apart from running it. A DistilBERT with the benchmark's layer count (6, as
// DistilBERT-base) at tiny dims does negligible arithmetic, so what remains is the cost of
// launching: launches and submits per step, host milliseconds to record and submit one step
// (measured from the step's first op to the return of its last submit, without waiting for the
// GPU), microseconds per launch, and ms per step when steps run back to back as the trainer runs
// them. PyTorch eager runs the same model, batch and optimizer beside it when /usr/bin/python3
// has torch (bench/host_torch.py). Separately, full-size DistilBERT (the benchmark's dims) at
// batch 8 × 128 records one step without executing it, to report the memory pool's peak.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatchStats, flush, pool, synchronize } from '../engine/index.ts';
import { withoutExecution } from '../engine/dispatch.ts';
import type { BenchOptions } from './options.ts';
import { ProfiledModel } from './profile.ts';
import { stats, type Stats } from './timing.ts';

/** The tiny dims of the launch-bound step (the layer count and vocabulary are the benchmark's). */
export const HOST_SHAPE = { dim: 32, hidden: 64, heads: 2, batch: 4, seq: 16 };
/** The full-size step whose memory is reported. */
export const MEMORY_SHAPE = { batch: 8, seq: 128 };
/** Steps recorded back to back per sample, as the trainer records them. */
const STEPS_PER_SAMPLE = 10;

export interface HostProfile {
  model: { layers: number; dim: number; hidden: number; heads: number; vocab: number; batch: number; seq: number };
  launches: number;
  submits: number;
  /** Host time to record and submit one step. */
  recordMs: Stats;
  usPerLaunch: number;
  /** Wall time per step over STEPS_PER_SAMPLE steps run back to back, GPU included. */
  stepMs: Stats;
  /** PyTorch eager on the CPU, same model and batch, AdamW + clip. */
  torch: { stepMs: Stats; threads: number } | { unavailable: string };
  memory: { layers: number; dim: number; batch: number; seq: number; peakBytes: number; heldBytes: number };
}

export async function profileHost(o: BenchOptions, log: (line: string) => void): Promise<HostProfile> {
  const shape = { ...o, ...HOST_SHAPE };
  const model = new ProfiledModel(shape);
  const perStep = { launches: 0, submits: 0 };
  const record: number[] = [];
  const wall: number[] = [];
  try {
    for (let i = 0; i < o.warmup + 2; i++) model.step();
    await synchronize();
    for (let r = 0; r < o.repeats; r++) {
      const before = { ...dispatchStats };
      const t0 = performance.now();
      for (let s = 0; s < STEPS_PER_SAMPLE; s++) {
        const start = performance.now();
        model.step();
        flush();
        record.push(performance.now() - start);
      }
      await synchronize();
      wall.push((performance.now() - t0) / STEPS_PER_SAMPLE);
      perStep.launches = (dispatchStats.dispatches - before.dispatches) / STEPS_PER_SAMPLE;
      perStep.submits = (dispatchStats.submits - before.submits) / STEPS_PER_SAMPLE;
    }
  } finally {
    model.release();
    await synchronize();
  }
  const recordMs = stats(record);
  log(`host: ${recordMs.median.toFixed(2)} ms to record ${perStep.launches} launches, ${stats(wall).median.toFixed(2)} ms per step`);
  return {
    model: { layers: o.layers, dim: shape.dim, hidden: shape.hidden, heads: shape.heads, vocab: o.vocab, batch: shape.batch, seq: shape.seq },
    ...perStep,
    recordMs,
    usPerLaunch: (1000 * recordMs.median) / perStep.launches,
    stepMs: stats(wall),
    torch: torchStep(shape, o.repeats),
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
    return { layers: o.layers, dim: o.dim, batch: o.batch, seq: o.seq, peakBytes: pool.peakBytes - inUseBefore, heldBytes: pool.allocatedBytes - heldBefore };
  } finally {
    model.release();
    await synchronize();
    pool.trim();
  }
}

const TORCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'host_torch.py');

/** bench/host_torch.py's ms per step, or why it could not run. */
function torchStep(o: BenchOptions, repeats: number): HostProfile['torch'] {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const args = [TORCH_SCRIPT, '--layers', o.layers, '--dim', o.dim, '--hidden', o.hidden, '--heads', o.heads, '--vocab', o.vocab,
    '--batch', o.batch, '--seq', o.seq, '--classes', o.classes, '--repeats', repeats, '--steps', STEPS_PER_SAMPLE].map(String);
  try {
    const out = JSON.parse(execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { ms: number[]; threads: number };
    return { stepMs: stats(out.ms), threads: out.threads };
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    const why = /No module named 'torch'/.test(stderr) ? `no torch for ${python}` : (stderr.trim().split('\n').pop() ?? String(err));
    return { unavailable: why };
  }
}
