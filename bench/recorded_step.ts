// One training step of DistilBERT, recorded without executing anything: every kernel launch in
// order, with the op that made it and the step's phase. The step is the profile's
// (bench/profile.ts `ProfiledModel`: forward with dropout, cross-entropy, backward, gradient norm
// and clip, AdamW, zero_grad), run under engine/gpu/dispatch.ts's `withoutExecution`: tensors are
// allocated, but no kernel compiles or runs and no data is uploaded, so DistilBERT-base's own
// shapes take seconds even on a CPU adapter.
//
// What it records is what the ops choose for a class of adapter (ENGINE_KERNELS: gpu or software)
// with no tuned table and no ENGINE_MATMUL or ENGINE_ATTENTION override: the launches a GPU, or a
// CPU adapter, would get. Two readers: the kernel catalog (bench/catalog.ts, `npm run wgsl`) and
// the grid report (bench/grid.ts, `npm run bench -- --only grid`).
import { currentOp } from '../engine/autograd/trace.ts';
import { type SettingName, withSettings } from '../engine/env.ts';
import type { KernelClass } from '../engine/gpu/device.ts';
import { observeLaunches, withoutExecution } from '../engine/gpu/dispatch.ts';
import { pool, withoutTuning } from '../engine/index.ts';
import type { KernelLaunch } from '../kernels/launch.ts';
import type { ModelShape } from './options.ts';
import { ProfiledModel } from './profile.ts';

export interface StepLaunch {
  phase: 'forward' | 'backward' | 'optimizer';
  /** The op that launched it ("linear", "attention backward"); the phase for launches outside an op. */
  op: string;
  launch: KernelLaunch;
}

/** The settings a step is recorded under; the kernel class is required, other kernel choices are unset. */
export type StepSettings = { ENGINE_KERNELS: KernelClass } & Partial<Record<SettingName, string | undefined>>;

/** Every launch of one training step of DistilBERT at `shape`, in order, recorded under `settings`. */
export function recordStep(shape: ModelShape, settings: StepSettings): StepLaunch[] {
  const launches: { op: string | undefined; launch: KernelLaunch }[] = [];
  const unset = { ENGINE_MATMUL: undefined, ENGINE_ATTENTION: undefined, ENGINE_SUBGROUP_MATRIX: undefined };
  const marks = withSettings({ ...unset, ...settings }, () =>
    withoutTuning(() =>
      withoutExecution(() => {
        // Made inside: parameters of zeros that are never uploaded.
        const model = new ProfiledModel(shape, { zeros: true });
        observeLaunches((launch) => {
          launches.push({ op: currentOp(), launch });
          return undefined;
        });
        try {
          model.step();
          return model.marks.map((m) => m - model.marks[0]);
        } finally {
          observeLaunches(null);
          model.release();
        }
      }),
    ),
  );
  // A full-size model leaves gigabytes in the pool's free lists: give them back to the adapter.
  pool.trim();
  const phases = ['forward', 'backward', 'optimizer'] as const;
  return launches.map(({ op, launch }, i) => {
    const phase = phases[marks.findIndex((end) => i < end) - 1];
    return { phase, op: op ?? phase, launch };
  });
}

/** A launch's workgroups in all: the product of its grid's three counts. */
export const workgroupCount = (launch: KernelLaunch): number => launch.workgroups[0] * launch.workgroups[1] * launch.workgroups[2];
