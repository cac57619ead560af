import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { COLUMN_CHUNK } from '../../kernels/reduce.ts';
import { sumColumnsOf, sumColumnsOfEach } from '../../engine/ops/row_sums.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { randn } from '../../reference/float64.ts';

function rowsOf(x: Float64Array, cols: number, f: (row: Float64Array) => number): Float64Array {
  const out = new Float64Array(x.length / cols);
  for (let r = 0; r < out.length; r++) out[r] = f(x.subarray(r * cols, (r + 1) * cols));
  return out;
}
const sumOf = (row: Float64Array) => row.reduce((a, b) => a + b, 0);

for (const shape of [[1], [7], [3, 5], [2, 3, 300], [600, 2]]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const cols = shape[shape.length - 1];
  test(`sum, mean, max over the last dim of ${JSON.stringify(shape)}`, async () => {
    const x = randn(n, 7);
    await gradcheck({ inputs: [{ shape, data: x }], gpu: ([t]) => E.sum(t), cpu: ([v]) => rowsOf(v, cols, sumOf) });
    await gradcheck({ inputs: [{ shape, data: x }], gpu: ([t]) => E.mean(t), cpu: ([v]) => rowsOf(v, cols, (r) => sumOf(r) / cols) });
    await gradcheck({ inputs: [{ shape, data: x }], gpu: ([t]) => E.max(t), cpu: ([v]) => rowsOf(v, cols, (r) => Math.max(...r)) });
  });
}

// 3 columns: scalar sums; 8: vec4 sums. 700 rows: two stages; 5: one.
for (const [rows, cols] of [
  [700, 3],
  [700, 8],
  [5, 8],
]) {
  test(`column sums (the bias gradient of [${rows}, ${cols}]), in ${rows > COLUMN_CHUNK ? 'two stages' : 'one stage'}`, async () => {
    const x = randn(rows * cols, 8);
    const bias = randn(cols, 9);
    await gradcheck({
      inputs: [
        { shape: [rows, cols], data: x },
        { shape: [cols], data: bias },
      ],
      gpu: ([t, b]) => E.add(t, b),
      cpu: ([v, b]) => v.map((a, i) => a + b[i % cols]),
      maxEntries: 50,
    });
  });
}

test("several matrices' column sums in one launch: sumColumnOf's bits, one or two stages", async () => {
  const shapes = [
    [700, 3],
    [5, 8],
    [3, 10],
  ];
  const data = shapes.map(([rows, cols], k) => randn(rows * cols, 20 + k));
  const [each, alone, launches] = await scopedAsync(async () => {
    const xs = data.map((v, k) => E.Tensor.fromArray(v, shapes[k]));
    const before = E.dispatchStats.dispatches;
    const sums = sumColumnsOfEach(xs);
    // One launch for the last stages, one for the first stage of the 700 rows.
    const counted = E.dispatchStats.dispatches - before;
    return [await Promise.all(sums.map((t) => t.toFloat32())), await Promise.all(xs.map((x) => sumColumnsOf(x).toFloat32())), counted];
  });
  assert.is(launches, 2, 'launches');
  shapes.forEach(([rows, cols], k) => {
    assert.equal(Array.from(each[k]), Array.from(alone[k]), `[${rows}, ${cols}]: the bits of sumColumnsOf`);
    const expected = Array.from({ length: cols }, (_, c) =>
      Array.from({ length: rows }, (_, r) => data[k][r * cols + c]).reduce((a, b) => a + b),
    );
    assertClose(each[k], expected, 1e-5, 1e-4, `[${rows}, ${cols}]`);
  });
});

test('max sends the gradient to the first of tied maxima, and handles the lowest float', async () => {
  const x = E.Tensor.fromArray([3, 5, 5, -3.4028234663852886e38, -3.4028234663852886e38, -3.4028234663852886e38], [2, 3], 'f32', {
    requiresGrad: true,
  });
  const m = E.max(x);
  E.backward(E.sum(m));
  assert.equal(Array.from(await m.toArray()), [5, -3.4028234663852886e38].map(Math.fround));
  assert.equal(Array.from(await x.grad!.toArray()), [0, 1, 0, 1, 0, 0]);
});

function transposeRef(x: Float64Array, shape: number[], i: number, j: number): Float64Array {
  const outShape = [...shape];
  [outShape[i], outShape[j]] = [outShape[j], outShape[i]];
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const out = new Float64Array(x.length);
  for (let o = 0; o < x.length; o++) {
    let rem = o;
    const idx = new Array(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
    }
    [idx[i], idx[j]] = [idx[j], idx[i]];
    out[o] = idx.reduce((acc, v, d) => acc + v * strides[d], 0);
  }
  return out.map((src) => x[src]);
}

for (const [shape, i, j] of [
  [[3, 5], 0, 1],
  [[2, 3, 4, 5], 1, 2],
  [[2, 3, 4, 5], 0, 3],
  [[4, 6, 2], 0, 1],
] as [number[], number, number][]) {
  test(`transpose ${JSON.stringify(shape)} axes ${i}, ${j}`, async () => {
    const n = shape.reduce((a, b) => a * b, 1);
    await gradcheck({
      inputs: [{ shape, data: randn(n, 10) }],
      gpu: ([t]) => E.transpose(t, i, j),
      cpu: ([v]) => transposeRef(v, shape, i, j),
    });
  });
}

test("leadingRows is a view of a matrix's first rows whose gradient is padded with zero rows", async () => {
  await gradcheck({
    inputs: [{ shape: [4, 3], data: randn(12, 14) }],
    gpu: ([t]) => E.leadingRows(t, 2),
    cpu: ([v]) => v.slice(0, 6),
  });
  E.scoped(() => assert.throws(() => E.leadingRows(E.filled([4, 3], 0), 5), /leadingRows: 5 rows of t\d+ \[4, 3\]/));
});

test('reshape is a view whose gradient has the original shape', async () => {
  await gradcheck({
    inputs: [{ shape: [2, 6], data: randn(12, 11) }],
    gpu: ([t]) => E.mul(E.reshape(t, [3, -1]), E.reshape(t, [3, 4])),
    cpu: ([v]) => v.map((a) => a * a),
  });
});

test.run();
