// The main kernels of a DistilBERT training step, by name, at given model shapes: what
// `npm run wgsl -- NAME` prints and what docs/kernels/NAME.wgsl holds (test/bench/wgsl.test.ts keeps
// those files equal to this output, so a diff of them shows every change to a kernel).
//
// Nothing here calls a kernel generator with arguments of its own: each entry names a launch of a
// recorded training step (bench/recorded_step.ts: one layer, forward, backward and optimizer, run
// without executing), by the op that makes it and its kernel's name, so the catalog shows what the
// ops launch now. The step is recorded as a GPU runs it (ENGINE_KERNELS=gpu) and, for the matmuls
// and the embedding backward's counting sort that CPU adapters run instead (variant 4, kernels/cpu/;
// kernels/embedding.ts), as they run them (ENGINE_KERNELS=software).
// Row reductions are shown in their workgroup-memory form (ENGINE_SUBGROUPS=0); adapters with
// subgroups run the `_subgroups` form (kernels/row_reduce.ts). The teaching matmuls (variants 1
// and 2, kernels/matmul_teaching.ts), which no step launches, are made from the arguments of the
// product they stand in for.
import type { KernelClass } from '../engine/gpu/device.ts';
import { argumentsOf } from '../engine/gpu/kernels.ts';
import type { KernelLaunch } from '../kernels/launch.ts';
import type { MatmulShape } from '../kernels/matmul.ts';
import { matmulVariants } from '../kernels/matmul_variants.ts';
import type { ModelShape } from './options.ts';
import { recordStep, type StepLaunch } from './recorded_step.ts';

/** A model's shapes but its depth: the catalog records a step of one layer. */
export type ModelShapes = Omit<ModelShape, 'layers'>;

/** distilbert-base-uncased at batch 64 × sequence 64, the benchmark's default step. */
export const DISTILBERT_SHAPES: ModelShapes = { batch: 64, seq: 64, dim: 768, hidden: 3072, heads: 12, vocab: 30522, classes: 2 };

export interface CatalogEntry {
  /** Which op launches it, and for what, in a sentence. */
  what: string;
  /** The step it is found in: as GPUs run it (the default) or as CPU adapters do. */
  kernels?: KernelClass;
  /** The op that launches it, as the recorded step names it (`StepLaunch.op`). */
  op: string;
  /** Its kernel's name; the entry is the first launch of `op` whose kernel matches (the `nth`, from 0). */
  kernel: RegExp;
  nth?: number;
  /** Another matmul variant for the same product, made from the recorded launch's arguments. */
  variant?: 1 | 2;
}

