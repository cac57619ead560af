// Softmax (with additive masks) and layer norm against float64 references: forward values,
// gradients by finite differences, and the edge cases attention and DistilBERT's LayerNorm hit
// (huge logits, masked rows with float32's lowest value, constant rows with eps 1e-12); layer
// norm's two forms (kernels/layernorm.ts, kernels/cpu/layernorm.ts) and its fusions (dropout
// before the residual add, a gradient in two parts).
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { launchOn } from '../../engine/autograd/launch_on.ts';
import { ROW_CHUNK, layerNormBackwardInput, layerNormForward } from '../../kernels/layernorm.ts';
import { layerNormRowsBackwardInput, layerNormRowsForward } from '../../kernels/cpu/layernorm.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { layerNorm, layerNormBackward, maskedSoftmax, randn, rngUniform, softmax } from '../../reference/float64.ts';

const LOWEST = -3.4028234663852886e38;
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
/** Test data rounded to float32, so the GPU and the float64 reference see the same inputs. */
const f32Data = (n: number, seed: number, scale = 1) => randn(n, seed, scale).map(Math.fround);

for (const shape of [
  [5, 1],
  [3, 7],
  [2, 3, 33],
  [2, 768],
  [600, 3],
]) {
  test(`softmax ${JSON.stringify(shape)}`, async () => {
    const cols = shape[shape.length - 1];
    const n = numel(shape);
    await gradcheck({
      inputs: [{ shape, data: f32Data(n, 1, 3) }],
      gpu: ([x]) => E.softmax(x),
      cpu: ([x]) => softmax(x, n / cols, cols),
      maxEntries: 80,
    });
  });
}

// [x shape, mask shape]: the broadcasts the mask rule allows.
const maskCases: [number[], number[]][] = [
  [
    [2, 3, 7],
    [2, 1, 7],
  ],
  [[2, 3, 7], [7]],
  [
    [2, 3, 7],
    [2, 3, 7],
  ],
  [
    [2, 3, 7],
    [3, 7],
  ],
  [
    [2, 3, 4, 5],
    [2, 1, 1, 5],
  ],
  [
    [2, 3, 4, 5],
    [4, 5],
  ],
  [
    [2, 3, 4, 5],
    [3, 1, 5],
  ],
  [
    [2, 1, 4, 5],
    [2, 1, 4, 5],
  ],
];
for (const [xShape, maskShape] of maskCases) {
  test(`softmax of ${JSON.stringify(xShape)} with an additive mask ${JSON.stringify(maskShape)}, gradients for both`, async () => {
    await gradcheck({
      inputs: [
        { shape: xShape, data: f32Data(numel(xShape), 2, 2) },
        { shape: maskShape, data: f32Data(numel(maskShape), 3, 2) },
      ],
      gpu: ([x, mask]) => E.softmax(x, mask),
      cpu: ([x, mask]) => maskedSoftmax(x, xShape, mask, maskShape),
    });
  });
}

test('softmax and layerNorm of more rows than one grid dimension holds (70000 rows)', async () => {
  const [rows, cols] = [70000, 2];
  const x = f32Data(rows * cols, 21);
  const ones = Float64Array.from([1, 1]);
  const zeros = new Float64Array(2);
  const [y, z] = await scopedAsync(async () => {
    const xt = E.Tensor.fromArray(x, [rows, cols]);
    const norm = E.layerNorm(xt, E.Tensor.fromArray(ones, [2]), E.Tensor.fromArray(zeros, [2]), 1e-5);
    return [await E.softmax(xt).toFloat32(), await norm.toFloat32()];
  });
  assertClose(y, softmax(x, rows, cols), 1e-6, 1e-5, 'softmax');
  assertClose(z, layerNorm(x, ones, zeros, rows, cols, 1e-5), 1e-4, 1e-4, 'layerNorm');
});

