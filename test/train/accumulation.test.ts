// Gradient accumulation's bookkeeping (train/accumulation.ts) against the Hugging Face Trainer
// 4.21.1's loop, restated below: which micro-batches' gradients each optimizer step sums, how many
// steps an epoch makes, state.epoch at each step, and where a run resumed at an epoch starts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { epochAtStep, epochMicroBatches, updateStepsPerEpoch } from '../../train/accumulation.ts';

interface Steps {
  /** Per optimizer step, the micro-batches ("epoch:index") whose gradients it sums. */
  sums: string[][];
  /** state.epoch after each step. */
  epochs: number[];
}

/**
 * trainer.py v4.21.1, `_inner_training_loop`, reduced to the gradient bookkeeping: model.zero_grad()
 * once before the loop and after each optimizer step; a step when (step + 1) % N == 0, or at the
 * last micro-batch of an epoch of at most N; training stops once global_step reaches max_steps.
 */
function trainerLoop(batches: number, n: number, numTrainEpochs: number, maxStepsArg?: number): Steps {
  const numUpdateStepsPerEpoch = Math.max(Math.floor(batches / n), 1);
  const maxSteps = maxStepsArg ?? Math.ceil(numTrainEpochs * numUpdateStepsPerEpoch);
  const epochs =
    maxStepsArg === undefined
      ? numTrainEpochs
      : Math.floor(maxStepsArg / numUpdateStepsPerEpoch) + Number(maxStepsArg % numUpdateStepsPerEpoch > 0);
  const result: Steps = { sums: [], epochs: [] };
  let grads: string[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let step = 0; step < batches; step++) {
      grads.push(`${epoch}:${step}`);
      if ((step + 1) % n === 0 || (batches <= n && step + 1 === batches)) {
        result.sums.push(grads);
        grads = [];
        result.epochs.push(epoch + (step + 1) / batches);
        if (result.sums.length >= maxSteps) return result;
      }
    }
  }
  return result;
}

/** Ours: epoch by epoch from `firstEpoch` (a resumed run starts at an epoch boundary). */
function ourLoop(batches: number, n: number, totalSteps: number, firstEpoch = 0): Steps {
  const perEpoch = updateStepsPerEpoch(batches, n);
  const result: Steps = { sums: [], epochs: [] };
  let steps = firstEpoch * perEpoch;
  let grads: string[] = [];
  for (let epoch = firstEpoch; epoch < Math.ceil(totalSteps / perEpoch); epoch++) {
    for (const micro of epochMicroBatches(epoch, batches, n, steps, totalSteps)) {
      grads.push(`${micro.epoch}:${micro.index}`);
      if (micro.endsStep) {
        result.sums.push(grads);
        grads = [];
        steps++;
        result.epochs.push(epochAtStep(steps, batches, n));
      }
    }
  }
  return result;
}

const CASES: [batches: number, n: number, epochs: number, maxSteps?: number][] = [
  [20, 1, 3],
  [20, 3, 3],
  [10, 3, 2],
  [8, 2, 2],
  [3, 4, 2],
  [4, 4, 3],
  [1, 2, 2],
  [20, 3, 3, 7],
  [7, 2, 4, 5],
  [3, 5, 2, 3],
];

test('each optimizer step sums the micro-batches the Trainer 4.21.1 sums, carried ones included', () => {
  for (const [batches, n, epochs, maxSteps] of CASES) {
    const trainer = trainerLoop(batches, n, epochs, maxSteps);
    const totalSteps = maxSteps ?? updateStepsPerEpoch(batches, n) * epochs;
    const ours = ourLoop(batches, n, totalSteps);
    const label = `${batches} batches, N ${n}, ${epochs} epochs, max steps ${maxSteps}`;
    assert.equal(ours.sums, trainer.sums, label);
    ours.epochs.forEach((e, i) => assert.ok(Math.abs(e - trainer.epochs[i]) < 1e-12, `${label}: epoch at step ${i + 1}`));
    // A run resumed at any epoch boundary continues with the same steps.
    for (let first = 1; first < Math.ceil(totalSteps / updateStepsPerEpoch(batches, n)); first++) {
      const resumed = ourLoop(batches, n, totalSteps, first);
      assert.equal(resumed.sums, trainer.sums.slice(first * updateStepsPerEpoch(batches, n)), `${label}: resumed at epoch ${first}`);
    }
  }
});

test('an epoch of B batches makes max(1, floor(B / N)) steps; the last step may sum more than N', () => {
  assert.is(updateStepsPerEpoch(134, 1), 134);
  assert.is(updateStepsPerEpoch(134, 4), 33);
  assert.is(updateStepsPerEpoch(3, 4), 1);
  const second = epochMicroBatches(1, 10, 3, 3, 6);
  assert.equal(
    second.map((m) => `${m.epoch}:${m.index}${m.endsStep ? '*' : ''}`),
    ['0:9', '1:0', '1:1', '1:2*', '1:3', '1:4', '1:5*', '1:6', '1:7', '1:8*'],
  );
  assert.equal(epochMicroBatches(2, 10, 3, 6, 6), [], 'nothing after the last step');
  assert.is(epochAtStep(0, 10, 3), 0);
  assert.is(epochAtStep(3, 10, 3), 0.9);
});

test.run();
