// RMSNorm (engine/ops/rmsnorm.ts, kernels/rmsnorm.ts) against the float64 reference: values, and
// the gradients of x and weight by finite differences; the op docs/add-an-op.md adds.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { gradcheck } from '../../reference/check.ts';
import { randn, rmsNorm } from '../../reference/float64.ts';

for (const [shape, eps] of [
  [[3, 7], 1e-6],
  [[2, 3, 33], 1e-5],
  [[4, 300], 1e-6],
  [[2, 1], 1e-6],
] as [number[], number][]) {
  test(`rmsNorm ${JSON.stringify(shape)}, eps ${eps}`, async () => {
    const cols = shape[shape.length - 1];
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    await gradcheck({
      inputs: [
        { shape, data: randn(rows * cols, 1, 2).map(Math.fround) },
        { shape: [cols], data: randn(cols, 2).map(Math.fround) },
      ],
      gpu: ([x, w]) => E.rmsNorm(x, w, eps),
      cpu: ([x, w]) => rmsNorm(x, w, rows, cols, eps),
      maxEntries: 100,
    });
  });
}

test('rmsNorm names a weight of the wrong shape and both tensors in one line', () => {
  E.scoped(() => {
    const x = new E.Tensor([2, 4], 'f32', { name: 'hidden' });
    assert.throws(
      () => E.rmsNorm(x, new E.Tensor([3], 'f32', { name: 'scale' }), 1e-6),
      /rmsNorm: weight scale is f32 \[3\], expected f32 \[4\] to match x hidden \[2, 4\]/,
    );
    assert.throws(() => E.rmsNorm(x, new E.Tensor([4]), 0), /eps must be positive/);
  });
});

test.run();
