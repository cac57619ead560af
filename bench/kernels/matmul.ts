// Matmul variants (kernels/matmul.ts: 1 naive, 2 tiled, then the kernel as the ops launch it on
// this adapter, 3 blocked and 4 direct with their default options, and each configuration of a
// sweep; and, where the adapter has shader-f16, variants 3 and 4 on f16 operands as --fp16's
// autocast launches them, and variant 5 on the matrix units where the adapter offers them:
// kernels/matmul_subgroup_matrix.ts, engine/ops/subgroup_matrix.ts), each validated on small odd
// and aligned shapes in every layout, then timed on
// DistilBERT's products: for each nn.Linear (in → out) over N = batch·seq tokens, the forward x·Wᵀ
// (NT, with the bias epilogue), the input gradient dY·W (NN) and the weight gradient dYᵀ·x (TN),
// and the feed-forward's first product with bias and GELU in the epilogue.
import { configuredMatmul, defaultMatmulKernel, gpu, matmulKernel, tuningState } from '../../engine/index.ts';
import { subgroupMatrixCandidatesFound } from '../../engine/ops/subgroup_matrix.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { matmulVariants } from '../../kernels/matmul_variants.ts';
import { matmulSubgroupMatrix } from '../../kernels/matmul_subgroup_matrix.ts';
import { configName, variantName } from '../../tune/matmul_configs.ts';
import type { BenchOptions, MatmulConfig } from '../options.ts';
import { DEFAULT_VARIANT, TUNED_VARIANT } from '../tables.ts';
import {
  checkMatmulAt,
  halfTensorOf,
  linearProducts,
  matmulWorkload,
  type MatmulKernel,
  type OperandMaker,
} from '../../tune/matmul_workload.ts';
import type { KernelGroup, Variant } from '../workload.ts';

/** The name of the kernel as the ops launch it, without a tuned table. */
const OPS_VARIANT = 'as the ops launch it';

export interface MatmulVariant {
  name: string;
  kernel: MatmulKernel;
  /** Has the GELU epilogue (variants 3, 4 and 6). */
  gelu?: boolean;
}

/**
 * Our candidates against the peers: the kernel as the engine's ops launch it on this adapter
 * (variant and options chosen by the op: from the tuned table when there is one, and then the
 * default it replaces), variants 3, 4 and 6 with their default options for the shape, then the
 * swept configurations.
 */
export function oursVariantList(configs: readonly MatmulConfig[]): MatmulVariant[] {
  const tuned = tuningState().state === 'used';
  return [
    { name: tuned ? TUNED_VARIANT : OPS_VARIANT, kernel: matmulKernel, gelu: true },
    ...(tuned ? [{ name: DEFAULT_VARIANT, kernel: defaultMatmulKernel, gelu: true }] : []),
    ...([3, 4, 6] as const).map((v) => ({
      name: `${v} ${matmulVariants[v].name} (default options)`,
      kernel: (s: MatmulShape) => matmulVariants[v].kernel(s),
      gelu: true,
    })),
    ...configs.map((config) => ({
      name: `${config.variant} ${variantName(config)} ${configName(config)}`,
      kernel: (s: MatmulShape) => configuredMatmul(config, s),
    })),
  ];
}

/** Naive and tiled, then ours. */
export function matmulVariantList(configs: readonly MatmulConfig[]): MatmulVariant[] {
  return [
    { name: `1 ${matmulVariants[1].name}`, kernel: matmulVariants[1].kernel },
    { name: `2 ${matmulVariants[2].name}`, kernel: matmulVariants[2].kernel },
    ...oursVariantList(configs),
  ];
}

const VALIDATION_SHAPES: MatmulShape[] = [
  // Odd sizes: every edge guard and the scalar load paths.
  ...[false, true].flatMap((transA) => [false, true].map((transB) => ({ batch: 1, m: 37, n: 29, k: 23, transA, transB }))),
  // Multiples of 4: the vec4 paths, with more than one K step.
  ...[false, true].flatMap((transA) => [false, true].map((transB) => ({ batch: 1, m: 64, n: 48, k: 40, transA, transB }))),
  { batch: 3, m: 20, n: 12, k: 8, transA: false, transB: true, sharedB: true, bias: true },
  { batch: 2, m: 16, n: 8, k: 12, transA: true, transB: false, sharedA: true },
];

const GELU_VALIDATION_SHAPE: MatmulShape = { batch: 1, m: 21, n: 16, k: 12, transA: false, transB: true, bias: true, gelu: true };

/**
 * Runs `kernel` on every validation shape (f16 operands with `half`; and the GELU epilogue's, with
 * `gelu`) and compares with the float64 product.
 */
export async function validateMatmul(kernel: MatmulKernel, half = false, gelu = false): Promise<void> {
  for (const [i, s] of [...VALIDATION_SHAPES, ...(gelu ? [GELU_VALIDATION_SHAPE] : [])].entries()) await checkMatmulAt(kernel, s, i, half);
}

/** Variants 3, 4 and 6 with f16 operands (f32 accumulation and output), as autocast's products launch them, and 5 where there are matrix units. */
export function halfVariantList(): MatmulVariant[] {
  const list: MatmulVariant[] = ([3, 4, 6] as const).map((v) => ({
    name: `${v} ${matmulVariants[v].name} f16 operands`,
    kernel: (s: MatmulShape) => matmulVariants[v].kernel({ ...s, half: true }),
    gelu: true,
  }));
  // Variant 5 on the matrix units, where the adapter offers them (bench.ts looks for them first).
  for (const options of subgroupMatrixCandidatesFound()) {
    list.push({
      name: `5 subgroup-matrix ${configName({ variant: 5, ...options })} f16 operands`,
      kernel: (s: MatmulShape) => matmulSubgroupMatrix({ ...s, half: true }, options),
    });
  }
  return list;
}

export const squareShape = (n: number): MatmulShape => ({ batch: 1, m: n, n, k: n, transA: false, transB: false });

export function matmulGroup(o: BenchOptions): KernelGroup {
  const tokens = o.batch * o.seq;
  const products = [
    ...linearProducts(tokens, o.dim, o.dim),
    ...linearProducts(tokens, o.dim, o.hidden),
    ...linearProducts(tokens, o.hidden, o.dim),
  ];
  const geluProduct = {
    label: `fwd gelu(x·Wᵀ+b) [${tokens},${o.dim}]·[${o.hidden},${o.dim}]ᵀ`,
    shape: { batch: 1, m: tokens, n: o.hidden, k: o.dim, transA: false, transB: true, bias: true, gelu: true },
  };
  const workloads = (v: MatmulVariant, operand?: OperandMaker) =>
    [...products, ...(v.gelu ? [geluProduct] : [])].map((p) => matmulWorkload(p.label, p.shape, v.kernel, operand));
  const variants: Variant[] = matmulVariantList(o.matmulConfigs).map((v) => ({
    name: v.name,
    validate: () => validateMatmul(v.kernel, false, v.gelu),
    workloads: workloads(v),
  }));
  if (gpu().features.has('shader-f16')) {
    for (const v of halfVariantList()) {
      variants.push({ name: v.name, validate: () => validateMatmul(v.kernel, true, v.gelu), workloads: workloads(v, halfTensorOf) });
    }
  }
  return { group: 'matmul', unit: 'GFLOP/s', variants };
}
