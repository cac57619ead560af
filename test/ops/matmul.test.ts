// matmul and linear against the float64 reference (forward, and backward by finite differences),
// once with each kernel the ops can launch (blocked for GPUs, direct for llvmpipe), and every kernel
// variant and tile configuration against it directly, on aligned and unaligned sizes, every
// transpose layout, shared operands and grids beyond 65535 tile rows.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { matmulDirect, type DirectOptions } from '../../kernels/cpu/matmul.ts';
import { matmulBlocked, type BlockedOptions, type MatmulShape } from '../../kernels/matmul.ts';
import { type MatmulLaunch, splitKByDefault, splitKOptionsFor } from '../../kernels/matmul_split_k.ts';
import { matmulNaive } from '../../kernels/matmul_teaching.ts';
import { matmulVariants } from '../../kernels/matmul_variants.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { testEachKernel, withOpsKernel } from '../support/matmul_kernels.ts';
import { gelu as geluRef, geluGrad as geluGradRef, matmul as matmulRef, randn, type F64 } from '../../reference/float64.ts';

interface Case {
  batch?: number[];
  m: number;
  k: number;
  n: number;
  transA?: boolean;
  transB?: boolean;
  /** Which operand is 2-D while the other carries the batch dims. */
  shared?: 'a' | 'b';
}

const layout = (c: { transA?: boolean; transB?: boolean }) => `${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}`;
const count = (dims: number[]) => dims.reduce((x, y) => x * y, 1);

function shapesOf(c: Case): { a: number[]; b: number[]; batch: number } {
  const batch = c.batch ?? [];
  const a = c.transA ? [c.k, c.m] : [c.m, c.k];
  const b = c.transB ? [c.n, c.k] : [c.k, c.n];
  return { a: c.shared === 'a' ? a : [...batch, ...a], b: c.shared === 'b' ? b : [...batch, ...b], batch: count(batch) };
}

/** `x` repeated `times` times, for the reference of a shared operand. */
function repeated(x: F64, times: number): F64 {
  const out = new Float64Array(x.length * times);
  for (let i = 0; i < times; i++) out.set(x, i * x.length);
  return out;
}

function reference(c: Case, a: F64, b: F64): F64 {
  const { batch } = shapesOf(c);
  return matmulRef(
    c.shared === 'a' ? repeated(a, batch) : a,
    c.shared === 'b' ? repeated(b, batch) : b,
    batch,
    c.m,
    c.k,
    c.n,
    c.transA,
    c.transB,
  );
}

async function checkMatmul(c: Case, maxEntries?: number): Promise<void> {
  const shapes = shapesOf(c);
  await gradcheck({
    inputs: [
      // Scaled as weights are initialised, so outputs stay O(1) whatever K (float32 error grows with K·|a||b|).
      { shape: shapes.a, data: randn(count(shapes.a), 1, 1 / Math.sqrt(c.k)) },
      { shape: shapes.b, data: randn(count(shapes.b), 2) },
    ],
    gpu: ([a, b]) => E.matmul(a, b, { transA: c.transA, transB: c.transB }),
    cpu: ([a, b]) => reference(c, a, b),
    maxEntries,
  });
}

const LAYOUTS = [
  { transA: false, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: false },
  { transA: true, transB: true },
];

for (const [m, k, n] of [
  [1, 1, 1],
  [7, 13, 5],
  [4, 8, 12],
]) {
  for (const t of LAYOUTS) {
    testEachKernel(`matmul ${m}x${k}x${n} ${layout(t)}`, () => checkMatmul({ m, k, n, ...t }));
  }
}

testEachKernel('matmul 3x768x3072 NN (sampled gradients)', () => checkMatmul({ m: 3, k: 768, n: 3072 }, 12));

