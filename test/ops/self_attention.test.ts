// selfAttention (attention over x's q, k and v projections, the three products as one slotted
// launch forward and backward) against the float64 reference: attentionRef of three nn.Linear
// maps. Gradients for x and all six parameters by finite differences, under both kernels the ops
// can launch; and the slotted kernels themselves against three separate products.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { attentionRef, matmul, randn } from '../../reference/float64.ts';
import { testEachKernel } from '../support/matmul_kernels.ts';

/** x [rows, D] · Wᵀ + b in float64. */
function linearRef(x: Float64Array, w: Float64Array, b: Float64Array, rows: number, features: number): Float64Array {
  return matmul(x, w, 1, rows, features, features, false, true).map((v, i) => v + b[i % features]);
}

const cases = [
  { batch: 2, seq: 5, heads: 2, headDim: 3, lengths: [5, 3] },
  { batch: 1, seq: 4, heads: 1, headDim: 8, lengths: [4] },
];
for (const c of cases) {
  const features = c.heads * c.headDim;
  const rows = c.batch * c.seq;
  testEachKernel(`selfAttention B=${c.batch} T=${c.seq} H=${c.heads} D=${c.headDim}: x, weight and bias gradients`, async () => {
    const mask = Float64Array.from({ length: rows }, (_, i) => (i % c.seq < c.lengths[Math.floor(i / c.seq)] ? 1 : 0));
    const params = [0, 1, 2].flatMap((z) => [
      { shape: [features, features], data: randn(features * features, 10 + z, 0.5) },
      { shape: [features], data: randn(features, 20 + z, 0.5) },
    ]);
    await gradcheck({
      inputs: [
        { shape: [c.batch, c.seq, features], data: randn(rows * features, 1) },
        ...params,
        { shape: [c.batch, c.seq], data: mask, dtype: 'i32', noGrad: true },
      ],
      gpu: ([x, wq, bq, wk, bk, wv, bv, m]) =>
        E.selfAttention(
          x,
          [
            { weight: wq, bias: bq },
            { weight: wk, bias: bk },
            { weight: wv, bias: bv },
          ],
          m,
          c.heads,
        ),
      cpu: ([x, wq, bq, wk, bk, wv, bv, m]) => {
        const [q, k, v] = [
          [wq, bq],
          [wk, bk],
          [wv, bv],
        ].map(([w, b]) => linearRef(x, w, b, rows, features));
        return attentionRef(q, k, v, m, c.batch, c.seq, c.heads, c.headDim);
      },
      maxEntries: 40,
    });
  });
}

test('selfAttention names a projection of the wrong shape', () => {
  E.scoped(() => {
    const x = new E.Tensor([2, 3, 4], 'f32', { name: 'hidden' });
    const ok = { weight: new E.Tensor([4, 4]), bias: new E.Tensor([4]) };
    const bad = { weight: new E.Tensor([4, 5], 'f32', { name: 'k_lin.weight' }), bias: new E.Tensor([4], 'f32', { name: 'k_lin.bias' }) };
    assert.throws(
      () => E.selfAttention(x, [ok, bad, ok], new E.Tensor([2, 3], 'i32'), 2),
      /projection k_lin\.weight \[4, 5\] \+ k_lin\.bias \[4\] must be \[4, 4\] \+ \[4\] for x hidden \[2, 3, 4\]/,
    );
  });
});

test.run();
