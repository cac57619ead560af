// Attention variant 1, unfused (matmul, masked softmax, matmul), against the same float64
// reference as the fused kernel, and against the fused kernel itself.
import '../support/setup.ts';
import { test } from 'uvu';
import * as E from '../../engine/index.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { attentionRef, randn } from '../../reference/float64.ts';

const cases = [
  { batch: 2, seq: 5, heads: 2, headDim: 4, lengths: [5, 3] },
  { batch: 1, seq: 7, heads: 3, headDim: 5, lengths: [2] },
];

for (const c of cases) {
  test(`unfused attention B=${c.batch} T=${c.seq} H=${c.heads} D=${c.headDim}, kept keys ${c.lengths}: values and gradients`, async () => {
    const shape = [c.batch, c.seq, c.heads * c.headDim];
    const n = c.batch * c.seq * c.heads * c.headDim;
    const keep = Float64Array.from({ length: c.batch * c.seq }, (_, i) => (i % c.seq < c.lengths[Math.floor(i / c.seq)] ? 1 : 0));
    await gradcheck({
      inputs: [1, 2, 3].map((seed) => ({ shape, data: randn(n, seed) })),
      gpu: ([q, k, v]) => E.attentionUnfused(q, k, v, E.additiveKeyMask(keep, c.batch, c.seq), c.heads),
      cpu: ([q, k, v]) => attentionRef(q, k, v, keep, c.batch, c.seq, c.heads, c.headDim),
    });
  });
}

test('unfused and fused attention agree', async () => {
  const [batch, seq, heads, headDim] = [2, 9, 2, 8];
  const shape = [batch, seq, heads * headDim];
  const keep = Array.from({ length: batch * seq }, (_, i) => (i % seq < (i < seq ? 9 : 4) ? 1 : 0));
  const [unfused, fused] = await scopedAsync(async () => {
    const [q, k, v] = [4, 5, 6].map((seed) => E.Tensor.fromArray(randn(batch * seq * heads * headDim, seed), shape));
    const mask = E.Tensor.fromArray(keep, [batch, seq], 'i32');
    return [
      await E.attentionUnfused(q, k, v, E.additiveKeyMask(keep, batch, seq), heads).toFloat32(),
      await E.attention(q, k, v, mask, heads).toFloat32(),
    ];
  });
  assertClose(unfused, fused, 1e-5, 1e-4, 'unfused vs fused');
});

test.run();
