// selectPosition (x[:, position] of [batch, seq, dim], the [CLS] pooling) against the float64
// reference: forward, and a backward that is the gradient at that position and zero elsewhere.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { randn, selectPosition } from '../../reference/float64.ts';

for (const [batch, seq, dim, position] of [
  [3, 5, 4, 0],
  [2, 7, 33, 6],
  [1, 1, 3, 0],
  [4, 3, 300, 1],
]) {
  test(`selectPosition of [${batch}, ${seq}, ${dim}] at ${position}, with gradient`, async () => {
    await gradcheck({
      inputs: [{ shape: [batch, seq, dim], data: randn(batch * seq * dim, seq + dim) }],
      gpu: ([x]) => E.selectPosition(x, position),
      cpu: ([x]) => selectPosition(x, batch, seq, dim, position),
      maxEntries: 200,
    });
  });
}

test('selectPosition names a bad input or position', () => {
  E.scoped(() => {
    const x = new E.Tensor([2, 3, 4], 'f32', { name: 'hidden' });
    assert.throws(() => E.selectPosition(x, 3), /selectPosition: position 3 is outside hidden's 3 positions/);
    assert.throws(
      () => E.selectPosition(new E.Tensor([6, 4], 'f32', { name: 'flat' }), 0),
      /flat must be an f32 \[batch, seq, dim\] tensor, got f32 \[6, 4\]/,
    );
  });
});

test.run();