test('softmax rejects masks that do not broadcast by its rule, naming both shapes', () => {
  E.scoped(() => {
    const x = new E.Tensor([2, 3, 4, 5], 'f32', { name: 'scores' });
    assert.throws(() => E.softmax(x, new E.Tensor([2, 1, 4, 5])), /mask .*\[2, 1, 4, 5\].*scores \[2, 3, 4, 5\].*adjacent/);
    assert.throws(() => E.softmax(x, new E.Tensor([6])), /last dims differ/);
    assert.throws(() => E.softmax(x, new E.Tensor([3, 2, 5])), /1 or equal/);
    assert.throws(() => E.softmax(x, new E.Tensor([2, 1, 1, 5], 'i32')), /must be f32/);
  });
});

test('softmax of logits of ±1e4 is finite and matches, gradients included', async () => {
  const big = [1e4, 1e4 - 0.5, -1e4, 3, 1e4 - 2, -3, 0, 1];
  const nearlyAllLow = [-1e4, -1e4, -1e4, -1e4 + 1, -1e4, -1e4, -1e4, -1e4];
  const data = Float64Array.from([...big, ...nearlyAllLow, ...f32Data(8, 4, 1e4)]);
  await gradcheck({ inputs: [{ shape: [3, 8], data }], gpu: ([x]) => E.softmax(x), cpu: ([x]) => softmax(x, 3, 8) });
});

test('softmax with all but one entry masked with float32 lowest gives a one-hot row and zero gradient', async () => {
  const mask = new Float64Array(2 * 6).fill(LOWEST);
  mask[2] = 0;
  mask[6 + 5] = 0;
  const x = f32Data(2 * 3 * 6, 5, 3);
  x[3] = 1e4;
  await gradcheck({
    inputs: [
      { shape: [2, 3, 6], data: x },
      { shape: [2, 1, 6], data: mask, noGrad: true },
    ],
    gpu: ([t, m]) => E.softmax(t, m),
    cpu: ([t, m]) => maskedSoftmax(t, [2, 3, 6], m, [2, 1, 6]),
  });
});

test('softmax of a fully masked row is uniform (as masked_fill with finfo.min in PyTorch), and -inf logits get 0', async () => {
  // x [3, 2, 5], mask [3, 1, 5]: batch 0 partly masked, batch 1 fully masked, batch 2 unmasked.
  const x = f32Data(30, 6, 3);
  x[10] = 1e4;
  x[11] = -1e4;
  x[20] = -Infinity;
  x[23] = -Infinity;
  const mask = Float64Array.from([0, LOWEST, 0, LOWEST, 0, ...Array(5).fill(LOWEST), 0, 0, 0, 0, 0]);
  const expected = maskedSoftmax(x, [3, 2, 5], mask, [3, 1, 5]);
  expected.fill(0.2, 10, 20);
  const dy = randn(30, 7);
  // PyTorch's backward from the output: dx = y (dy - Σ dy y) per row.
  const expectedDx = expected.map((y, i) => {
    const row = Math.floor(i / 5) * 5;
    let dot = 0;
    for (let c = 0; c < 5; c++) dot += dy[row + c] * expected[row + c];
    return y * (dy[i] - dot);
  });
  const [y, dx] = await scopedAsync(async () => {
    const xt = E.Tensor.fromArray(x, [3, 2, 5], 'f32', { requiresGrad: true });
    const out = E.softmax(xt, E.Tensor.fromArray(mask, [3, 1, 5]));
    E.backward(out, E.Tensor.fromArray(dy, [3, 2, 5]));
    const result = [await out.toFloat32(), await xt.grad!.toFloat32()];
    xt.grad!.release();
    return result;
  });
  assert.ok([...y, ...dx].every(Number.isFinite), 'finite outputs and gradients');
  assertClose(y, expected, 1e-6, 1e-5, 'softmax');
  assertClose(dx, expectedDx, 1e-5, 1e-4, 'gradient');
});