for (const t of LAYOUTS.slice(0, 3)) {
  testEachKernel(`matmul batch of 12 64x64x64 ${layout(t)} (sampled gradients)`, () =>
    checkMatmul({ batch: [12], m: 64, k: 64, n: 64, ...t }, 16),
  );
}

for (const t of LAYOUTS) {
  testEachKernel(`matmul with b shared across a [2, 3] batch, ${layout(t)}`, () =>
    checkMatmul({ batch: [2, 3], m: 7, k: 5, n: 6, shared: 'b', ...t }),
  );
  testEachKernel(`matmul with a shared across a [2, 3] batch, ${layout(t)}`, () =>
    checkMatmul({ batch: [2, 3], m: 5, k: 8, n: 9, shared: 'a', ...t }),
  );
}

/** nn.Linear's float64 reference: x [rows, in] · Wᵀ + bias. */
function linearRef(x: F64, w: F64, bias: F64 | null, rows: number, inF: number, outF: number): F64 {
  const y = matmulRef(x, w, 1, rows, inF, outF, false, true);
  if (bias) y.forEach((v, i) => (y[i] = v + bias[i % outF]));
  return y;
}

for (const [lead, inF, outF, maxEntries] of [
  [[2, 3], 5, 4],
  [[3], 768, 3072, 12],
  [[], 6, 3],
] as [number[], number, number, number?][]) {
  testEachKernel(`linear ${JSON.stringify([...lead, inF])} -> ${outF}, with and without bias`, async () => {
    const rows = count(lead);
    const x = { shape: [...lead, inF], data: randn(rows * inF, 3) };
    const w = { shape: [outF, inF], data: randn(outF * inF, 4, 0.2) };
    const bias = { shape: [outF], data: randn(outF, 5) };
    await gradcheck({
      inputs: [x, w, bias],
      gpu: ([xt, wt, bt]) => E.linear(xt, wt, bt),
      cpu: ([xv, wv, bv]) => linearRef(xv, wv, bv, rows, inF, outF),
      maxEntries,
    });
    await gradcheck({
      inputs: [x, w],
      gpu: ([xt, wt]) => E.linear(xt, wt),
      cpu: ([xv, wv]) => linearRef(xv, wv, null, rows, inF, outF),
      maxEntries,
    });
  });
  testEachKernel(`linear ${JSON.stringify([...lead, inF])} -> ${outF} with GELU in the epilogue, with and without bias`, async () => {
    const rows = count(lead);
    const x = { shape: [...lead, inF], data: randn(rows * inF, 6) };
    const w = { shape: [outF, inF], data: randn(outF * inF, 7, 0.5) };
    const bias = { shape: [outF], data: randn(outF, 8) };
    await gradcheck({
      inputs: [x, w, bias],
      gpu: ([xt, wt, bt]) => E.linear(xt, wt, bt, 'gelu'),
      cpu: ([xv, wv, bv]) => linearRef(xv, wv, bv, rows, inF, outF).map(geluRef),
      maxEntries,
    });
    await gradcheck({
      inputs: [x, w],
      gpu: ([xt, wt]) => E.linear(xt, wt, undefined, 'gelu'),
      cpu: ([xv, wv]) => linearRef(xv, wv, null, rows, inF, outF).map(geluRef),
      maxEntries,
    });
  });
}

testEachKernel('feedForward [2, 3, 5] -> 4 -> 3: two linears with GELU between, its backward in an epilogue', async () => {
  const x = { shape: [2, 3, 5], data: randn(30, 3) };
  const w1 = { shape: [4, 5], data: randn(20, 4, 0.5) };
  const b1 = { shape: [4], data: randn(4, 5) };
  const w2 = { shape: [3, 4], data: randn(12, 6, 0.5) };
  const b2 = { shape: [3], data: randn(3, 7) };
  await gradcheck({
    inputs: [x, w1, b1, w2, b2],
    gpu: ([xt, w1t, b1t, w2t, b2t]) => E.feedForward(xt, w1t, b1t, w2t, b2t),
    cpu: ([xv, w1v, b1v, w2v, b2v]) => linearRef(linearRef(xv, w1v, b1v, 6, 5, 4).map(geluRef), w2v, b2v, 6, 4, 3),
  });
});

