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

/** The groups of kernels (every group but the whole-step profiles and peer comparisons). */
export const KERNEL_GROUPS = Object.keys(BUILDERS) as Group[];

/** The kernel groups `o.only` selects, in the order of GROUPS, with only `o.variant`'s variants when it is set. */
export function selectedGroups(o: BenchOptions): KernelGroup[] {
  const groups = [...o.only].flatMap((name) => BUILDERS[name]?.(o) ?? []);
  const { variant } = o;
  if (variant === undefined) return groups;
  const chosen = (name: string) => name === variant || name.startsWith(`${variant} `);
  const kept = groups.map((g) => ({ ...g, variants: g.variants.filter((v) => chosen(v.name)) })).filter((g) => g.variants.length);
  if (kept.length === 0) {
    const names = groups.flatMap((g) => g.variants.map((v) => `${g.group} ${v.name}`));
    throw new Error(`--variant ${variant}: no selected variant is numbered or named so (there are: ${names.join('; ')})`);
  }
  return kept;
}

/** Validates every variant of the selected kernel groups (the path test/bench/bench.test.ts runs). */
export async function validateSelected(o: BenchOptions): Promise<Validation[]> {
  const out: Validation[] = [];
  for (const g of selectedGroups(o)) out.push(...(await validateGroup(g)));
  return out;
}