for (const [shape, eps] of [
  [[3, 1], 1e-5],
  [[2, 7], 1e-12],
  [[2, 3, 768], 1e-12],
  [[600, 3], 1e-5],
] as [number[], number][]) {
  test(`layerNorm ${JSON.stringify(shape)} eps ${eps}: x, weight and bias gradients (two-stage over rows)`, async () => {
    const cols = shape[shape.length - 1];
    const n = numel(shape);
    await gradcheck({
      inputs: [
        { shape, data: f32Data(n, 8, 2).map((v, i) => v + (i % 3)) },
        { shape: [cols], data: f32Data(cols, 9, 0.5).map((v) => Math.fround(1 + v)) },
        { shape: [cols], data: f32Data(cols, 10) },
      ],
      gpu: ([x, w, b]) => E.layerNorm(x, w, b, eps),
      cpu: ([x, w, b]) => layerNorm(x, w, b, n / cols, cols, eps),
      maxEntries: 60,
    });
  });
}

// Dropout before the residual add, LayerNorm(dropout(x) + residual), with the dropout op's mask;
// the output used twice, so that its gradient reaches the backward in two parts.
const DROP = { p: 0.3, seed: 11, step: 2, stream: 5 };
const kept = (i: number) => rngUniform(DROP.seed, DROP.step * 2 ** 32 + DROP.stream, i) >= Math.fround(DROP.p);
const dropRef = (x: Float64Array) => x.map((v, i) => (kept(i) ? v / (1 - DROP.p) : 0));

test("layerNorm(dropout(x) + residual): the dropout op's mask, all gradients; its output used twice", async () => {
  const [rows, cols] = [6, 40];
  await gradcheck({
    inputs: [
      { shape: [rows, cols], data: f32Data(rows * cols, 40, 2) },
      { shape: [cols], data: f32Data(cols, 41, 0.5).map((v) => Math.fround(1 + v)) },
      { shape: [cols], data: f32Data(cols, 42) },
      { shape: [rows, cols], data: f32Data(rows * cols, 43) },
    ],
    gpu: ([x, w, b, r]) => {
      const rng = { seed: DROP.seed, stream: DROP.stream, step: E.Tensor.fromArray([DROP.step], [1], 'i32') };
      const y = E.layerNorm(x, w, b, 1e-5, r, { p: DROP.p, rng });
      return E.add(y, E.mulScalar(y, 2));
    },
    cpu: ([x, w, b, r]) =>
      layerNorm(
        dropRef(x).map((v, i) => v + r[i]),
        w,
        b,
        rows,
        cols,
        1e-5,
      ).map((v) => 3 * v),
    maxEntries: 60,
  });
});

/** Runs `work` with the device's storage-buffer limit at `limit`, as a browser's WebGPU may set it. */
async function withStorageLimit<T>(limit: number, work: () => Promise<T>): Promise<T> {
  const device = E.gpu();
  const real = device.limits;
  // A plain copy: the native getters accept only the object they belong to.
  const names = Object.getOwnPropertyNames(Object.getPrototypeOf(real)) as (keyof GPUSupportedLimits)[];
  const copy = Object.fromEntries(names.filter((n) => typeof real[n] === 'number').map((n) => [n, real[n]]));
  device.limits = { ...copy, maxStorageBuffersPerShaderStage: limit } as unknown as GPUSupportedLimits;
  try {
    return await work();
  } finally {
    device.limits = real;
  }
}

