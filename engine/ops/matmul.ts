// Matrix products with autograd: `matmul` (batched, either operand transposed), `linear`
// (nn.Linear: x·Wᵀ + bias, the bias added in the product's epilogue) and `feedForward` (a
// transformer's two linears with GELU between them, GELU's backward in a product's epilogue).
//
// Gradients are products too. For C = op(A)·op(B) with output gradient G, d op(A) = G·op(B)ᵀ and
// d op(B) = op(A)ᵀ·G; each is launched as one NN, NT or TN product of the tensors as they are, so
// no transpose is ever copied. An operand shared across the batch (2-D against a batched one) gets
// the sum over the batch: a single product with the batch folded into the contracted dim when
// both factors are stacked along it, else one product per entry, summed by the deterministic
// column reduction.
//
// A linear layer's bias gradient, the column sums of its output gradient G, comes out of the
// launch of its weight gradient Gᵀ·X, as the product's `biasGrad` epilogue (kernels/matmul.ts).
//
// Under autocast (engine/ops/autocast.ts) the products compute on the f16 roundings of their f32
// operands, accumulate in f32 and return f32, and each backward product takes the output gradient
// rounded to f16 as its operand, as torch's autocast backward does. No operand is cast: the
// products read the f32 tensors and round them as they load them (kernels/matmul.ts `roundA`,
// `roundB`), the numbers of a cast, without its launch or f16 copy.
import type { DirectOptions } from '../../kernels/cpu/matmul.ts';
import type { BlockedOptions, MatmulShape } from '../../kernels/matmul.ts';
import { type MatmulLaunch, type SplitKOptions, splitKByDefault } from '../../kernels/matmul_split_k.ts';
import type { SubgroupMatrixOptions } from '../../kernels/matmul_subgroup_matrix.ts';
import { setting } from '../env.ts';
import { matmulSubgroupMatrix, matmulVariants } from '../gpu/kernels.ts';
import { autocasting, toHalf } from './autocast.ts';
import { kernelClass } from '../gpu/device.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { subgroupMatrixAvailable } from './subgroup_matrix.ts';
import { tunedChoice } from '../gpu/tuning.ts';
import { Tensor, noGrad, numel, sameShape, shapeStr, type Shape } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { geluBackward } from './elementwise.ts';
import { sumColumnsOf } from './row_sums.ts';
import { reshape } from './shape.ts';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

const describe = (t: Tensor, transposed: boolean) => `${t.name} ${shapeStr(t.shape)}${transposed ? ' (transposed)' : ''}`;

/**
 * The kernel's view of op(a)·op(b), and the output shape [...batch, M, N]. With `rounded`, a
 * product on f16 values: an f16 operand as it is, an f32 one rounded as the kernel loads it.
 */
function planProduct(
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
  what: string,
  rounded = false,
): { shape: MatmulShape; outShape: number[] } {
  for (const t of [a, b]) {
    if (t.shape.length < 2) throw new Error(`${what}: ${t.name} ${shapeStr(t.shape)} is not a matrix or a batch of matrices`);
    if (t.dtype !== 'f32' && t.dtype !== 'f16')
      throw new Error(`${what}: ${t.name} is ${t.dtype}; matrix products take f32 or f16 tensors`);
  }
  if (a.dtype !== b.dtype && !rounded)
    throw new Error(`${what}: ${a.name} is ${a.dtype} but ${b.name} is ${b.dtype}; both operands must have one type`);
  const half = rounded || a.dtype === 'f16';
  const rounding = rounded ? { roundA: a.dtype === 'f32', roundB: b.dtype === 'f32' } : {};
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const [m, k] = transA ? [aCols, aRows] : [aRows, aCols];
  const [kB, n] = transB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kB) throw new Error(`${what}: inner dims differ: ${describe(a, transA)} times ${describe(b, transB)}`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (aBatch.length > 0 && bBatch.length > 0 && !sameShape(aBatch, bBatch)) {
    throw new Error(`${what}: batch dims differ: ${describe(a, transA)} times ${describe(b, transB)}`);
  }
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  const outShape = [...batchShape, m, n];
  const batch = numel(batchShape);
  const sharedA = aBatch.length === 0 && batch > 1;
  const sharedB = bBatch.length === 0 && batch > 1;
  // A stack of row-major [M, K] matrices times one B is a single [batch·M, K] product.
  if (sharedB && !transA) return { shape: { batch: 1, m: batch * m, n, k, transA, transB, half, ...rounding }, outShape };
  return { shape: { batch, m, n, k, transA, transB, sharedA, sharedB, half, ...rounding }, outShape };
}

