// The main kernels of a DistilBERT training step, by name, at given model shapes: what
// `npm run wgsl -- NAME` prints and what docs/kernels/NAME.wgsl holds (test/bench/wgsl.test.ts keeps
// those files equal to this output, so a diff of them shows every change to a kernel).
//
// Each entry builds the launch the ops would make for that step of the model (engine/ops/ names
// the op), with the kernel generator and the arguments the op passes. Matmuls appear twice: the
// register-blocked kernel GPUs get (variant 3) and the direct one CPU adapters get (variant 4).
// Attention is shown in the form GPUs run (a workgroup per block of rows; kernels/attention.ts).
// Row reductions are shown in their workgroup-memory form; adapters with subgroups run the
// `_subgroups` form (kernels/row_reduce.ts).
import {
  attentionForward,
  attentionGradKeyValue,
  attentionGradQuery,
  attentionRowStats,
  type AttentionDims,
} from '../kernels/attention.ts';
import { crossEntropyBackward, crossEntropyRows } from '../kernels/cross_entropy.ts';
import { dropoutMap } from '../kernels/dropout.ts';
import { gatherRows, sumBuckets } from '../kernels/embedding.ts';
import type { KernelLaunch } from '../kernels/launch.ts';
import { layerNormBackwardInput, layerNormForward, layerNormParamGradChunks } from '../kernels/layernorm.ts';
import { matmulDirect } from '../kernels/cpu/matmul.ts';
import { matmulBlocked, type MatmulShape } from '../kernels/matmul.ts';
import { matmulSplitK } from '../kernels/matmul_split_k.ts';
import { matmulNaive, matmulTiled } from '../kernels/matmul_teaching.ts';
import { sumColumnChunks } from '../kernels/reduce.ts';

export interface ModelShapes {
  batch: number;
  seq: number;
  dim: number;
  hidden: number;
  heads: number;
  vocab: number;
  classes: number;
}

/** distilbert-base-uncased at batch 64 × sequence 64, the benchmark's default step. */
export const DISTILBERT_SHAPES: ModelShapes = { batch: 64, seq: 64, dim: 768, hidden: 3072, heads: 12, vocab: 30522, classes: 2 };

export interface CatalogEntry {
  /** Which op launches it, and for what, in a sentence. */
  what: string;
  launch: (s: ModelShapes) => KernelLaunch;
}

const DROPOUT = { probability: 0.1, rng: { seed: 42, stream: 0 } };
function dims(s: ModelShapes): AttentionDims {
  if (s.dim % s.heads) throw new Error(`--heads ${s.heads} must divide --dim ${s.dim} for attention's kernels`);
  return { batch: s.batch, seq: s.seq, heads: s.heads, headDim: s.dim / s.heads };
}
const tokens = (s: ModelShapes) => s.batch * s.seq;

/**
 * The q, k and v projections' three products (engine/ops/self_attention.ts `selfAttention`), each
 * one slotted launch over the three projections (batch entry z binds its own weight, bias and
 * output): forward z = x·Wzᵀ + bz, then dX parts dz·Wz and dWz = dzᵀ·x.
 */
const qkvProducts: [string, string, (s: ModelShapes) => MatmulShape][] = [
  [
    'qkv_forward',
    'q, k and v forward in one launch, x [B·T, dim] · Wzᵀ + bz for z = q, k, v (`selfAttention`)',
    (s) => ({
      batch: 3,
      m: tokens(s),
      n: s.dim,
      k: s.dim,
      transA: false,
      transB: true,
      sharedA: true,
      bias: true,
      slots: { b: true, c: true },
    }),
  ],
  [
    'qkv_grad_input',
    "q, k and v backward for x: dz · Wz for each z into [3, B·T, dim], then summed over z (`selfAttention`'s backward)",
    (s) => ({ batch: 3, m: tokens(s), n: s.dim, k: s.dim, transA: false, transB: false, slots: { a: true, b: true } }),
  ],
  [
    'qkv_grad_weight',
    "q, k and v backward for the weights: dWz = dzᵀ · x (`selfAttention`'s backward)",
    (s) => ({ batch: 3, m: s.dim, n: s.dim, k: tokens(s), transA: true, transB: false, sharedB: true, slots: { a: true, c: true } }),
  ],
];

/** out_lin's forward, a plain `linear`: x [B·T, dim] · Wᵀ + b in one product. */
const outLinForward = (s: ModelShapes): MatmulShape => ({
  batch: 1,
  m: tokens(s),
  n: s.dim,
  k: s.dim,
  transA: false,
  transB: true,
  bias: true,
});