const layerNormBackward = "a layer norm's backward for x, with its weight and bias gradients' partial sums by chunks of rows";
export const KERNEL_CATALOG: Record<string, CatalogEntry> = {
  embedding_gather: { what: 'word embedding lookup (`embedding`)', op: 'embedding', kernel: /^embedding_gather/ },
  layernorm_forward: {
    what: 'sa_layer_norm forward with the residual add folded in (`layerNorm` with a residual, eps 1e-12)',
    op: 'layerNorm',
    kernel: /^layernorm/,
    nth: 1,
  },
  qkv_forward_blocked: {
    what: 'q, k and v forward in one launch, x [B·T, dim] · Wzᵀ + bz for z = q, k, v (`selfAttention`); variant 3, the kernel GPUs run',
    op: 'selfAttention',
    kernel: /^matmul_blocked/,
  },
  qkv_forward_direct: {
    what: 'q, k and v forward in one launch (`selfAttention`); variant 4, the kernel CPU adapters run',
    kernels: 'software',
    op: 'selfAttention',
    kernel: /^matmul_direct/,
  },
  attention_forward: {
    what: 'fused attention forward with attention dropout (`attention`)',
    op: 'attention',
    kernel: /^attention_forward/,
  },
  out_lin_forward_naive: {
    what: "out_lin's forward, x [B·T, dim] · Wᵀ + b (`linear`), with variant 1, to read first (kernels/matmul_teaching.ts)",
    op: 'linear',
    kernel: /^matmul_blocked/,
    variant: 1,
  },
  out_lin_forward_tiled: {
    what: "out_lin's forward with variant 2, to read second (kernels/matmul_teaching.ts)",
    op: 'linear',
    kernel: /^matmul_blocked/,
    variant: 2,
  },
  out_lin_forward_blocked: {
    what: "out_lin's forward with variant 3, the kernel GPUs run (`linear`)",
    op: 'linear',
    kernel: /^matmul_blocked/,
  },
  out_lin_forward_direct: {
    what: "out_lin's forward with variant 4, the kernel CPU adapters run (`linear`)",
    kernels: 'software',
    op: 'linear',
    kernel: /^matmul_direct/,
  },
  dropout: {
    what: "dropout before the classifier (`dropout`, seq_classif_dropout); the model's other dropouts are folded into attention and layer norm",
    op: 'dropout',
    kernel: /^dropout/,
  },
  cross_entropy_rows: {
    what: 'cross-entropy forward, one row per sequence (`crossEntropy`)',
    op: 'crossEntropy',
    kernel: /^cross_entropy_rows/,
  },
  cross_entropy_backward: { what: 'cross-entropy backward', op: 'crossEntropy backward', kernel: /^cross_entropy_backward/ },
  layernorm_backward_input: {
    what: `output_layer_norm's backward: ${layerNormBackward}, and the gradient through the dropout folded into its forward`,
    op: 'layerNorm backward',
    kernel: /^layernorm_backward_input/,
  },
  layernorm_param_grad_sums: {
    what: "layer norm's weight and bias gradients: the column sums of the partial sums its input kernel wrote (`sumColumnsOfEach`)",
    op: 'layerNorm backward',
    kernel: /^sum_columns_each/,
  },
  out_lin_grad_weight_split_k: {
    what: "out_lin's backward for the weight, dW = Gᵀ · x, and the bias, db = column sums of G (one more column of x, all ones), as GPUs run it: variant 6, split-K, its first launch (`linear`)",
    op: 'linear backward',
    kernel: /^matmul_split_k_(?!sum)/,
  },
  out_lin_grad_weight_split_k_sum: {
    what: "out_lin's backward for the weight and bias, split-K's second launch: the sum of the slices (`linear`)",
    op: 'linear backward',
    kernel: /^matmul_split_k_sum/,
  },
  attention_row_stats: {
    what: "attention backward, step 1: each query row's (lse, Δ)",
    op: 'attention backward',
    kernel: /^attention_row_stats/,
  },
  attention_grad_query: { what: 'attention backward, step 2: dQ', op: 'attention backward', kernel: /^attention_grad_query/ },
  attention_grad_key_value: {
    what: 'attention backward, step 3: dK and dV',
    op: 'attention backward',
    kernel: /^attention_grad_key_value/,
  },
  qkv_grad_input_blocked: {
    what: "q, k and v backward for x: Σz dz · Wz, one product whose K runs through the three slices (`selfAttention`'s backward); variant 3, the kernel GPUs run",
    op: 'attention backward',
    kernel: /^matmul_blocked/,
  },
  qkv_grad_input_direct: {
    what: "q, k and v backward for x (`selfAttention`'s backward); variant 4, the kernel CPU adapters run",
    kernels: 'software',
    op: 'attention backward',
    kernel: /^matmul_direct/,
  },
  qkv_grad_weight_split_k: {
    what: "q, k and v backward for the weights and biases: dWz = dzᵀ · x, dbz = column sums of dz (`selfAttention`'s backward); variant 6, split-K, as GPUs run it, its first launch",
    op: 'attention backward',
    kernel: /^matmul_split_k_(?!sum)/,
  },
  qkv_grad_weight_direct: {
    what: "q, k and v backward for the weights and biases (`selfAttention`'s backward); variant 4, the kernel CPU adapters run",
    kernels: 'software',
    op: 'attention backward',
    kernel: /^matmul_direct/,
    nth: 1,
  },
  embedding_sum_buckets: {
    what: "word embedding backward as CPU adapters run it, the last of its counting-sort kernels: each row's sum",
    op: 'embedding backward',
    kernel: /sum_buckets/,
    kernels: 'software',
  },
  embedding_link_occurrences: {
    what: 'word embedding backward, step 1 of 2: each position linked to the next with its id',
    op: 'embedding backward',
    kernel: /link_occurrences/,
  },
  embedding_sum_chains: {
    what: "word embedding backward, step 2 of 2: each row's sum along its id's chain of positions",
    op: 'embedding backward',
    kernel: /sum_chains/,
  },
  adamw: {
    what: 'AdamW: one launch updates several parameters, each in its own range of workgroups (`AdamW.step`)',
    op: 'optimizer',
    kernel: /^adamw_x/,
  },
};

