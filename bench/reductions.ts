// The kernels with row reductions (softmax, layernorm, cross-entropy, attention's backward row
// statistics) in the benchmark once per path the adapter offers (kernels/row_reduce.ts):
// workgroup-memory trees, and subgroup operations where the adapter has `subgroups`. ENGINE_SUBGROUPS, which the engine ops read when they
// launch, is set around each variant's validation, preparation and runs.
import { withSettings } from '../engine/env.ts';
import { gpu } from '../engine/index.ts';
import type { Workload } from '../tune/workload.ts';
import type { Variant } from './workload.ts';

/** Runs `body` with ENGINE_SUBGROUPS set to `setting`, then restores it. */
const withSubgroups = <T>(setting: '0' | '1', body: () => T): T => withSettings({ ENGINE_SUBGROUPS: setting }, body);

function onPath(setting: '0' | '1', w: Workload): Workload {
  return {
    ...w,
    prepare: () => {
      const prepared = withSubgroups(setting, w.prepare);
      return { run: () => withSubgroups(setting, prepared.run), release: prepared.release };
    },
  };
}

/** "NAME (trees)" and, on adapters with subgroups, "NAME (subgroups)". */
export function reductionVariants(name: string, validate: () => Promise<void>, workloads: Workload[]): Variant[] {
  const settings: ('0' | '1')[] = gpu().features.has('subgroups') ? ['0', '1'] : ['0'];
  return settings.map((setting) => ({
    name: `${name} (${setting === '1' ? 'subgroups' : 'trees'})`,
    validate: () => withSubgroups(setting, validate),
    workloads: workloads.map((w) => onPath(setting, w)),
  }));
}