test("a GPU's default: split-K for DistilBERT-base's weight gradients at batch 64 x 64, not for the other products", () => {
  const tokens = 64 * 64;
  const dW = (outF: number, inF: number, k = tokens): MatmulShape => ({ batch: 1, m: outF, n: inF, k, transA: true, transB: false });
  assert.equal(
    [dW(768, 768), dW(3072, 768), dW(768, 3072)].map((s) => splitKOptionsFor(s).splits),
    [8, 2, 2],
  );
  assert.ok([dW(768, 768), dW(3072, 768), dW(768, 3072)].every(splitKByDefault));
  assert.ok(!splitKByDefault(dW(768, 768, 64)), 'a short K');
  assert.ok(!splitKByDefault({ batch: 1, m: tokens, n: 768, k: 768, transA: false, transB: true }), 'a forward product');
});

test('linear under split-K (variant 6): the products in two launches, the bias in the second', () =>
  withOpsKernel('split-k', async () => {
    const x = { shape: [2, 3, 5], data: randn(30, 3) };
    const w = { shape: [4, 5], data: randn(20, 4, 0.2) };
    const bias = { shape: [4], data: randn(4, 5) };
    await gradcheck({
      inputs: [x, w, bias],
      gpu: ([xt, wt, bt]) => E.linear(xt, wt, bt),
      cpu: ([xv, wv, bv]) => linearRef(xv, wv, bv, 6, 5, 4),
    });
  }));

/**
 * Runs one kernel launch on random operands and compares with the reference (and the stored
 * pre-activation, with `gelu`; times gelu' of a random pre-activation, with `geluGrad`; op(A)'s
 * row sums, with `biasGrad`).
 */
async function checkKernel(s: MatmulShape, makeKernel: (s: MatmulShape) => MatmulLaunch): Promise<void> {
  const aLength = (s.sharedA ? 1 : s.batch) * s.m * s.k;
  const bLength = (s.sharedB ? 1 : s.batch) * s.k * s.n;
  const a = randn(aLength, 6);
  const b = randn(bLength, 7);
  const bias = s.bias ? randn(s.n, 8) : null;
  const expected = matmulRef(
    s.sharedA ? repeated(a, s.batch) : a,
    s.sharedB ? repeated(b, s.batch) : b,
    s.batch,
    s.m,
    s.k,
    s.n,
    s.transA,
    s.transB,
  );
  if (bias) expected.forEach((v, i) => (expected[i] = v + bias[i % s.n]));
  const geluInput = randn(s.batch * s.m * s.n, 9);
  if (s.geluGrad) expected.forEach((v, i) => (expected[i] = v * geluGradRef(geluInput[i])));
  const ones = new Float64Array(s.batch * s.k).fill(1);
  const rowSums = matmulRef(s.sharedA ? repeated(a, s.batch) : a, ones, s.batch, s.m, s.k, 1, s.transA, false);
  const kernel = makeKernel(s);
  const [actual, preActivation, biasGrad] = await scopedAsync(async () => {
    const out = new E.Tensor([s.batch * s.m * s.n]);
    const pre = new E.Tensor([s.batch * s.m * s.n]);
    const sums = new E.Tensor([s.batch * s.m]);
    const operands = [E.Tensor.fromArray(a, [aLength]), E.Tensor.fromArray(b, [bLength]), out];
    if (bias) operands.push(E.Tensor.fromArray(bias, [s.n]));
    if (s.gelu) operands.push(pre);
    if (s.geluGrad) operands.push(E.Tensor.fromArray(geluInput, [geluInput.length]));
    if (s.biasGrad) operands.push(sums);
    E.launchMatmul(kernel, ...operands);
    return [await out.toFloat32(), s.gelu ? await pre.toFloat32() : null, s.biasGrad ? await sums.toFloat32() : null];
  });
  assertClose(actual, s.gelu ? expected.map(geluRef) : expected, 1e-5, 1e-4, kernel.name);
  if (preActivation) assertClose(preActivation, expected, 1e-5, 1e-4, `${kernel.name} pre-activation`);
  if (biasGrad) assertClose(biasGrad, rowSums, 1e-5, 1e-4, `${kernel.name} row sums of op(A)`);
}