/**
 * The kernel the ops launch for a product. With a tuned table for this adapter (engine/gpu/tuning.ts),
 * the configuration it measured fastest at the nearest tuned shape; else the default for the
 * adapter's class (engine/gpu/device.ts: `kernelClass`, which ENGINE_KERNELS overrides): CPU
 * implementations of WebGPU ("software") get the direct kernel (variant 4,
 * kernels/cpu/matmul.ts: no workgroup memory, no barriers; its header says why). GPUs get the
 * blocked kernel (variant 3), or split-K (variant 6) for a weight gradient whose output has too
 * few tiles to fill the GPU (`opsMatmulVariant`). ENGINE_MATMUL=blocked|direct|split-k forces a
 * variant with its default options, table or not (the tests run the ops under each). f16
 * products run on the matrix units (variant 5) only where the table chose it, which the tuner does
 * where it beat variant 3 (engine/ops/subgroup_matrix.ts), and not with ENGINE_SUBGROUP_MATRIX=0.
 */
export function matmulKernel(shape: MatmulShape): MatmulLaunch {
  const forced = forcedMatmulVariant();
  if (forced) return matmulVariants[forced].kernel(shape);
  const tuned = tunedMatmul(shape);
  if (tuned?.variant === 5 && !matrixUnitsCanRun(shape)) return defaultMatmulKernel(shape);
  return tuned ? configuredMatmul(tuned, shape) : defaultMatmulKernel(shape);
}

const tunedMatmul = (s: MatmulShape) => tunedChoice('matmul', matmulTuningKey(s), [s.m, s.n, s.k]) as MatmulConfig | undefined;

/** Whether variant 5 can run `s`: f16 tensors, none of the epilogues and slots it lacks, the matrix units on. */
const matrixUnitsCanRun = (s: MatmulShape) =>
  s.half && !s.roundA && !s.roundB && !s.gelu && !s.geluGrad && !s.biasGrad && !s.slots && !s.kSlots && subgroupMatrixAvailable();

/**
 * Whether the ops run `s` on the matrix units (variant 5): a tuned table chose them, and they can
 * run it, its f32 operands cast to f16 first (`product`).
 */
const onMatrixUnits = (s: MatmulShape) =>
  !forcedMatmulVariant() && tunedMatmul(s)?.variant === 5 && matrixUnitsCanRun({ ...s, roundA: false, roundB: false });

/** A variant and its options: what the tuner tries and its table stores. */
export type MatmulConfig =
  | ({ variant: 3 } & BlockedOptions)
  | ({ variant: 4 } & DirectOptions)
  | ({ variant: 5 } & SubgroupMatrixOptions)
  | ({ variant: 6 } & SplitKOptions);

export function configuredMatmul(config: MatmulConfig, shape: MatmulShape): MatmulLaunch {
  if (config.variant === 5) {
    const { variant, ...options } = config;
    return matmulSubgroupMatrix(shape, options);
  }
  const { variant, ...options } = config;
  return matmulVariants[variant].kernel(shape, options);
}

const FORCED = { blocked: 3, direct: 4, 'split-k': 6 } as const;

function forcedMatmulVariant(): 3 | 4 | 6 | undefined {
  const forced = setting('ENGINE_MATMUL');
  return forced ? FORCED[forced] : undefined;
}

/**
 * The variant the ops launch for `shape` without a table: ENGINE_MATMUL's, else the adapter's
 * default: direct on a CPU implementation; on a GPU blocked, or split-K for a weight gradient
 * whose output has too few tiles to fill it (kernels/matmul_split_k.ts `splitKByDefault`).
 */
