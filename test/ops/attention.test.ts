// Fused attention against the float64 HF DistilBERT reference: forward, gradients of q, k, v,
// padding masks, head dims with and without the vec4 path, edge cases, dropout, determinism.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withSettings } from '../../engine/env.ts';
import * as E from '../../engine/index.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { attentionRef, randn, type AttentionDropoutRef } from '../../reference/float64.ts';

interface Case {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  /** Kept keys per sequence (the rest are padding). */
  lengths: number[];
  /** Scale of the random q and k. */
  scale?: number;
  dropout?: AttentionDropoutRef;
}

function maskOf({ seq, lengths }: Case): Float64Array {
  return Float64Array.from({ length: lengths.length * seq }, (_, i) => (i % seq < lengths[Math.floor(i / seq)] ? 1 : 0));
}

/** gradcheck inputs q, k, v, mask for a case, seeded by `seed`. */
function inputsOf(c: Case, seed: number) {
  const shape = [c.batch, c.seq, c.heads * c.headDim];
  const n = c.batch * c.seq * c.heads * c.headDim;
  return [
    { shape, data: randn(n, seed, c.scale ?? 1) },
    { shape, data: randn(n, seed + 1, c.scale ?? 1) },
    { shape, data: randn(n, seed + 2) },
    { shape: [c.batch, c.seq], data: maskOf(c), dtype: 'i32' as const, noGrad: true },
  ];
}

/** The reference's stream (offset below 2^32) as the op takes it: that stream at step 0. */
const onDevice = ({ seed, offset }: AttentionDropoutRef): E.RngState => ({
  seed,
  stream: offset,
  step: E.Tensor.fromArray([0], [1], 'i32'),
});

const gpuAttention =
  (c: Case) =>
  ([q, k, v, mask]: E.Tensor[]) =>
    E.attention(q, k, v, mask, c.heads, c.dropout ? { dropout: c.dropout.probability, rng: onDevice(c.dropout) } : {});
const cpuAttention =
  (c: Case) =>
  ([q, k, v, mask]: Float64Array[]) =>
    attentionRef(q, k, v, mask, c.batch, c.seq, c.heads, c.headDim, c.dropout);

async function check(c: Case, seed: number, tolerance: { atol?: number; rtol?: number; maxEntries?: number } = {}): Promise<void> {
  await gradcheck({ inputs: inputsOf(c, seed), gpu: gpuAttention(c), cpu: cpuAttention(c), ...tolerance });
}

test('B=2, T=5, H=2, D=4 with padding lengths 5 and 3', async () => {
  await check({ batch: 2, seq: 5, heads: 2, headDim: 4, lengths: [5, 3] }, 1);
});

test('B=2, T=7, H=2, D=8 with padding lengths 2 and 7', async () => {
  await check({ batch: 2, seq: 7, heads: 2, headDim: 8, lengths: [2, 7] }, 4);
});

test('head dims 12 (vec4 rows) and 6, 5 (scalar rows)', async () => {
  await check({ batch: 2, seq: 6, heads: 2, headDim: 12, lengths: [6, 4] }, 7);
  await check({ batch: 2, seq: 5, heads: 3, headDim: 6, lengths: [3, 5] }, 10);
  await check({ batch: 1, seq: 7, heads: 2, headDim: 5, lengths: [6] }, 13);
});

test('the DistilBERT test fixture shape: 6 heads of dim 16, T=9', async () => {
  await check({ batch: 2, seq: 9, heads: 6, headDim: 16, lengths: [9, 5] }, 16, { maxEntries: 60 });
});

test('T=130, D=64: many query workgroups and key tiles, a partial last tile', async () => {
  await check({ batch: 2, seq: 130, heads: 2, headDim: 64, lengths: [130, 71] }, 19, { atol: 2e-5, maxEntries: 12 });
});

test('a single kept key: all weight on it, gradients only through it', async () => {
  await check({ batch: 2, seq: 7, heads: 2, headDim: 4, lengths: [1, 7] }, 22);
});

test('all keys padding: uniform weights over every key, as PyTorch gives', async () => {
  await check({ batch: 2, seq: 5, heads: 2, headDim: 8, lengths: [0, 3] }, 25);
});

