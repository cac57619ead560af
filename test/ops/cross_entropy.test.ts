// Fused cross-entropy (log-softmax + NLL, mean over the batch) against a float64 reference.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { gradcheck, scopedAsync } from '../../reference/check.ts';
import { crossEntropy, randn } from '../../reference/float64.ts';

function check(rows: number, classes: number, logits: Float64Array, labels: Float64Array, tolerance = {}) {
  return gradcheck({
    inputs: [
      { shape: [rows, classes], data: logits },
      { shape: [rows], data: labels, dtype: 'i32', noGrad: true },
    ],
    gpu: ([x, y]) => E.crossEntropy(x, y),
    cpu: ([x, y]) => Float64Array.of(crossEntropy(x, y, rows, classes)),
    ...tolerance,
  });
}

const labelsFor = (rows: number, classes: number, seed: number) => randn(rows, seed).map((v) => Math.floor(Math.abs(v) * 1000) % classes);

for (const [rows, classes] of [
  [5, 7],
  [3, 2],
  [1, 1],
  [2, 300],
  [40, 3],
]) {
  test(`cross-entropy of [${rows}, ${classes}] logits: loss and gradient`, async () => {
    await check(rows, classes, randn(rows * classes, rows + classes, 2), labelsFor(rows, classes, 3));
  });
}

test('stable for logits of ±1e4, including near-ties at that magnitude', async () => {
  const logits = Float64Array.of(1e4, -1e4, 0, 1e4 - 1, -1e4, 1e4, 1e4, -1e4 + 0.5, -1e4, 3);
  // Losses near 2e4 hold float32 rounding of ~1e-3; the gradients (softmax - onehot) stay accurate.
  await check(5, 2, logits, Float64Array.of(1, 0, 1, 0, 0), { atol: 1e-5, rtol: 1e-5 });
  await check(2, 5, logits, Float64Array.of(1, 4), { atol: 1e-5, rtol: 1e-5 });
});

test('a label outside [0, C) makes the loss and its row gradient NaN', async () => {
  await scopedAsync(async () => {
    const logits = E.Tensor.fromArray([1, 2, 3, 4], [2, 2], 'f32', { requiresGrad: true });
    const loss = E.crossEntropy(logits, E.Tensor.fromArray([0, 2], [2], 'i32'));
    assert.ok(Number.isNaN(await loss.item()), 'loss');
    E.backward(loss);
    const grad = await logits.grad!.toFloat32();
    logits.grad!.release();
    assert.ok(grad.slice(0, 2).every(Number.isFinite), `good row ${grad}`);
    assert.ok(grad.slice(2).every(Number.isNaN), `bad row ${grad}`);
  });
});

test('wrong shapes and dtypes are named', () => {
  E.scoped(() => {
    const logits = E.filled([3, 4], 0);
    assert.throws(
      () => E.crossEntropy(E.filled([12], 0), new E.Tensor([3], 'i32')),
      /crossEntropy: logits t\d+ must be an f32 matrix \[B, C\], got f32 \[12\]/,
    );
    assert.throws(
      () => E.crossEntropy(logits, E.filled([3], 0)),
      /crossEntropy: labels t\d+ must be i32 \[3\] to match logits \[3, 4\], got f32 \[3\]/,
    );
    assert.throws(() => E.crossEntropy(logits, new E.Tensor([4], 'i32')), /got i32 \[4\]/);
  });
});

test.run();