export function opsMatmulVariant(shape: MatmulShape): 3 | 4 | 6 {
  return forcedMatmulVariant() ?? (kernelClass() === 'software' ? 4 : splitKByDefault(shape) ? 6 : 3);
}

/** The launch without a table: the ops' variant with its default options for the shape. */
export function defaultMatmulKernel(shape: MatmulShape): MatmulLaunch {
  return matmulVariants[opsMatmulVariant(shape)].kernel(shape);
}

/**
 * Launches a product on its tensors in kernels/matmul.ts's binding order; a split-K one as its
 * two launches, with the partial products in a temporary buffer between them.
 */
export function launchMatmul(kernel: MatmulLaunch, ...tensors: Tensor[]): void {
  if (!kernel.splitK) {
    launchOn(kernel, ...tensors);
    return;
  }
  const { sum, partialElements, inputs } = kernel.splitK;
  const partial = new Tensor([partialElements]);
  launchOn(kernel, ...tensors.slice(0, inputs), partial);
  launchOn(sum, partial, ...tensors.slice(inputs));
  partial.release();
}

/** What a tuned entry for a product is keyed by, besides its dims [m, n, k]. */
export const matmulTuningKey = (s: MatmulShape) =>
  `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'} batch ${s.batch}${s.sharedA ? ' sharedA' : ''}${s.sharedB ? ' sharedB' : ''}${s.bias ? ' bias' : ''}${s.half ? ' f16' : ''}`;

/**
 * What a product's epilogue does besides storing C: add `bias`; apply GELU, storing what went into
 * it in `preActivation` (the output's shape); multiply by gelu'(`geluInput`); store op(a)'s row sums in `biasGrad` ([M], a 2-D
 * product's only).
 */
interface Epilogue {
  bias?: Tensor;
  preActivation?: Tensor;
  /** Multiplies C by gelu'(geluInput): GELU's backward, where op(a)·op(b) is the gradient at its output. */
  geluInput?: Tensor;
  biasGrad?: Tensor;
}

/**
 * op(a)·op(b), no autograd, with `epilogue`; with `rounded`, on f16 values (`planProduct`). The
 * matrix units read f16 tensors only: where a tuned table runs the product there, its f32
 * operands are cast first, a launch that the matrix units are worth.
 */
function product(a: Tensor, b: Tensor, transA: boolean, transB: boolean, what: string, epilogue: Epilogue = {}, rounded = false): Tensor {
  const { shape, outShape } = planProduct(a, b, transA, transB, what, rounded);
  const { bias, preActivation, geluInput, biasGrad } = epilogue;
  const flags = {
    bias: bias !== undefined,
    gelu: preActivation !== undefined,
    geluGrad: geluInput !== undefined,
    biasGrad: biasGrad !== undefined,
  };
  if ((shape.roundA || shape.roundB) && onMatrixUnits({ ...shape, ...flags })) {
    const [x, y] = noGrad(() => [a, b].map((t) => (t.dtype === 'f32' ? toHalf(t) : t)));
    return product(x, y, transA, transB, what, epilogue);
  }
  const out = new Tensor(outShape);
  if (out.numel === 0) return out;
  launchMatmul(
    matmulKernel({ ...shape, ...flags }),
    a,
    b,
    out,
    ...[bias, preActivation, geluInput, biasGrad].filter((t) => t !== undefined),
  );
  return out;
}

/**
 * A gradient product, summed over the batch when the operand it is for has no batch dims; with
 * `rounded`, on f16 values (`planProduct`).
 */
