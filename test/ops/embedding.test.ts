// Embedding lookup and its deterministic scatter-add backward, in both of its forms (a CPU
// implementation's counting sort and a GPU's linked occurrences, chosen by ENGINE_KERNELS), also as
// a row gather (hidden[:, 0]), and a padding id without gradient.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { withSettings } from '../../engine/env.ts';
import { gradcheck, scopedAsync } from '../../reference/check.ts';
import { gatherRowsRef, randn } from '../../reference/float64.ts';

/** Deterministic pseudo-random ids in [0, vocab). */
const idsIn = (n: number, vocab: number, seed: number) => randn(n, seed).map((v) => Math.floor(Math.abs(v) * 7919) % vocab);

/** The backward's forms, by the adapter class that gets each (kernels/embedding.ts). */
const FORMS = [
  ['software', 'counting sort'],
  ['gpu', 'linked occurrences'],
] as const;

const cases: { what: string; idsShape: number[]; vocab: number; dim: number }[] = [
  { what: 'odd 2-D ids with repeats', idsShape: [3, 5], vocab: 11, dim: 7 },
  { what: 'more positions than a placement block, few ids (buckets span blocks)', idsShape: [2, 301], vocab: 5, dim: 3 },
  { what: 'a vocabulary larger than the scan workgroup, one id', idsShape: [1], vocab: 700, dim: 2 },
  { what: 'rank-3 ids, D a multiple of 4 (vec4 sums)', idsShape: [2, 2, 3], vocab: 4, dim: 8 },
];
for (const [form, formName] of FORMS) {
  const inForm = <T>(body: () => T) => withSettings({ ENGINE_KERNELS: form }, body);
  for (const { what, idsShape, vocab, dim } of cases) {
    test(`embedding (${formName}), ${what}: ids ${JSON.stringify(idsShape)} into [${vocab}, ${dim}]`, () => {
      const n = idsShape.reduce((a, b) => a * b, 1);
      return inForm(() =>
        gradcheck({
          inputs: [
            { shape: idsShape, data: idsIn(n, vocab, 1), dtype: 'i32', noGrad: true },
            { shape: [vocab, dim], data: randn(vocab * dim, 2) },
          ],
          gpu: ([ids, table]) => E.embedding(ids, table),
          cpu: ([ids, table]) => gatherRowsRef(ids, table, dim),
          maxEntries: 400,
        }),
      );
    });
  }

  test(`ids outside [0, V) read zero rows and take no gradient (${formName})`, () => {
    const ids = Float64Array.of(-1, 2, 5, 0, 2, 99);
    return inForm(() =>
      gradcheck({
        inputs: [
          { shape: [6], data: ids, dtype: 'i32', noGrad: true },
          { shape: [5, 3], data: randn(15, 6) },
        ],
        gpu: ([i, table]) => E.embedding(i, table),
        cpu: ([i, table]) => gatherRowsRef(i, table, 3),
      }),
    );
  });

  test(`a padding id reads its row but takes no gradient (paddingIdx, as nn.Embedding; ${formName})`, async () => {
    const ids = [1, 0, 2, 0, 1];
    const table = Float32Array.from(randn(6, 12));
    const seed = Float32Array.from(randn(10, 13));
    const [out, grad] = await inForm(() =>
      scopedAsync(async () => {
        const t = E.Tensor.fromArray(table, [3, 2], 'f32', { requiresGrad: true });
        const y = E.embedding(E.Tensor.fromArray(ids, [5], 'i32'), t, { paddingIdx: 0 });
        E.backward(y, E.Tensor.fromArray(seed, [5, 2]));
        const values = [await y.toFloat32(), await t.grad!.toFloat32()];
        t.grad!.release();
        return values;
      }),
    );
    assert.equal(
      Array.from(out),
      ids.flatMap((id) => [table[2 * id], table[2 * id + 1]]),
      'rows, the padding row included',
    );
    const rowGrad = (...positions: number[]) => [0, 1].map((d) => positions.reduce((sum, i) => Math.fround(sum + seed[2 * i + d]), 0));
    assert.equal(Array.from(grad), [0, 0, ...rowGrad(0, 4), ...rowGrad(2)], 'no gradient for the padding row');
  });
}

/** dTable of `embedding(ids)` under a seed gradient `grad`, in `form`. */
function tableGrad(form: string, ids: Int32Array, grad: Float32Array, vocab: number, paddingIdx: number): Promise<Float32Array> {
  const dim = grad.length / ids.length;
  return withSettings({ ENGINE_KERNELS: form }, () =>
    scopedAsync(async () => {
      const table = E.Tensor.fromArray(new Float32Array(vocab * dim), [vocab, dim], 'f32', { requiresGrad: true });
      E.backward(
        E.embedding(E.Tensor.fromArray(ids, [ids.length], 'i32'), table, { paddingIdx }),
        E.Tensor.fromArray(grad, [ids.length, dim]),
      );
      const result = await table.grad!.toFloat32();
      table.grad!.release();
      return result;
    }),
  );
}

for (const dim of [33, 36]) {
  test(`repeated ids sum their gradient rows in position order, bit for bit, in both forms and run to run (D ${dim})`, async () => {
    const n = 1500;
    const vocab = 300;
    const paddingIdx = 1;
    // Zipf-like ids: a few very frequent (as [PAD] and [CLS] are), most rare or absent; every
    // 97th out of range. The second batch shifts them, so that the GPU form's scratch holds the
    // first batch's links to ids the second lacks.
    const zipf = Int32Array.from(randn(n, 3), (v, i) => (i % 97 === 5 ? (i % 2 ? -1 : vocab) : Math.min(vocab - 1, Math.floor(v * v * 4))));
    const grad = Float32Array.from(randn(n * dim, 4));
    for (const ids of [zipf, zipf.map((id) => (id >= 0 && id < vocab ? (id + 7) % vocab : id))]) {
      const expected = new Float32Array(vocab * dim);
      ids.forEach((id, i) => {
        if (id < 0 || id >= vocab || id === paddingIdx) return;
        for (let d = 0; d < dim; d++) expected[id * dim + d] = Math.fround(expected[id * dim + d] + grad[i * dim + d]);
      });
      const [sorted, linked] = [
        await tableGrad('software', ids, grad, vocab, paddingIdx),
        await tableGrad('gpu', ids, grad, vocab, paddingIdx),
      ];
      assert.equal(new Uint32Array(sorted.buffer), new Uint32Array(expected.buffer), 'counting sort: float32 sum in position order');
      assert.equal(new Uint32Array(linked.buffer), new Uint32Array(sorted.buffer), 'linked occurrences: the counting sort bits');
      const again = await tableGrad('gpu', ids, grad, vocab, paddingIdx);
      assert.equal(new Uint32Array(again.buffer), new Uint32Array(linked.buffer), 'linked occurrences, second run');
    }
  });
}

test('row gather: hidden[:, 0] of [B, T, D] through a reshape, with gradient', async () => {
  const [b, t, d] = [3, 5, 4];
  await gradcheck({
    inputs: [{ shape: [b, t, d], data: randn(b * t * d, 5) }],
    gpu: ([hidden]) => E.embedding(E.Tensor.fromArray([0, t, 2 * t], [b], 'i32'), E.reshape(hidden, [b * t, d])),
    cpu: ([hidden]) => gatherRowsRef(Float64Array.of(0, t, 2 * t), hidden, d),
  });
});

test('a paddingIdx outside the table is named', () => {
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
