// Matmul variant 6, split-K: variant 3's kernel (kernels/matmul.ts) over `splits` slices of K at
// once, then a second launch that sums the slices. For products whose output has few tiles but
// whose K is long, as the weight gradients dW = dYᵀ·x are (K = batch·seq tokens): out_lin's dW at
// DistilBERT-base (768×768 out of 4,096 tokens) is 144 workgroups of 64×64, a tenth of what an
// H100's 132 SMs run at once; in 8 slices of 512 tokens it is 1,152. As `linear` launches it,
// with the bias gradient's column (kernels/matmul.ts, `biasGrad`), 156 and 7 slices: 1,092.
//
// Launch 1: workgroup z covers batch entry z mod batch, slice z div batch (kBegin = slice·kSplit),
// and stores its block of the slice's partial product to partial[slice, batch, M, N]. Launch 2:
// one thread per element of C sums the slices in order and stores through storeC, with the
// epilogue (bias, GELU or its derivative, or the bias gradient's column of row sums).
// Deterministic: every sum runs in a fixed order. The order differs from variant 3's (a sum of
// slice sums), so the bits may too.
//
// CPU reference: reference/float64.ts `matmul`; tests: test/ops/matmul.test.ts; `npm run bench`
// times it and `npm run tune` may choose it.
import { flatGrid, flatKernelMain, uniformBlock, type KernelLaunch } from './launch.ts';
import {
  type BlockedOptions,
  type MatmulShape,
  blockedLaunch,
  blockedOptionsFor,
  checkPositive,
  flagsName,
  inputFunctions,
  matmulInputCount,
  outputFunctions,
  productColumns,
  tileGrid,
  uniformsFor,
} from './matmul.ts';

export interface SplitKOptions extends BlockedOptions {
  /** Slices of K, each a workgroup layer of its own. */
  splits: number;
}

/** A product launched in two parts: this launch, then `sum` over the partial products. */
export interface MatmulLaunch extends KernelLaunch {
  splitK?: {
    sum: KernelLaunch;
    /** f32 elements of the partial products' buffer, bound last by this launch and first by `sum`. */
    partialElements: number;
    /** How many of the product's bindings (A's and B's) this launch takes; `sum` takes the rest. */
    inputs: number;
  };
}

/** Enough workgroups to fill a large GPU: 132 SMs × 8 blocks of a few warps each. */
export const FILL_WORKGROUPS = 1024;
/** The shortest slice worth a workgroup: shorter ones spend more on the partials than they save. */
const MIN_SLICE = 256;

/**
 * How many K slices it takes for variant 3's default tiles of `s` to make FILL_WORKGROUPS
 * workgroups, with slices of at least MIN_SLICE: 1 when the tiles alone do, or K is too short.
 */
export function slicesToFill(s: MatmulShape): number {
  const o = blockedOptionsFor(s);
  const workgroups = tileGrid(s, o.tileM, o.tileN).workgroups.reduce((x, y) => x * y);
  return Math.max(1, Math.min(Math.ceil(FILL_WORKGROUPS / workgroups), Math.floor(s.k / MIN_SLICE)));
}

/**
 * Whether the ops launch `s` as split-K on a GPU: a TN product, a weight gradient dW = dYᵀ·x whose
 * K runs over the tokens, where variant 3's tiles leave the GPU short (`slicesToFill` over 1).
 * The forward and input-gradient products at DistilBERT-base's batch 64 × 64 make 576 to 768
 * workgroups too, but their K is one layer's width, and splitting it would cost a write and a read
 * of C per slice for little: they stay variant 3 until a GPU's timings say otherwise.
 */
export const splitKByDefault = (s: MatmulShape) => s.transA && !s.transB && slicesToFill(s) > 1;

/** Variant 6's defaults: variant 3's tiles, in `slicesToFill` slices but at least 2. */
export const splitKOptionsFor = (s: MatmulShape): SplitKOptions => ({ ...blockedOptionsFor(s), splits: Math.max(2, slicesToFill(s)) });

/** Variant 6. Bindings: A and B, then the partial products (launch 1); those, then C and the epilogue's (`sum`). */
export function matmulSplitK(s: MatmulShape, options: Partial<SplitKOptions> = {}): MatmulLaunch {
  const { splits, ...blocked } = { ...splitKOptionsFor(s), ...options };
  checkPositive({ splits }, ['splits']);
  const inputs = matmulInputCount(s);
  const partialStore = `@group(0) @binding(${inputs + 1}) var<storage, read_write> partial: array<f32>;
fn storeC(entry: u32, m: u32, n: u32, value: f32) { partial[(entry * p.m + m) * p.n + n] = value; }`;
  const { options: o, ...product } = blockedLaunch(
    s,
    blocked,
    splits,
    (u) => `${s.half ? 'enable f16;\n' : ''}${uniformBlock(u)}${inputFunctions(s)}\n${partialStore}`,
  );
  const entries = s.batch * s.m * productColumns(s);
  const sumUniforms = uniformsFor(s, 1, splits);
  const sum: KernelLaunch = {
    name: `matmul_split_k_sum${flagsName({ ...s, half: false, roundA: false, roundB: false, slots: s.slots?.c ? { c: true } : undefined, kSlots: undefined })}`,
    code: `${uniformBlock(sumUniforms)}@group(0) @binding(1) var<storage, read> partial: array<f32>;
${outputFunctions(s, 2)}
${flatKernelMain(
  256,
  'p.batch * p.m * p.n',
  `
  let n = i % p.n;
  let m = (i / p.n) % p.m;
  let batch = i / (p.m * p.n);
  var total = 0.0;
  for (var slice = 0u; slice < p.splits; slice++) { total += partial[((slice * p.batch + batch) * p.m + m) * p.n + n]; }
  storeC(batch, m, n, total);`,
)}`,
    workgroups: flatGrid(entries, 256),
    uniforms: sumUniforms,
  };
  // Named by what its text depends on: the epilogue and C's slots are the sum's.
  const inputFlags = flagsName({ ...s, bias: false, gelu: false, geluGrad: false, slots: s.slots && { a: s.slots.a, b: s.slots.b } });
  const name = `matmul_split_k_${o.tileM}x${o.tileN}x${o.tileK}_${o.threadM}x${o.threadN}_${splits}${inputFlags}`;
  return { ...product, name, splitK: { sum, partialElements: splits * entries, inputs } };
}