function gradientProduct(x: Tensor, y: Tensor, transX: boolean, transY: boolean, target: Shape, rounded: boolean): Tensor {
  const batched = x.shape.length > 2 && y.shape.length > 2;
  if (!batched || target.length > 2) return product(x, y, transX, transY, 'matmul backward', {}, rounded);
  if (transX && !transY) {
    // Both factors are stacked along the contracted dim: Σ_b X_bᵀ·Y_b = [X_0; X_1; …]ᵀ·[Y_0; Y_1; …].
    const stacked = (t: Tensor) => reshape(t, [-1, t.shape[t.shape.length - 1]]);
    return product(stacked(x), stacked(y), true, false, 'matmul backward', {}, rounded);
  }
  const perEntry = product(x, y, transX, transY, 'matmul backward', {}, rounded);
  const batch = perEntry.numel / numel(target);
  return reshape(sumColumnsOf(reshape(perEntry, [batch, numel(target)])), target);
}

/**
 * op(a)·op(b): a [...batch, M, K] ([...batch, K, M] if transA), b [...batch, K, N] ([..., N, K] if
 * transB); either may be 2-D and shared across the other's batch. Returns [...batch, M, N].
 */
export const matmul = op('matmul', function matmul(x: Tensor, y: Tensor, { transA = false, transB = false }: MatmulOptions = {}): Tensor {
  const out = product(x, y, transA, transB, 'matmul', {}, autocasting());
  // On f16 values (under autocast, or f16 tensors), the gradient products round g as they load it.
  const half = onHalf(x);
  return out.setBackward([x, y], (g) => {
    return [
      !x.requiresGrad
        ? null
        : transA
          ? gradientProduct(y, g, transB, true, x.shape, half)
          : gradientProduct(g, y, false, !transB, x.shape, half),
      !y.requiresGrad
        ? null
        : transB
          ? gradientProduct(g, x, true, transA, y.shape, half)
          : gradientProduct(x, g, !transA, false, y.shape, half),
    ];
  });
});

/** Whether an op's products, forward and backward, compute on f16 values: under autocast, or on f16 tensors. */
const onHalf = (x: Tensor) => autocasting() || x.dtype === 'f16';

/** Throws one line unless `weight` is [out, in] for x's last dim `in`, and `bias` (if any) is [out]. */
function checkLinear(what: string, x: { name: string; shape: Shape }, weight: Tensor, bias?: Tensor): void {
  if (weight.shape.length !== 2) throw new Error(`${what}: weight ${weight.name} ${shapeStr(weight.shape)} must be [out, in]`);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.shape.length === 0 || x.shape[x.shape.length - 1] !== inFeatures) {
    throw new Error(`${what}: input ${x.name} ${shapeStr(x.shape)} does not end in weight ${weight.name}'s ${inFeatures} input features`);
  }
  if (bias && !sameShape(bias.shape, [outFeatures])) {
    throw new Error(`${what}: bias ${bias.name} ${shapeStr(bias.shape)} must be [${outFeatures}] to match weight ${weight.name}`);
  }
}

/**
 * A linear layer's gradients [dX, dW, db] from flatG [rows, out], the gradient at its output, and
 * its input flatX [rows, in]: dX = G·W (null unless `inputGrad`; with `geluInput`, times
 * gelu'(geluInput), the gradient at the pre-activation whose GELU the layer took as input), and
 * dW = Gᵀ·X with db in its launch. With `half` the products round G to f16 as they load it,
 * and db is the f32 sum of those rounded values, the operand dW multiplies: torch's autocast sums
 * the same f16 values (its output gradient is f16), then rounds the sum to f16, where ours stays
 * f32 as all our gradients do. Where a tuned table runs an f16 dW on the matrix units (variant 5,
 * which has no such epilogue), db is a column sum of G of its own: the matrix units are worth
 * more than the launch.
 */
function linearGradients(
  flatG: Tensor,
  flatX: Tensor,
  w: Tensor,
  bias: Tensor | undefined,
  inputGrad: boolean | { geluInput: Tensor },
  half: boolean,
) {
  const fused =
    bias?.requiresGrad &&
    w.requiresGrad &&
    flatX.shape[1] > 0 &&
    !onMatrixUnits(planProduct(flatG, flatX, true, false, 'linear backward', half).shape);
  const fusedBiasGrad = fused ? new Tensor([w.shape[0]]) : undefined;
  const epilogue = inputGrad === true ? {} : inputGrad || undefined;
  const dX = epilogue ? product(flatG, w, false, false, 'linear backward', epilogue, half) : null;
  const dW = w.requiresGrad ? product(flatG, flatX, true, false, 'linear backward', { biasGrad: fusedBiasGrad }, half) : null;
  return [dX, dW, bias?.requiresGrad ? (fusedBiasGrad ?? sumColumnsOf(flatG)) : null] as const;
}

