// Matmul variants (kernels/matmul.ts: 1 naive, 2 tiled, then the kernel as the ops launch it on
// this adapter, 3 blocked and 4 direct with their default options, and each configuration of a
// sweep; and, where the adapter has shader-f16, variants 3 and 4 on f16 operands as --fp16's
// autocast launches them, and variant 5 on the matrix units where the engine validated it on this
// GPU: kernels/matmul_subgroup_matrix.ts, engine/ops/subgroup_matrix.ts), each validated on small odd
// and aligned shapes in every layout, then timed on
// DistilBERT's products: for each nn.Linear (in → out) over N = batch·seq tokens, the forward x·Wᵀ
// (NT, with the bias epilogue), the input gradient dY·W (NN) and the weight gradient dYᵀ·x (TN),
// and the feed-forward's first product with bias and GELU in the epilogue.
import { Tensor, defaultMatmulKernel, gpu, launchMatmul, matmulKernel, tuningState } from '../../engine/index.ts';
import { roundToHalf } from '../../engine/autograd/float16.ts';
import { subgroupMatrixOptions } from '../../engine/ops/subgroup_matrix.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { matmulVariants } from '../../kernels/matmul_variants.ts';
import { matmulSubgroupMatrix } from '../../kernels/matmul_subgroup_matrix.ts';
import type { MatmulLaunch } from '../../kernels/matmul_split_k.ts';
import { assertClose } from '../../reference/check.ts';
import { gelu, matmul as matmulRef, randn } from '../../reference/float64.ts';
import { configName } from '../matmul_configs.ts';
import type { BenchOptions, MatmulConfig } from '../options.ts';
import { DEFAULT_VARIANT, TUNED_VARIANT } from '../tables.ts';
import { noise, prepareScoped, randomTensor, type KernelGroup, type Variant, type Workload } from '../workload.ts';

export type MatmulKernel = (shape: MatmulShape) => MatmulLaunch;

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
    ...configs.map((config) => {
      const { variant, ...options } = config;
      return {
        name: `${variant} ${matmulVariants[variant].name} ${configName(config)}`,
        kernel: (s: MatmulShape) => matmulVariants[variant].kernel(s, options),
      };
    }),
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

/** C for `shape` in float64, operands as the kernel reads them (shared ones stored once). */
function reference(s: MatmulShape, a: Float64Array, b: Float64Array, bias: Float64Array | null): Float64Array {
  const repeat = (x: Float64Array, shared: boolean | undefined) => {
    if (!shared) return x;
    const out = new Float64Array(x.length * s.batch);
    for (let i = 0; i < s.batch; i++) out.set(x, i * x.length);
    return out;
  };
  const c = matmulRef(repeat(a, s.sharedA), repeat(b, s.sharedB), s.batch, s.m, s.k, s.n, s.transA, s.transB);
  if (bias) for (let i = 0; i < c.length; i++) c[i] += bias[i % s.n];
  return s.gelu ? c.map(gelu) : c;
}

const describe = (s: MatmulShape) =>
  `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} batch ${s.batch} m ${s.m} n ${s.n} k ${s.k}${s.sharedA ? ' shared A' : ''}${s.sharedB ? ' shared B' : ''}${s.bias ? ' +bias' : ''}${s.gelu ? ' gelu' : ''}`;

/**
 * Runs `kernel` at `s` on random operands (seeded by `seed`) and compares with the float64 product.
 * With `half`, the operands are f16 tensors of f16-rounded values (the reference multiplies those).
 */
export async function checkMatmulAt(kernel: MatmulKernel, s: MatmulShape, seed: number, half = false): Promise<void> {
  const operand = (n: number, operandSeed: number) => (half ? randn(n, operandSeed).map(roundToHalf) : randn(n, operandSeed));
  const aData = operand(s.m * s.k * (s.sharedA ? 1 : s.batch), 10 + seed);
  const bData = operand(s.k * s.n * (s.sharedB ? 1 : s.batch), 20 + seed);
  const biasData = s.bias ? randn(s.n, 30 + seed) : null;
  const a = Tensor.fromArray(aData, [aData.length], half ? 'f16' : 'f32');
  const b = Tensor.fromArray(bData, [bData.length], half ? 'f16' : 'f32');
  const c = new Tensor([s.batch * s.m * s.n]);
  const bias = biasData ? Tensor.fromArray(biasData, [s.n]) : null;
  const preActivation = s.gelu ? new Tensor([s.batch * s.m * s.n]) : null;
  try {
    launchMatmul(kernel(s), a, b, c, ...[bias, preActivation].filter((t) => t !== null));
    assertClose(await c.toFloat32(), reference(s, aData, bData, biasData), 1e-4, 1e-4, describe(s));
  } finally {
    for (const t of [a, b, c, bias, preActivation]) t?.release();
  }
}

