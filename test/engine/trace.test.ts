// Op names on tensors and printGraph: each node names the op that made it and the kernels its
// forward and backward launched.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';

test('ops name their results; formatGraph lists nodes in backward order with their kernels', () => {
  E.scoped(() => {
    const x = E.Tensor.fromArray([1, -2, 3, 4, 5, -6], [2, 3], 'f32', { name: 'x' });
    const w = E.Tensor.fromArray([0.1, 0.2, 0.3, -0.1, -0.2, -0.3], [2, 3], 'f32', { requiresGrad: true, name: 'w' });
    const labels = E.Tensor.fromArray([0, 1], [2], 'i32');
    const hidden = E.relu(E.linear(x, w));
    const loss = E.crossEntropy(hidden, labels);
    assert.is(loss.op, 'crossEntropy');
    assert.is(hidden.op, 'relu');
    assert.is(w.op, null);

    const before = E.formatGraph(loss).split('\n');
    assert.match(before[0], /^#0 crossEntropy t\d+ \[\] <- #1$/);
    // Cross-entropy's mean over the batch (a scaled sum, no graph node) is part of its own forward.
    assert.match(before[1], /forward: {2}cross_entropy_rows\w*, reduce_rows_sum_scaled$/);
    assert.match(before[2], /backward: -$/);
    assert.match(before[3], /^#1 relu t\d+ \[2, 2\] <- #2$/);
    assert.match(before[6], /^#2 linear t\d+ \[2, 2\] <- x, #3$/);
    assert.match(before[7], /forward: {2}matmul_\w+$/);
    assert.is(before[9], '#3 leaf w [2, 3]');

    E.backward(loss);
    const after = E.formatGraph(loss).split('\n');
    assert.match(after[2], /backward: cross_entropy_backward$/);
    assert.match(after[5], /backward: relu_backward$/);
    // x needs no gradient: only the weight's product runs.
    assert.match(after[8], /backward: matmul_\w+$/);
    w.grad?.release();
  });
});

test('an op built from ops whose results are nodes leaves them their own kernels', () => {
  E.scoped(() => {
    const x = E.Tensor.fromArray([1, 2, 3, 4], [2, 2], 'f32', { requiresGrad: true, name: 'x' });
    const m = E.mean(x);
    assert.is(m.op, 'mulScalar');
    const [, , , sumLine, sumKernels] = E.formatGraph(m).split('\n');
    assert.match(sumLine, /^#1 sum /);
    assert.match(sumKernels, /forward: {2}reduce_rows_sum\w*$/);
  });
});

test.run();