test('layerNorm(dropout(x) + residual) in two parts under 10 storage buffers: the partial sums launch alone, same gradients', async () => {
  const [rows, cols] = [6, 40];
  const grads = async () => {
    const x = E.Tensor.fromArray(f32Data(rows * cols, 50), [rows, cols], 'f32', { requiresGrad: true });
    const w = E.Tensor.fromArray(f32Data(cols, 51), [cols], 'f32', { requiresGrad: true });
    const b = E.Tensor.fromArray(f32Data(cols, 52), [cols], 'f32', { requiresGrad: true });
    const r = E.Tensor.fromArray(f32Data(rows * cols, 53), [rows, cols], 'f32', { requiresGrad: true });
    const rng = { seed: DROP.seed, stream: DROP.stream, step: E.Tensor.fromArray([DROP.step], [1], 'i32') };
    const y = E.layerNorm(x, w, b, 1e-5, r, { p: DROP.p, rng });
    const seed = E.Tensor.fromArray(f32Data(rows * cols, 54), [rows, cols]);
    const before = E.dispatchStats.dispatches;
    E.backward(E.add(y, E.mulScalar(y, 2)), seed);
    const launches = E.dispatchStats.dispatches - before;
    const values = await Promise.all([x, w, b, r].map((t) => t.grad!.toFloat32()));
    for (const t of [x, w, b, r, seed, rng.step]) t.release();
    return { launches, values };
  };
  const fused = await scopedAsync(grads);
  const apart = await scopedAsync(() => withStorageLimit(10, grads));
  assert.is(apart.launches, fused.launches + 1, 'one more launch: the partial sums');
  apart.values.forEach((v, i) => assert.equal(v, fused.values[i], `gradient ${i}`));
});

test("dropout(layerNorm(x + residual)): the dropout op's mask on the output, all gradients; its output used twice", async () => {
  const [rows, cols] = [6, 40];
  await gradcheck({
    inputs: [
      { shape: [rows, cols], data: f32Data(rows * cols, 44, 2) },
      { shape: [cols], data: f32Data(cols, 45, 0.5).map((v) => Math.fround(1 + v)) },
      { shape: [cols], data: f32Data(cols, 46) },
      { shape: [rows, cols], data: f32Data(rows * cols, 47) },
    ],
    gpu: ([x, w, b, r]) => {
      const rng = { seed: DROP.seed, stream: DROP.stream, step: E.Tensor.fromArray([DROP.step], [1], 'i32') };
      const y = E.layerNorm(x, w, b, 1e-5, r, { p: DROP.p, rng, output: true });
      return E.add(y, E.mulScalar(y, 2));
    },
    cpu: ([x, w, b, r]) =>
      dropRef(
        layerNorm(
          x.map((v, i) => v + r[i]),
          w,
          b,
          rows,
          cols,
          1e-5,
        ),
      ).map((v) => 3 * v),
    maxEntries: 60,
  });
});

/** Runs layerNorm forward and backward on the GPU with output gradient `dy`. */
async function layerNormOnGpu(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  dy: Float64Array,
  rows: number,
  cols: number,
  eps: number,
) {
  return scopedAsync(async () => {
    const params = [w, b].map((v) => E.Tensor.fromArray(v, [cols], 'f32', { requiresGrad: true }));
    const xt = E.Tensor.fromArray(x, [rows, cols], 'f32', { requiresGrad: true });
    const y = E.layerNorm(xt, params[0], params[1], eps);
    E.backward(y, E.Tensor.fromArray(dy, [rows, cols]));
    const [out, dx, dw, db] = await Promise.all([y, xt.grad!, params[0].grad!, params[1].grad!].map((t) => t.toFloat32()));
    for (const t of [xt, ...params]) t.grad!.release();
    return { y: out, dx, dw, db };
  });
}

test('layerNorm of constant rows with eps 1e-12 is finite: y = bias, dx = rstd·(g − mean g) with rstd = 1e6', async () => {
  const [rows, cols, eps] = [4, 768, 1e-12];
  const x = f32Data(rows * cols, 11);
  x.fill(2.5, 0, cols);
  x.fill(-1, 2 * cols, 3 * cols);
  const w = f32Data(cols, 12).map((v) => Math.fround(1 + 0.1 * v));
  const b = f32Data(cols, 13);
  const dy = f32Data(rows * cols, 14);
  const gpu = await layerNormOnGpu(x, w, b, dy, rows, cols, eps);
  const ref = layerNormBackward(x, w, dy, rows, cols, eps);
  for (const [name, v] of Object.entries(gpu)) assert.ok(v.every(Number.isFinite), `${name} is finite`);
  assertClose(gpu.y, layerNorm(x, w, b, rows, cols, eps), 1e-5, 1e-4, 'forward');
  assertClose(gpu.y.subarray(0, cols), b, 0, 0, 'a constant row gives exactly the bias');
  for (let r = 0; r < rows; r++) {
    const expected = ref.dx.subarray(r * cols, (r + 1) * cols);
    // Constant rows have gradients of order 1e6; float32 keeps about 7 digits of them.
    const scale = Math.max(...expected.map(Math.abs));
    assertClose(gpu.dx.subarray(r * cols, (r + 1) * cols), expected, 1e-6 * scale + 1e-5, 1e-4, `dx row ${r}`);
  }
  assertClose(gpu.dw, ref.dGamma, 1e-4, 1e-4, 'dweight');
  assertClose(gpu.db, ref.dBeta, 1e-4, 1e-4, 'dbias');
});