test('logits of ±1e4 stay finite and match the reference', async () => {
  // q and k of scale 60 with D=8 give scores (q/√D)·k of spread 60² = 3600, the largest ±1.3e4.
  const c: Case = { batch: 2, seq: 6, heads: 2, headDim: 8, lengths: [6, 2], scale: 60 };
  const inputs = inputsOf(c, 28);
  const expected = cpuAttention(c)(inputs.map((i) => i.data));
  const { out, grads } = await scopedAsync(async () => {
    const [q, k, v, mask] = inputs.map((i) => E.Tensor.fromArray(i.data, i.shape, i.dtype ?? 'f32', { requiresGrad: !i.noGrad }));
    const y = E.attention(q, k, v, mask, c.heads);
    E.backward(y, E.Tensor.fromArray(randn(y.numel, 29), y.shape));
    const grads = await Promise.all([q, k, v].map((t) => t.grad!.toFloat32()));
    for (const t of [q, k, v]) t.grad!.release();
    return { out: await y.toFloat32(), grads };
  });
  assertClose(out, expected, 1e-4, 1e-4, 'forward');
  for (const g of grads) assert.ok(g.every(Number.isFinite), 'gradients are finite');
  // Softmax is saturated: the weights are one-hot, so q and k get (almost) no gradient.
  await check(c, 28, { atol: 1e-3, rtol: 1e-3 });
});

test('attention dropout draws the [B, H, T, T] weight mask of the rng stream, in forward and backward', async () => {
  const dropout = { probability: 0.3, seed: 1234, offset: 5 };
  await check({ batch: 2, seq: 7, heads: 2, headDim: 8, lengths: [7, 4], dropout }, 31);
  await check({ batch: 1, seq: 70, heads: 2, headDim: 16, lengths: [50], dropout }, 34, { maxEntries: 20 });
});

test('every form (ENGINE_ATTENTION) matches: several blocks and tiles with padding and dropout; scalar rows, a sequence all padding', async () => {
  for (const form of ['blocks', 'rows', 'cpu']) {
    await withSettings({ ENGINE_ATTENTION: form }, async () => {
      const dropout = { probability: 0.3, seed: 99, offset: 2 };
      await check({ batch: 2, seq: 19, heads: 2, headDim: 8, lengths: [19, 6], dropout }, 40, { maxEntries: 30 });
      await check({ batch: 2, seq: 5, heads: 2, headDim: 5, lengths: [0, 4] }, 43);
    });
  }
});

test('forward and backward are bit-for-bit reproducible', async () => {
  const c: Case = { batch: 2, seq: 70, heads: 2, headDim: 64, lengths: [70, 33] };
  const inputs = inputsOf(c, 37);
  const runOnce = () =>
    scopedAsync(async () => {
      const [q, k, v, mask] = inputs.map((i) => E.Tensor.fromArray(i.data, i.shape, i.dtype ?? 'f32', { requiresGrad: !i.noGrad }));
      const y = E.attention(q, k, v, mask, c.heads);
      E.backward(y, E.Tensor.fromArray(randn(y.numel, 38), y.shape));
      const values = [await y.toFloat32(), ...(await Promise.all([q, k, v].map((t) => t.grad!.toFloat32())))];
      for (const t of [q, k, v]) t.grad!.release();
      return values;
    });
  assert.equal(await runOnce(), await runOnce());
});

test('bad inputs name the tensor that is wrong', () => {
  E.scoped(() => {
    const x = new E.Tensor([2, 3, 8], 'f32', { name: 'query' });
    const mask = new E.Tensor([2, 3], 'i32', { name: 'pad' });
    assert.throws(() => E.attention(x, x, x, mask, 3), /3 heads do not divide query query's width 8/);
    assert.throws(() => E.attention(x, new E.Tensor([2, 4, 8], 'f32', { name: 'key' }), x, mask, 2), /attention: key.*key \[2, 4, 8\]/);
    assert.throws(() => E.attention(x, x, x, new E.Tensor([2, 3], 'f32', { name: 'pad' }), 2), /mask pad is f32, expected i32/);
    assert.throws(() => E.attention(x, x, x, new E.Tensor([3, 2], 'i32', { name: 'pad' }), 2), /attention: mask.*pad \[3, 2\]/);
    assert.throws(() => E.attention(x, x, x, mask, 2, { dropout: 0.1 }), /dropout > 0 needs an rng/);
  });
});

test.run();
