// The grid report (`npm run bench -- --only grid`): every launch of one training step as a GPU
// runs it, with its workgroup count, and those with fewer than FILL_WORKGROUPS (1,024) flagged:
// too few to fill a large GPU (an H100 has 132 SMs, each taking several workgroups at once). The
// tables and summary are bench/tables.ts's `gridTable` and `gridSummary`.
// The step is recorded without running anything (bench/recorded_step.ts), under ENGINE_KERNELS=gpu,
// so DistilBERT-base's own step (the benchmark's default shapes) takes seconds on a CPU adapter.
// The report names launches by op and kernel name only, so it follows any change to the kernels.
import type { ModelShape } from './options.ts';
import { type StepLaunch, recordStep, workgroupCount } from './recorded_step.ts';

export interface GridLaunch {
  phase: StepLaunch['phase'];
  op: string;
  kernel: string;
  grid: [number, number, number];
  workgroups: number;
}

export interface StepGrid {
  model: ModelShape;
  /** Every launch of the step, in order. */
  launches: GridLaunch[];
}

/** Every launch of one training step at `model`'s shapes, as a GPU gets them. */
export function stepGrid(model: ModelShape): StepGrid {
  const launches = recordStep(model, { ENGINE_KERNELS: 'gpu' }).map(({ phase, op, launch }) => ({
    phase,
    op,
    kernel: launch.name,
    grid: launch.workgroups,
    workgroups: workgroupCount(launch),
  }));
  return { model, launches };
}

/** Launches alike (phase, op, kernel and grid), in the order of their first, with how many there are of each. */
export function alikeLaunches(launches: readonly GridLaunch[]): { launch: GridLaunch; count: number }[] {
  const byKey = new Map<string, { launch: GridLaunch; count: number }>();
  for (const launch of launches) {
    const key = `${launch.phase} ${launch.op} ${launch.kernel} ${launch.grid.join('x')}`;
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { launch, count: 1 });
  }
  return [...byKey.values()];
}