/** Recorded steps by kernel class and shapes: a listing of every entry records two steps. */
const steps = new Map<string, StepLaunch[]>();
function stepAt(shapes: ModelShapes, kernels: KernelClass): StepLaunch[] {
  const key = `${kernels} ${JSON.stringify(shapes)}`;
  let step = steps.get(key);
  if (!step) {
    step = recordStep({ ...shapes, layers: 1 }, { ENGINE_KERNELS: kernels, ENGINE_SUBGROUPS: '0' });
    steps.set(key, step);
  }
  return step;
}

function entryOf(name: string): CatalogEntry {
  const entry = KERNEL_CATALOG[name];
  if (!entry) throw new Error(`no kernel "${name}" in the catalog; known: ${Object.keys(KERNEL_CATALOG).join(', ')}`);
  return entry;
}

/** The launch catalog entry `name` shows at `shapes`, found in the recorded step. */
export function catalogLaunch(name: string, shapes: ModelShapes): KernelLaunch {
  const entry = entryOf(name);
  const kernels = entry.kernels ?? 'gpu';
  const byOp = stepAt(shapes, kernels).filter((l) => l.op === entry.op);
  const matching = byOp.filter((l) => entry.kernel.test(l.launch.name));
  const found = matching[entry.nth ?? 0];
  if (!found) {
    const launched = byOp.map((l) => l.launch.name).join(', ') || 'nothing';
    throw new Error(
      `catalog kernel ${name}: in a step at these shapes (ENGINE_KERNELS=${kernels}), op "${entry.op}" launches ${matching.length} kernels matching ${entry.kernel}, not ${(entry.nth ?? 0) + 1}: ${launched}`,
    );
  }
  if (!entry.variant) return found.launch;
  const [shape] = argumentsOf(found.launch) ?? [];
  if (!shape) throw new Error(`internal: catalog kernel ${name}: ${found.launch.name} has no recorded arguments`);
  return matmulVariants[entry.variant].kernel(shape as MatmulShape);
}

/** A kernel's WGSL under a comment saying what it is, its workgroup grid and uniform values. */
export function kernelListing(name: string, shapes: ModelShapes): string {
  const entry = entryOf(name);
  const k = catalogLaunch(name, shapes);
  const uniforms = Object.entries(k.uniforms)
    .map(([n, u]) => `${n}=${u.value}`)
    .join(' ');
  const shapeLine = Object.entries(shapes)
    .map(([n, v]) => `${n} ${v}`)
    .join(', ');
  return `// ${name}: ${entry.what}.
// Kernel ${k.name} (op ${entry.op}, ENGINE_KERNELS=${entry.kernels ?? 'gpu'}) at ${shapeLine}: workgroups [${k.workgroups.join(', ')}]${uniforms ? `, uniforms ${uniforms}` : ''}.
${k.code.trim()}
`;
}