test('layerNorm of a constant row whose float32 mean is inexact (0.1 × 7) stays finite and near the bias', async () => {
  const x = Float64Array.from([...Array(7).fill(Math.fround(0.1)), ...f32Data(7, 15)]);
  const ones = new Float64Array(7).fill(1);
  const zeros = new Float64Array(7);
  const gpu = await layerNormOnGpu(x, ones, zeros, f32Data(14, 16), 2, 7, 1e-12);
  for (const [name, v] of Object.entries(gpu)) assert.ok(v.every(Number.isFinite), `${name} is finite`);
  // The rounding error of the mean (~1e-8) is amplified by rstd ≤ 1e6, as it is in PyTorch.
  assertClose(gpu.y.subarray(0, 7), zeros, 0.05, 0, 'near the bias');
});

test('layerNorm weight and bias gradients are bitwise identical run to run', async () => {
  const [rows, cols] = [300, 5];
  const args = [f32Data(rows * cols, 17), f32Data(cols, 18), f32Data(cols, 19), f32Data(rows * cols, 20)] as const;
  const first = await layerNormOnGpu(...args, rows, cols, 1e-5);
  const second = await layerNormOnGpu(...args, rows, cols, 1e-5);
  assert.equal([...first.dw, ...first.db], [...second.dw, ...second.db]);
});

const residualCases: [number[], number[], number][] = [
  [[2, 7], [2, 7], 1e-12],
  [[3, 2, 40], [3, 2, 40], 1e-5],
  [[70, 3], [70, 3], 1e-5],
  [[3, 5, 6], [5, 6], 1e-12],
  [[4, 9], [9], 1e-5],
];
for (const [shape, residualShape, eps] of residualCases) {
  test(`layerNorm of x ${JSON.stringify(shape)} + residual ${JSON.stringify(residualShape)} eps ${eps} (the add folded in): x, residual, weight and bias gradients`, async () => {
    const cols = shape[shape.length - 1];
    const n = numel(shape);
    const residualSize = numel(residualShape);
    await gradcheck({
      inputs: [
        { shape, data: f32Data(n, 22, 2) },
        { shape: [cols], data: f32Data(cols, 23, 0.5).map((v) => Math.fround(1 + v)) },
        { shape: [cols], data: f32Data(cols, 24) },
        { shape: residualShape, data: f32Data(residualSize, 25).map((v, i) => v + (i % 3)) },
      ],
      gpu: ([x, w, b, r]) => E.layerNorm(x, w, b, eps, r),
      cpu: ([x, w, b, r]) =>
        layerNorm(
          x.map((v, i) => v + r[i % residualSize]),
          w,
          b,
          n / cols,
          cols,
          eps,
        ),
      maxEntries: 60,
    });
  });
}

