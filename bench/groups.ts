// Every kernel group the benchmark knows, by the name `--only` uses.
import { adamwGroup } from './kernels/adamw.ts';
import { ampGroup } from './kernels/amp.ts';
import { attentionGroup } from './kernels/attention.ts';
import { embeddingGroup } from './kernels/embedding.ts';
import { geluGroup } from './kernels/gelu.ts';
import { gradNormGroup } from './kernels/grad_norm.ts';
import { layerNormGroup } from './kernels/layernorm.ts';
import { matmulGroup } from './kernels/matmul.ts';
import { rmsNormGroup } from './kernels/rmsnorm.ts';
import { selectGroup } from './kernels/select.ts';
import { softmaxGroup } from './kernels/softmax.ts';
import { xentGroup } from './kernels/xent.ts';
import type { BenchOptions, Group } from './options.ts';
import { validateGroup, type Validation } from './suite.ts';
import type { KernelGroup } from './workload.ts';

const BUILDERS: Partial<Record<Group, (o: BenchOptions) => KernelGroup>> = {
  matmul: matmulGroup,
  attention: attentionGroup,
  softmax: softmaxGroup,
  layernorm: layerNormGroup,
  rmsnorm: rmsNormGroup,
  gelu: geluGroup,
  select: selectGroup,
  xent: xentGroup,
  embedding: embeddingGroup,
  adamw: adamwGroup,
  gradnorm: gradNormGroup,
  amp: ampGroup,
};

/** The kernel groups `o.only` selects, in the order of GROUPS. */
export function selectedGroups(o: BenchOptions): KernelGroup[] {
  return [...o.only].flatMap((name) => BUILDERS[name]?.(o) ?? []);
}

/** Validates every variant of the selected kernel groups (the path test/bench/bench.test.ts runs). */
export async function validateSelected(o: BenchOptions): Promise<Validation[]> {
  const out: Validation[] = [];
  for (const g of selectedGroups(o)) out.push(...(await validateGroup(g)));
  return out;
}
