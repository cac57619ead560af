// Embedding lookup and its deterministic scatter-add backward, also as a row gather (hidden[:, 0]),
// and a padding id without gradient.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { gradcheck, scopedAsync } from '../../reference/check.ts';
import { randn } from '../../reference/float64.ts';

/** out[i, :] = table[ids[i], :] in float64; ids outside [0, V) give zero rows. */
function gatherRef(ids: Float64Array, table: Float64Array, dim: number): Float64Array {
  const vocab = table.length / dim;
  const out = new Float64Array(ids.length * dim);
  ids.forEach((id, i) => {
    if (id >= 0 && id < vocab) out.set(table.subarray(id * dim, (id + 1) * dim), i * dim);
  });
  return out;
}

/** Deterministic pseudo-random ids in [0, vocab). */
const idsIn = (n: number, vocab: number, seed: number) => randn(n, seed).map((v) => Math.floor(Math.abs(v) * 7919) % vocab);

const cases: { what: string; idsShape: number[]; vocab: number; dim: number }[] = [
  { what: 'odd 2-D ids with repeats', idsShape: [3, 5], vocab: 11, dim: 7 },
  { what: 'more positions than a placement block, few ids (buckets span blocks)', idsShape: [2, 301], vocab: 5, dim: 3 },
  { what: 'a vocabulary larger than the scan workgroup, one id', idsShape: [1], vocab: 700, dim: 2 },
  { what: 'rank-3 ids, D a multiple of 4 (vec4 sums)', idsShape: [2, 2, 3], vocab: 4, dim: 8 },
];
for (const { what, idsShape, vocab, dim } of cases) {
  test(`embedding, ${what}: ids ${JSON.stringify(idsShape)} into [${vocab}, ${dim}]`, async () => {
    const n = idsShape.reduce((a, b) => a * b, 1);
    await gradcheck({
      inputs: [
        { shape: idsShape, data: idsIn(n, vocab, 1), dtype: 'i32', noGrad: true },
        { shape: [vocab, dim], data: randn(vocab * dim, 2) },
      ],
      gpu: ([ids, table]) => E.embedding(ids, table),
      cpu: ([ids, table]) => gatherRef(ids, table, dim),
      maxEntries: 400,
    });
  });
}

for (const dim of [33, 36]) {
  test(`repeated ids sum their gradient rows in position order, bit for bit, and identically run to run (D ${dim})`, async () => {
    const n = 1500;
    const vocab = 300;
    // Zipf-like ids: a few very frequent (as [PAD] and [CLS] are), most rare or absent.
    const ids = Int32Array.from(randn(n, 3), (v) => Math.min(vocab - 1, Math.floor(v * v * 4)));
    const grad = Float32Array.from(randn(n * dim, 4));
    const dTable = () =>
      scopedAsync(async () => {
        const table = E.Tensor.fromArray(new Float32Array(vocab * dim), [vocab, dim], 'f32', { requiresGrad: true });
        E.backward(E.embedding(E.Tensor.fromArray(ids, [n], 'i32'), table), E.Tensor.fromArray(grad, [n, dim]));
        const result = await table.grad!.toFloat32();
        table.grad!.release();
        return result;
      });
    const first = await dTable();
    const second = await dTable();
    assert.equal(new Uint32Array(second.buffer), new Uint32Array(first.buffer), 'second run');
    const expected = new Float32Array(vocab * dim);
    ids.forEach((id, i) => {
      for (let d = 0; d < dim; d++) expected[id * dim + d] = Math.fround(expected[id * dim + d] + grad[i * dim + d]);
    });
    assert.equal(new Uint32Array(first.buffer), new Uint32Array(expected.buffer), 'float32 sum in position order');
  });
}

test('row gather: hidden[:, 0] of [B, T, D] through a reshape, with gradient', async () => {
  const [b, t, d] = [3, 5, 4];
  await gradcheck({
    inputs: [{ shape: [b, t, d], data: randn(b * t * d, 5) }],
    gpu: ([hidden]) => E.embedding(E.Tensor.fromArray([0, t, 2 * t], [b], 'i32'), E.reshape(hidden, [b * t, d])),
    cpu: ([hidden]) => gatherRef(Float64Array.of(0, t, 2 * t), hidden, d),
  });
});

test('ids outside [0, V) read zero rows and take no gradient', async () => {
  const ids = Float64Array.of(-1, 2, 5, 0, 2, 99);
  await gradcheck({
    inputs: [
      { shape: [6], data: ids, dtype: 'i32', noGrad: true },
      { shape: [5, 3], data: randn(15, 6) },
    ],
    gpu: ([i, table]) => E.embedding(i, table),
    cpu: ([i, table]) => gatherRef(i, table, 3),
  });
});

test('a padding id reads its row but takes no gradient (paddingIdx, as nn.Embedding)', async () => {
  const ids = [1, 0, 2, 0, 1];
  const table = Float32Array.from(randn(6, 12));
  const seed = Float32Array.from(randn(10, 13));
  const [out, grad] = await scopedAsync(async () => {
    const t = E.Tensor.fromArray(table, [3, 2], 'f32', { requiresGrad: true });
    const y = E.embedding(E.Tensor.fromArray(ids, [5], 'i32'), t, { paddingIdx: 0 });
    E.backward(y, E.Tensor.fromArray(seed, [5, 2]));
    const values = [await y.toFloat32(), await t.grad!.toFloat32()];
    t.grad!.release();
    return values;
  });
  assert.equal(
    Array.from(out),
    ids.flatMap((id) => [table[2 * id], table[2 * id + 1]]),
    'rows, the padding row included',
  );
  const rowGrad = (...positions: number[]) => [0, 1].map((d) => positions.reduce((sum, i) => Math.fround(sum + seed[2 * i + d]), 0));
  assert.equal(Array.from(grad), [0, 0, ...rowGrad(0, 4), ...rowGrad(2)], 'no gradient for the padding row');
  E.scoped(() =>
    assert.throws(
      () => E.embedding(new E.Tensor([2], 'i32'), E.filled([4, 3], 0), { paddingIdx: 4 }),
      /paddingIdx must be a row of t\d+ \[4, 3\], got 4/,
    ),
  );
});

test('wrong dtypes and shapes are named', () => {
  E.scoped(() => {
    const table = E.filled([4, 3], 0);
    assert.throws(() => E.embedding(E.filled([2], 0), table), /embedding: ids t\d+ must be i32, got f32/);
    assert.throws(
      () => E.embedding(new E.Tensor([2], 'i32'), E.filled([12], 0)),
      /embedding: table t\d+ must be an f32 matrix \[V, D\], got f32 \[12\]/,
    );
  });
});

test.run();