// The op picks one decomposition per adapter and row length; each is checked here on any adapter.
for (const [rows, cols, residualRows] of [
  [5, 40, 5],
  [6, 7, 2],
  [3, 300, 0],
]) {
  for (const wg of [1, 4, 32, 128]) {
    test(`layerNorm kernels with ${wg} thread(s) per row, [${rows}, ${cols}], residual rows ${residualRows}: forward and input gradient`, async () => {
      const x = f32Data(rows * cols, 30, 2);
      const residual = f32Data(residualRows * cols, 31);
      const w = f32Data(cols, 32, 0.5).map((v) => Math.fround(1 + v));
      const b = f32Data(cols, 33);
      const dy = f32Data(rows * cols, 34);
      const sum = residualRows ? x.map((v, i) => Math.fround(v + residual[i % (residualRows * cols)])) : x;
      for (const subgroups of [false, E.gpu().features.has('subgroups')]) {
        const [y, dx] = await scopedAsync(async () => {
          const [xt, wt, bt, rt, dyt] = [x, w, b, residual, dy].map((v) => E.Tensor.fromArray(v, [v.length]));
          const [yt, mean, rstd, sumt, dxt] = [
            new E.Tensor([rows * cols]),
            new E.Tensor([rows]),
            new E.Tensor([rows]),
            new E.Tensor([rows * cols]),
            new E.Tensor([rows * cols]),
          ];
          launchOn(
            wg === 1
              ? layerNormRowsForward(rows, cols, 1e-5, { residualRows })
              : layerNormForward(rows, cols, 1e-5, subgroups, { residualRows, wg }),
            xt,
            wt,
            bt,
            yt,
            mean,
            rstd,
            ...(residualRows ? [rt, sumt] : []),
          );
          const backwardInput = wg === 1 ? layerNormRowsBackwardInput(rows, cols) : layerNormBackwardInput(rows, cols, subgroups, { wg });
          launchOn(backwardInput, dyt, residualRows ? sumt : xt, wt, mean, rstd, dxt);
          return Promise.all([yt.toFloat32(), dxt.toFloat32()]);
        });
        const what = `${wg} per row${subgroups ? ', subgroups' : ''}`;
        assertClose(y, layerNorm(sum, w, b, rows, cols, 1e-5), 1e-5, 1e-4, `forward, ${what}`);
        assertClose(dx, layerNormBackward(sum, w, dy, rows, cols, 1e-5).dx, 1e-5, 1e-4, `input gradient, ${what}`);
      }
    });
  }
}

// Both forms with the fusions: dropout before the residual add, the output gradient in two parts,
// and the weight and bias gradients' partial sums (two chunks of rows) in the input kernel's launch.
for (const wg of [1, 32]) {
  test(`layerNorm kernels with ${wg} thread(s) per row, dropout and a gradient in two parts: forward, all gradients`, async () => {
    const [rows, cols] = [70, 40];
    const chunks = Math.ceil(rows / ROW_CHUNK);
    const [x, residual, dy, dyMore] = [50, 51, 52, 53].map((seed) => f32Data(rows * cols, seed));
    const w = f32Data(cols, 54, 0.5).map((v) => Math.fround(1 + v));
    const b = f32Data(cols, 55);
    const sum = dropRef(x).map((v, i) => Math.fround(v + residual[i]));
    const dropout = { probability: DROP.p, rng: { seed: DROP.seed, stream: DROP.stream } };
    const [y, dx, dxDropped, weightPartial, biasPartial] = await scopedAsync(async () => {
      const [xt, wt, bt, rt, dyt, dyMoreT] = [x, w, b, residual, dy, dyMore].map((v) => E.Tensor.fromArray(v, [v.length]));
      const step = E.Tensor.fromArray([DROP.step], [1], 'i32');
      const [yt, mean, rstd, sumt, dxt, droppedT, weightPartialT, biasPartialT] = [
        ...[rows * cols, rows, rows, rows * cols, rows * cols, rows * cols],
        ...[chunks * cols, chunks * cols],
      ].map((n) => new E.Tensor([n]));
      const fusion = { residualRows: rows, dropout };
      const forward =
        wg === 1 ? layerNormRowsForward(rows, cols, 1e-5, fusion) : layerNormForward(rows, cols, 1e-5, false, { ...fusion, wg });
      launchOn(forward, xt, wt, bt, yt, mean, rstd, rt, sumt, step);
      const backward = { twoParts: true, dropout, paramGrads: true };
      const backwardInput =
        wg === 1 ? layerNormRowsBackwardInput(rows, cols, backward) : layerNormBackwardInput(rows, cols, false, { ...backward, wg });
      launchOn(backwardInput, dyt, dyMoreT, sumt, wt, mean, rstd, dxt, droppedT, weightPartialT, biasPartialT, step);
      return Promise.all([yt, dxt, droppedT, weightPartialT, biasPartialT].map((t) => t.toFloat32()));
    });
    assertClose(y, layerNorm(sum, w, b, rows, cols, 1e-5), 1e-5, 1e-4, 'forward');
    const expected = layerNormBackward(
      sum,
      w,
      dy.map((v, i) => v + dyMore[i]),
      rows,
      cols,
      1e-5,
    );
    assertClose(dx, expected.dx, 1e-5, 1e-4, 'input gradient');
    assertClose(dxDropped, dropRef(expected.dx), 1e-5, 1e-4, 'gradient of x before dropout');
    const chunkSum = (partial: Float32Array) =>
      Array.from({ length: cols }, (_, c) => Array.from({ length: chunks }, (_, k) => partial[k * cols + c]).reduce((a, b) => a + b));
    assertClose(chunkSum(weightPartial), expected.dGamma, 1e-4, 1e-4, 'weight gradient');
    assertClose(chunkSum(biasPartial), expected.dBeta, 1e-4, 1e-4, 'bias gradient');
  });
}