const CONFIGS: Partial<BlockedOptions>[] = [
  { tileM: 128, tileN: 128, tileK: 8, threadM: 8, threadN: 8 }, // what GPUs run on large products
  { tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8 },
  { tileM: 16, tileN: 24, tileK: 5, threadM: 2, threadN: 3 },
  { tileM: 8, tileN: 12, tileK: 6, threadM: 4, threadN: 3 },
];
const KERNEL_SHAPES = [
  { batch: 3, m: 37, k: 20, n: 44 }, // aligned K and N, ragged M
  { batch: 2, m: 33, k: 19, n: 21 }, // nothing aligned
  { batch: 2, m: 8, k: 12, n: 70, sharedB: true, bias: true },
  { batch: 2, m: 20, k: 3, n: 16, sharedA: true, bias: true },
  { batch: 1, m: 9, k: 8, n: 12, bias: true, gelu: true }, // GELU after the bias
  { batch: 2, m: 5, k: 7, n: 6, gelu: true }, // GELU, no bias
  { batch: 2, m: 10, k: 9, n: 13, sharedB: true, biasGrad: true }, // op(A)'s row sums, a bias gradient
  { batch: 2, m: 5, k: 7, n: 6, geluGrad: true }, // times gelu'(pre-activation), GELU's backward
];

for (const variant of [1, 2, 3, 4, 6] as const) {
  test(`variant ${variant} (${matmulVariants[variant].name}) on every layout, aligned or not, shared operands, bias${variant > 2 ? ', GELU, its derivative and the bias gradient in epilogues' : ''}`, async () => {
    // Variants 1 and 2 (literal WGSL) have only the bias epilogue.
    for (const shape of KERNEL_SHAPES.filter((k) => variant > 2 || !(k.gelu || k.geluGrad || k.biasGrad))) {
      for (const t of LAYOUTS) await checkKernel({ ...shape, ...t }, matmulVariants[variant].kernel);
    }
  });
}

test('blocked kernel under other tile sizes and work per thread', async () => {
  for (const options of CONFIGS) {
    for (const shape of KERNEL_SHAPES.slice(0, 2)) {
      for (const t of LAYOUTS) await checkKernel({ ...shape, ...t }, (s) => matmulBlocked(s, options));
    }
  }
});

const DIRECT_CONFIGS: Partial<DirectOptions>[] = [
  { threadM: 8, threadN: 8, threads: 8 },
  { threadM: 3, threadN: 5, threads: 2 },
];

test('direct kernel under other work per thread and workgroup sizes', async () => {
  for (const options of DIRECT_CONFIGS) {
    for (const shape of KERNEL_SHAPES.slice(0, 2)) {
      for (const t of LAYOUTS) await checkKernel({ ...shape, ...t }, (s) => matmulDirect(s, options));
    }
  }
});

test('one kernel text serves every layout and size: the layout and the sizes are uniforms', () => {
  const shapes: MatmulShape[] = [
    { batch: 1, m: 8, k: 8, n: 8, transA: false, transB: false },
    { batch: 3, m: 37, k: 5, n: 2, transA: true, transB: true },
  ];
  // The blocked kernel's default tiles follow the shape; fixed ones, as a tuned table gives.
  const blocked = (s: MatmulShape) => matmulBlocked(s, { tileM: 32, tileN: 32, threadM: 4, threadN: 4 });
  for (const kernel of [blocked, matmulDirect]) {
    const [first, second] = shapes.map((s) => kernel(s).code);
    assert.is(first, second, kernel(shapes[0]).name);
  }
});

