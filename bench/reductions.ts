// The kernels with row reductions (softmax, layernorm, cross-entropy, attention's backward row
// statistics) in the benchmark once per path the adapter offers (kernels/row_reduce.ts):
// workgroup-memory trees, and subgroup operations where the adapter has `subgroups`. ENGINE_SUBGROUPS, which the engine ops read when they
// launch, is set around each variant's validation, preparation and runs.
import { gpu } from '../engine/index.ts';
import type { Workload } from '../tune/workload.ts';
import { underSettings, type Variant } from './workload.ts';

/** "NAME (trees)" and, on adapters with subgroups, "NAME (subgroups)". */
export function reductionVariants(name: string, validate: () => Promise<void>, workloads: Workload[]): Variant[] {
  const settings: ('0' | '1')[] = gpu().features.has('subgroups') ? ['0', '1'] : ['0'];
  return settings.map((setting) =>
    underSettings({ ENGINE_SUBGROUPS: setting }, { name: `${name} (${setting === '1' ? 'subgroups' : 'trees'})`, validate, workloads }),
  );
}