test('layerNorm kernels with a workgroup per row and dropout on the output: forward, input gradient', async () => {
  const [rows, cols] = [5, 40];
  const [x, dy] = [56, 57].map((seed) => f32Data(rows * cols, seed));
  const w = f32Data(cols, 58, 0.5).map((v) => Math.fround(1 + v));
  const b = f32Data(cols, 59);
  const outputDropout = { probability: DROP.p, rng: { seed: DROP.seed, stream: DROP.stream } };
  const [y, dx] = await scopedAsync(async () => {
    const [xt, wt, bt, dyt] = [x, w, b, dy].map((v) => E.Tensor.fromArray(v, [v.length]));
    const step = E.Tensor.fromArray([DROP.step], [1], 'i32');
    const [yt, mean, rstd, dxt] = [rows * cols, rows, rows, rows * cols].map((n) => new E.Tensor([n]));
    launchOn(layerNormForward(rows, cols, 1e-5, false, { outputDropout, wg: 32 }), xt, wt, bt, yt, mean, rstd, step);
    launchOn(layerNormBackwardInput(rows, cols, false, { outputDropout, wg: 32 }), dyt, xt, wt, mean, rstd, dxt, step);
    return Promise.all([yt.toFloat32(), dxt.toFloat32()]);
  });
  assertClose(y, dropRef(layerNorm(x, w, b, rows, cols, 1e-5)), 1e-5, 1e-4, 'forward');
  assertClose(dx, layerNormBackward(x, w, dropRef(dy), rows, cols, 1e-5).dx, 1e-5, 1e-4, 'input gradient');
});

test('layerNorm rejects a weight or bias that does not match the last dim', () => {
  E.scoped(() => {
    const x = new E.Tensor([2, 4], 'f32', { name: 'hidden' });
    const ok = new E.Tensor([4]);
    assert.throws(
      () => E.layerNorm(x, new E.Tensor([3], 'f32', { name: 'ln.weight' }), ok, 1e-12),
      /weight ln\.weight is f32 \[3\], expected f32 \[4\] to match x hidden \[2, 4\]/,
    );
    assert.throws(() => E.layerNorm(x, ok, new E.Tensor([4], 'i32'), 1e-12), /bias/);
    assert.throws(() => E.layerNorm(x, ok, ok, 0), /eps must be positive/);
    assert.throws(
      () => E.layerNorm(x, ok, ok, 1e-12, new E.Tensor([4, 2], 'f32', { name: 'skip' })),
      /residual skip is f32 \[4, 2\], expected f32 like x hidden \[2, 4\] or its last dims/,
    );
  });
});

test.run();