test('ENGINE_MATMUL picks the kernel the ops launch, and names a bad value', async () => {
  const shape = { batch: 1, m: 8, k: 8, n: 8, transA: false, transB: false };
  await withOpsKernel('direct', () => assert.ok(E.matmulKernel(shape).name.startsWith('matmul_direct_')));
  await withOpsKernel('blocked', () => assert.ok(E.matmulKernel(shape).name.startsWith('matmul_blocked_')));
  await withOpsKernel('fast', () =>
    assert.throws(() => E.matmulKernel(shape), /ENGINE_MATMUL must be "blocked", "direct" or "split-k", not "fast"/),
  );
});

test('more than 65535 tile rows fold into z', async () => {
  const shape = { batch: 1, m: 65535 * 16 + 3, k: 3, n: 2, transA: false, transB: true };
  assert.is(matmulNaive(shape).workgroups[2], 2);
  await checkKernel(shape, matmulNaive);
  const options = { tileM: 16, tileN: 4, tileK: 4, threadM: 4, threadN: 4 };
  assert.is(matmulBlocked(shape, options).workgroups[2], 2);
  await checkKernel(shape, (s) => matmulBlocked(s, options));
  const directOptions = { threadM: 16, threadN: 2, threads: 1 };
  assert.is(matmulDirect(shape, directOptions).workgroups[2], 2);
  await checkKernel(shape, (s) => matmulDirect(s, directOptions));
});

/**
 * A slotted launch (each batch entry binds its own A, B or C, and with C its own bias and row sums;
 * or, with `kSlots`, each slice of K its own A and B) against the float64 product of the stacked
 * operands (summed over the slices with `kSlots`).
 */
async function checkSlots(s: MatmulShape, variant: 3 | 4 | 6): Promise<void> {
  const slots = s.kSlots ? { a: true, b: true } : (s.slots ?? {});
  const entries = s.kSlots ?? s.batch; // products computed: one per batch entry, or per slice of K
  const k = s.k / (s.kSlots ?? 1); // the K of one product
  const [aOne, bOne, cOne] = [s.m * k, k * s.n, s.m * s.n];
  const a = randn((s.sharedA ? 1 : entries) * aOne, 1);
  const b = randn((s.sharedB ? 1 : entries) * bOne, 2);
  const bias = randn(s.batch * s.n, 3);
  const products = matmulRef(
    s.sharedA ? repeated(a, entries) : a,
    s.sharedB ? repeated(b, entries) : b,
    entries,
    s.m,
    k,
    s.n,
    s.transA,
    s.transB,
  );
  // With kSlots, C is the sum of the slices' products.
  const expected = s.kSlots
    ? products.slice(0, cOne).map((_, i) => products.filter((_, j) => j % cOne === i).reduce((x, y) => x + y))
    : products;
  if (s.bias) expected.forEach((v, i) => (expected[i] = v + bias[Math.floor(i / cOne) * s.n + (i % s.n)]));
  const ones = new Float64Array(s.batch * s.k).fill(1);
  const rowSums = matmulRef(s.sharedA ? repeated(a, s.batch) : a, ones, s.batch, s.m, s.k, 1, s.transA, false);
  const kernel = matmulVariants[variant].kernel(s);
  const [actual, biasGrad] = await scopedAsync(async () => {
    const perSlot = (x: Float64Array, n: number) =>
      Array.from({ length: entries }, (_, z) => E.Tensor.fromArray(x.subarray(z * n, (z + 1) * n), [n]));
    const c = slots.c ? Array.from({ length: s.batch }, () => new E.Tensor([cOne])) : [new E.Tensor([s.batch * cOne])];
    const sums = Array.from({ length: s.biasGrad ? s.batch : 0 }, () => new E.Tensor([s.m]));
    const operands = [
      ...(slots.a ? perSlot(a, aOne) : [E.Tensor.fromArray(a, [a.length])]),
      ...(slots.b ? perSlot(b, bOne) : [E.Tensor.fromArray(b, [b.length])]),
      ...c,
      ...(s.bias ? perSlot(bias, s.n) : []),
      ...sums,
    ];
    E.launchMatmul(kernel, ...operands);
    const flat = async (ts: E.Tensor[]) =>
      Float32Array.from((await Promise.all(ts.map((t) => t.toFloat32()))).flatMap((part) => [...part]));
    return [await flat(c), await flat(sums)];
  });
  assertClose(actual, expected, 1e-5, 1e-4, kernel.name);
  if (s.biasGrad) assertClose(biasGrad, rowSums, 1e-5, 1e-4, `${kernel.name} row sums of op(A) per slot`);
}

