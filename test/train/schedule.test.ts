// The learning-rate schedule against torch's LambdaLR with Hugging Face's linear lambda (values
// printed by PyTorch 1.13), and the per-epoch data order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { learningRateAt } from '../../train/schedule.ts';
import { batchesOf, batchesPerEpoch, epochOrder } from '../../train/shuffle.ts';

test('linear decay without warmup matches torch LambdaLR bit for bit', () => {
  const schedule = { peakLr: 2e-5, warmupSteps: 0, totalSteps: 670 };
  const expected: [number, number][] = [
    [0, 2e-5],
    [1, 1.9970149253731346e-5],
    [333, 1.0059701492537315e-5],
    [669, 2.985074626865672e-8],
    [670, 0],
  ];
  for (const [step, lr] of expected) assert.is(learningRateAt(schedule, step), lr, `step ${step}`);
});

test('warmup then decay matches torch LambdaLR bit for bit', () => {
  const schedule = { peakLr: 3e-4, warmupSteps: 7, totalSteps: 100 };
  const expected: [number, number][] = [
    [0, 0],
    [1, 4.285714285714285e-5],
    [3, 0.00012857142857142855],
    [7, 0.0003],
    [8, 0.0002967741935483871],
    [50, 0.00016129032258064513],
    [99, 3.225806451612903e-6],
    [100, 0],
    [150, 0],
  ];
  for (const [step, lr] of expected) assert.is(learningRateAt(schedule, step), lr, `step ${step}`);
});

test('an epoch order is a permutation fixed by (seed, epoch)', () => {
  const a = epochOrder(1000, 42, 0, true);
  assert.equal(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.equal(epochOrder(1000, 42, 0, true), a);
  assert.not.equal(epochOrder(1000, 42, 1, true), a);
  assert.not.equal(epochOrder(1000, 43, 0, true), a);
  assert.equal(epochOrder(5, 42, 3, false), [0, 1, 2, 3, 4]);
});

test('shuffling is close to uniform: all 24 orders of 4 items, each about equally often', () => {
  const counts = new Map<string, number>();
  for (let epoch = 0; epoch < 2400; epoch++) {
    const key = epochOrder(4, 7, epoch, true).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.is(counts.size, 24);
  for (const [order, n] of counts) assert.ok(n > 60 && n < 140, `order ${order} drawn ${n} times of 2400`);
});

test('batches cover the order in slices, the last one short (drop_last=False)', () => {
  const order = epochOrder(8530, 42, 0, true);
  const batches = batchesOf(order, 64);
  assert.is(batches.length, 134);
  assert.is(batchesPerEpoch(8530, 64), 134);
  assert.is(batches[133].length, 8530 - 133 * 64);
  assert.equal(batches.flat(), order);
});

test.run();