const GELU_VALIDATION_SHAPE: MatmulShape = { batch: 1, m: 21, n: 16, k: 12, transA: false, transB: true, bias: true, gelu: true };

/**
 * Runs `kernel` on every validation shape (f16 operands with `half`; and the GELU epilogue's, with
 * `gelu`) and compares with the float64 product.
 */
export async function validateMatmul(kernel: MatmulKernel, half = false, gelu = false): Promise<void> {
  for (const [i, s] of [...VALIDATION_SHAPES, ...(gelu ? [GELU_VALIDATION_SHAPE] : [])].entries()) await checkMatmulAt(kernel, s, i, half);
}

/** Variants 3, 4 and 6 with f16 operands (f32 accumulation and output), as autocast's products launch them, and 5. */
export function halfVariantList(): MatmulVariant[] {
  const list: MatmulVariant[] = ([3, 4, 6] as const).map((v) => ({
    name: `${v} ${matmulVariants[v].name} f16 operands`,
    kernel: (s: MatmulShape) => matmulVariants[v].kernel({ ...s, half: true }),
    gelu: true,
  }));
  // Variant 5 on the matrix units, where the engine validated it on this GPU (engine/ops/subgroup_matrix.ts).
  const matrixUnits = subgroupMatrixOptions();
  if (matrixUnits) {
    const { M, N, K } = matrixUnits.config;
    list.push({
      name: `5 subgroup-matrix ${M}x${N}x${K} f16 operands`,
      kernel: (s: MatmulShape) => matmulSubgroupMatrix({ ...s, half: true }, matrixUnits),
    });
  }
  return list;
}

/** The products of one nn.Linear (in → out) over `tokens` rows, as the engine's linear launches them. */
export function linearProducts(tokens: number, inF: number, outF: number): { label: string; shape: MatmulShape }[] {
  return [
    {
      label: `fwd x·Wᵀ+b [${tokens},${inF}]·[${outF},${inF}]ᵀ`,
      shape: { batch: 1, m: tokens, n: outF, k: inF, transA: false, transB: true, bias: true },
    },
    {
      label: `dX dY·W [${tokens},${outF}]·[${outF},${inF}]`,
      shape: { batch: 1, m: tokens, n: inF, k: outF, transA: false, transB: false },
    },
    {
      label: `dW dYᵀ·x [${tokens},${outF}]ᵀ·[${tokens},${inF}]`,
      shape: { batch: 1, m: outF, n: inF, k: tokens, transA: true, transB: false },
    },
  ];
}

export const squareShape = (n: number): MatmulShape => ({ batch: 1, m: n, n, k: n, transA: false, transB: false });

/** An operand of `size` elements from `seed`: random f32 values, unless given another maker. */
export type OperandMaker = (size: number, seed: number) => Tensor;
const randomOperand: OperandMaker = (size, seed) => randomTensor([size], seed);
export const halfTensorOf: OperandMaker = (size, seed) => Tensor.fromArray(noise(size, seed), [size], 'f16');

/** One kernel launch on random operands of `shape`. */
export function matmulWorkload(label: string, shape: MatmulShape, kernel: MatmulKernel, operand = randomOperand): Workload {
  return {
    label,
    work: 2 * shape.batch * shape.m * shape.n * shape.k,
    prepare: () =>
      prepareScoped(() => {
        const a = operand(shape.m * shape.k * (shape.sharedA ? 1 : shape.batch), 1);
        const b = operand(shape.k * shape.n * (shape.sharedB ? 1 : shape.batch), 2);
        const c = new Tensor([shape.batch * shape.m * shape.n]);
        const epilogue = [
          ...(shape.bias ? [randomTensor([shape.n], 3)] : []),
          ...(shape.gelu ? [new Tensor([shape.batch * shape.m * shape.n])] : []),
        ];
        const inputs = [a, b, c, ...epilogue];
        const launch = kernel(shape);
        return () => launchMatmul(launch, ...inputs);
      }),
  };
}

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