/**
 * nn.Linear: x [..., in] · weightᵀ (weight [out, in]) + bias [out] -> [..., out]; with activation
 * 'gelu', GELU of that (exact erf form) from the same launch, as gelu(linear(x, weight, bias)).
 * The product's epilogue stores the pre-activation, which the backward needs for gelu'.
 */
export const linear = op('linear', function linear(x: Tensor, weight: Tensor, bias?: Tensor, activation?: 'gelu'): Tensor {
  checkLinear('linear', x, weight, bias);
  const [outFeatures, inFeatures] = weight.shape;
  const lead = x.shape.slice(0, -1);
  const rows = numel(lead);
  const half = onHalf(x);
  const flatX = noGrad(() => reshape(x, [rows, inFeatures]));
  const preActivation = activation === 'gelu' ? new Tensor([rows, outFeatures]) : undefined;
  const flatOut = product(flatX, weight, false, true, 'linear', { bias, preActivation }, autocasting());
  const out = noGrad(() => reshape(flatOut, [...lead, outFeatures]));
  return out.setBackward(bias ? [x, weight, bias] : [x, weight], (g) => {
    const flatOutGrad = reshape(g, [rows, outFeatures]);
    // The gradient at the pre-activation, from which the product's gradients follow as without GELU.
    const flatG = preActivation ? geluBackward(flatOutGrad, preActivation) : flatOutGrad;
    const [dX, dW, db] = linearGradients(flatG, flatX, weight, bias, x.requiresGrad, half);
    return [dX && reshape(dX, x.shape), dW, db];
  });
});

/**
 * A transformer's feed-forward block, linear(linear(x, first, firstBias, 'gelu'), second,
 * secondBias), x [..., in] -> [..., out], launching what the two linears launch forward, and one
 * launch fewer backward: GELU's backward is the epilogue of the product that gives the gradient at
 * the hidden layer, (G·second) ⊙ gelu'(pre-activation), the same numbers as the two linears'.
 */
export const feedForward = op(
  'feedForward',
  function feedForward(x: Tensor, first: Tensor, firstBias: Tensor | undefined, second: Tensor, secondBias?: Tensor): Tensor {
    checkLinear('feedForward', x, first, firstBias);
    const [hiddenFeatures, inFeatures] = first.shape;
    const lead = x.shape.slice(0, -1);
    checkLinear('feedForward', { name: `${first.name}'s output`, shape: [...lead, hiddenFeatures] }, second, secondBias);
    const outFeatures = second.shape[0];
    const rows = numel(lead);
    const [rounded, half] = [autocasting(), onHalf(x)];
    const flatX = noGrad(() => reshape(x, [rows, inFeatures]));
    const preActivation = new Tensor([rows, hiddenFeatures]);
    const hidden = product(flatX, first, false, true, 'feedForward', { bias: firstBias, preActivation }, rounded);
    const out = noGrad(() =>
      reshape(product(hidden, second, false, true, 'feedForward', { bias: secondBias }, rounded), [...lead, outFeatures]),
    );
    const inputs = [x, first, firstBias, second, secondBias];
    return out.setBackward(
      inputs.filter((t) => t !== undefined),
      (g) => {
        const flatG = reshape(g, [rows, outFeatures]);
        const [dHidden, dW2, db2] = linearGradients(flatG, hidden, second, secondBias, { geluInput: preActivation }, half);
        const [dX, dW1, db1] = linearGradients(dHidden!, flatX, first, firstBias, x.requiresGrad, half);
        const grads = [dX && reshape(dX, x.shape), dW1, db1, dW2, db2];
        return grads.filter((_, i) => inputs[i] !== undefined);
      },
    );
  },
);