export const KERNEL_CATALOG: Record<string, CatalogEntry> = {
  ...Object.fromEntries(
    qkvProducts.flatMap(([name, what, shape]) => [
      [`${name}_blocked`, { what: `${what}; variant 3, the kernel GPUs run`, launch: (s: ModelShapes) => matmulBlocked(shape(s)) }],
      [`${name}_direct`, { what: `${what}; variant 4, the kernel CPU adapters run`, launch: (s: ModelShapes) => matmulDirect(shape(s)) }],
    ]),
  ),
  out_lin_forward_naive: {
    what: "out_lin's forward, x [B·T, dim] · Wᵀ + b (`linear`), with variant 1, to read first (kernels/matmul_teaching.ts)",
    launch: (s) => matmulNaive(outLinForward(s)),
  },
  out_lin_forward_tiled: {
    what: "out_lin's forward with variant 2, to read second (kernels/matmul_teaching.ts)",
    launch: (s) => matmulTiled(outLinForward(s)),
  },
  out_lin_forward_blocked: {
    what: "out_lin's forward with variant 3, the kernel GPUs run (`linear`)",
    launch: (s) => matmulBlocked(outLinForward(s)),
  },
  out_lin_forward_direct: {
    what: "out_lin's forward with variant 4, the kernel CPU adapters run (`linear`)",
    launch: (s) => matmulDirect(outLinForward(s)),
  },
  out_lin_grad_weight_split_k: {
    what: "out_lin's backward for the weight, dW = Gᵀ · x, and the bias, db = column sums of G (one more column of x, all ones), as GPUs run it: variant 6, split-K, its first launch (`linear`)",
    launch: (s) => matmulSplitK({ batch: 1, m: s.dim, n: s.dim, k: tokens(s), transA: true, transB: false, biasGrad: true }),
  },
  qkv_grad_bias: {
    what: "q_lin's, k_lin's and v_lin's backward for their biases, stage 1 of the column sums of each output gradient (`sumColumnsOfEach`)",
    launch: (s) => sumColumnChunks(tokens(s), s.dim),
  },
  attention_forward: {
    what: 'fused attention forward with attention dropout (`attention`)',
    launch: (s) => attentionForward(dims(s), DROPOUT),
  },
  attention_row_stats: { what: "attention backward, step 1: each query row's (lse, Δ)", launch: (s) => attentionRowStats(dims(s)) },
  attention_grad_query: { what: 'attention backward, step 2: dQ', launch: (s) => attentionGradQuery(dims(s), DROPOUT) },
  attention_grad_key_value: { what: 'attention backward, step 3: dK and dV', launch: (s) => attentionGradKeyValue(dims(s), DROPOUT) },
  layernorm_forward: {
    what: 'sa_layer_norm forward with the residual add folded in (`layerNorm` with a residual, eps 1e-12)',
    launch: (s) => layerNormForward(tokens(s), s.dim, 1e-12, false, { residualRows: tokens(s) }),
  },
  layernorm_backward_input: { what: "layerNorm's backward for x", launch: (s) => layerNormBackwardInput(tokens(s), s.dim) },
  layernorm_param_grad_chunks: {
    what: "layerNorm's backward for weight and bias, stage 1",
    launch: (s) => layerNormParamGradChunks(tokens(s), s.dim),
  },
  dropout: { what: 'dropout after the FFN (`dropout`), p = 0.1', launch: (s) => dropoutMap(tokens(s) * s.dim, 0.1, DROPOUT.rng) },
  embedding_gather: { what: 'word embedding lookup (`embedding`)', launch: (s) => gatherRows(tokens(s), s.vocab, s.dim) },
  embedding_sum_buckets: {
    what: "word embedding backward, the last of its counting-sort kernels: each row's sum",
    launch: (s) => sumBuckets(s.vocab, s.dim),
  },
  cross_entropy_rows: {
    what: 'cross-entropy forward, one row per sequence (`crossEntropy`)',
    launch: (s) => crossEntropyRows(s.batch, s.classes),
  },
  cross_entropy_backward: { what: 'cross-entropy backward', launch: (s) => crossEntropyBackward(s.batch, s.classes) },
};

/** A kernel's WGSL under a comment saying what it is, its workgroup grid and uniform values. */
export function kernelListing(name: string, shapes: ModelShapes): string {
  const entry = KERNEL_CATALOG[name];
  if (!entry) throw new Error(`no kernel "${name}" in the catalog; known: ${Object.keys(KERNEL_CATALOG).join(', ')}`);
  const k = entry.launch(shapes);
  const uniforms = Object.entries(k.uniforms)
    .map(([n, u]) => `${n}=${u.value}`)
    .join(' ');
  const shapeLine = Object.entries(shapes)
    .map(([n, v]) => `${n} ${v}`)
    .join(', ');
  return `// ${name}: ${entry.what}.
// Kernel ${k.name} at ${shapeLine}: workgroups [${k.workgroups.join(', ')}]${uniforms ? `, uniforms ${uniforms}` : ''}.
${k.code.trim()}
`;
}