for (const variant of [3, 4, 6] as const) {
  test(`variant ${variant} with slotted operands: attention's projections forward (B, C, bias per slot) and backward (A, C and row sums per slot; A and B per slice of K)`, async () => {
    for (const [m, k, n] of [
      [7, 5, 6],
      [8, 12, 16],
    ]) {
      await checkSlots({ batch: 3, m, k, n, transA: false, transB: true, sharedA: true, bias: true, slots: { b: true, c: true } }, variant);
      await checkSlots(
        { batch: 3, m, k, n, transA: true, transB: false, sharedB: true, biasGrad: true, slots: { a: true, c: true } },
        variant,
      );
      await checkSlots({ batch: 1, m, k: 3 * k, n, transA: false, transB: false, kSlots: 3 }, variant);
    }
  });
}

test('clear errors: too many tile columns, bad options, mismatched operands', () => {
  assert.throws(() => matmulNaive({ batch: 1, m: 1, k: 1, n: 16 * 65536, transA: false, transB: false }), /over the 65535 limit/);
  assert.throws(
    () => matmulVariants[2].kernel({ batch: 1, m: 4, k: 4, n: 4, transA: false, transB: true, gelu: true }),
    /variant tiled has no GELU epilogue/,
  );
  const shape = { batch: 1, m: 4, k: 4, n: 4, transA: false, transB: false };
  assert.throws(() => matmulBlocked(shape, { tileM: 128, tileN: 64, threadM: 4, threadN: 4 }), /512 threads per workgroup, over 256/);
  assert.throws(() => matmulBlocked(shape, { tileM: 128, tileN: 128, tileK: 32, threadM: 8, threadN: 8 }), /bytes of workgroup memory/);
  assert.throws(() => matmulBlocked(shape, { tileN: 60, threadN: 8 }), /multiples of threadM and threadN/);
  assert.throws(() => matmulDirect(shape, { threadN: 0 }), /threadN must be a positive integer/);
  assert.throws(() => matmulDirect(shape, { threads: 512 }), /512 threads per workgroup, over 256/);
  E.scoped(() => {
    const a = new E.Tensor([2, 3, 4], 'f32', { name: 'a' });
    assert.throws(
      () => E.matmul(a, new E.Tensor([5, 6], 'f32', { name: 'b' })),
      /matmul: inner dims differ: a \[2, 3, 4\] times b \[5, 6\]/,
    );
    assert.throws(() => E.matmul(a, new E.Tensor([3, 4, 6])), /batch dims differ/);
    assert.throws(
      () => E.linear(a, new E.Tensor([6, 5], 'f32', { name: 'w' })),
      /linear: input a \[2, 3, 4\] does not end in weight w's 5 input features/,
    );
    assert.throws(() => E.linear(a, new E.Tensor([6, 4]), new E.Tensor([5], 'f32', { name: 'bias' })), /bias bias \[5\] must be \[6\]/);
  });
});

test.run();
