// Dispatch replay (engine/replay.ts): a replayed training step must leave exactly the numbers the
// op code leaves, with a new batch, learning rate and dropout streams every step and batches of
// several shapes, copying nothing but its inputs (no gradient copies); and a step that could not
// be replayed faithfully must be refused when recorded.
import { gpuInfo } from '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AdamW,
  GradScaler,
  StepReplay,
  Tensor,
  backward,
  crossEntropy,
  dispatchStats,
  accumulateInto,
  autocast,
  flush,
  gradNorm,
  mulScalar,
  pool,
  scoped,
  shapeStr,
  zeroGrad,
} from '../../engine/index.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { DistilBertForSequenceClassification } from '../../model/distilbert.ts';
import { initialValues } from '../../model/init.ts';

const config = DistilBertConfig.fromJSON(
  { vocab_size: 40, max_position_embeddings: 16, n_layers: 2, n_heads: 2, dim: 16, hidden_dim: 32 },
  'a tiny test model',
);

/** Batch `step` of a made-up dataset (the sequence length alternates between 6 and 4), and its dropout step. */
function batchAt(step: number): Tensor[] {
  const seq = step % 2 === 0 ? 6 : 4;
  const ids = Array.from({ length: 3 * seq }, (_, i) => 1 + ((i * 7 + step * 13) % (config.vocabSize - 1)));
  const mask = Array.from({ length: 3 * seq }, (_, i) => (i % seq < seq - (i % 3) ? 1 : 0));
  return [
    Tensor.fromArray(ids, [3, seq], 'i32'),
    Tensor.fromArray(mask, [3, seq], 'i32'),
    Tensor.fromArray([step % 2, 1, 0], [3], 'i32'),
    Tensor.fromArray([step], [1], 'i32'),
  ];
}

interface Trained {
  params: Float32Array[];
  /** Steps the GradScaler skipped (with `fp16`). */
  skipped: number;
  /** Buffer copies of each replayed step (the replay's own copies of its inputs included). */
  replayCopies: number[];
}

/** Trains `steps` steps, every one replayed after its shape's first when `replay` is given. */
async function train(steps: number, replay?: StepReplay, fp16 = false): Promise<Trained> {
  const model = new DistilBertForSequenceClassification(config, (name, shape) => initialValues(config, name, shape, 3));
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: { steps, at: (step) => 1e-2 / (step + 1) }, weightDecay: 0.01 });
  // A scale large enough that the first steps overflow f16 and are skipped.
  const scaler = fp16 ? new GradScaler({ initScale: 2 ** 20 }) : undefined;
  const work = ([ids, mask, labels, step]: readonly Tensor[]) => {
    const forward = () => model.forward(ids, mask, { training: true, rng: { seed: 5, step } });
    backward(crossEntropy(scaler ? autocast(forward) : forward(), labels), scaler?.scale);
    scaler?.unscale(params);
    const { clipCoef } = gradNorm(params, 0.5);
    if (scaler) {
      scaler.step(optimizer, clipCoef);
      scaler.update();
    } else {
      optimizer.step(clipCoef);
    }
    zeroGrad(params);
  };
  const outcomes: string[] = [];
  const replayCopies: number[] = [];
  for (let step = 0; step < steps; step++) {
    scoped(() => {
      const batch = batchAt(step);
      if (!replay) return work(batch);
      const copiesBefore = dispatchStats.copies;
      outcomes.push(replay.run(shapeStr(batch[0].shape), batch, work));
      if (outcomes.at(-1) === 'replayed') replayCopies.push(dispatchStats.copies - copiesBefore);
    });
    flush();
  }
  if (replay) assert.equal(outcomes, ['recorded', 'recorded', ...Array(steps - 2).fill('replayed')]);
  const values = await Promise.all(params.map((p) => p.toFloat32()));
  const skipped = (await scaler?.skippedSteps()) ?? 0;
  scaler?.release();
  optimizer.release();
  model.release();
  return { params: values, skipped, replayCopies };
}

// --fp16 where the adapter has shader-f16 (lavapipe does; the OpenGL fallback, which reruns this file, does not).
for (const fp16 of gpuInfo.features.has('shader-f16') ? [false, true] : [false]) {
  test(`replayed steps leave the parameters the op code leaves, bit for bit, over batches of two shapes${fp16 ? ', with --fp16 and skipped steps' : ''}`, async () => {
    const replay = new StepReplay();
    const [expected, replayed] = [await train(6, undefined, fp16), await train(6, replay, fp16)];
    replay.release();
    assert.is(replayed.skipped, expected.skipped);
    if (fp16) assert.ok(expected.skipped > 0 && expected.skipped < 6, `${expected.skipped} of 6 steps skipped`);
    expected.params.forEach((values, i) => assert.equal(replayed.params[i], values, `parameter ${i}`));
    // A parameter's gradient is the tensor backward made, handed over: a replay copies its inputs in, nothing else.
    assert.equal(replayed.replayCopies, [4, 4, 4, 4], 'copies per replayed step: its 4 inputs');
  });
}

test('a replay launches what its recording launched, in one submit, on the new inputs', async () => {
  const replay = new StepReplay();
  const sum = new Tensor([2], 'f32', { persistent: true, name: 'sum' });
  sum.write([0, 0]);
  // sum += 2·x, from a temporary: two launches.
  const step = ([x]: readonly Tensor[]) => accumulateInto(sum, mulScalar(x, 2));
  // Once unrecorded, adding 0: its kernels compile here, since ENGINE_DEBUG=1 gives a new kernel's
  // first launch a submit of its own.
  scoped(() => step([Tensor.fromArray([0, 0], [2])]));
  for (const values of [
    [1, 2],
    [10, 20],
    [100, 200],
  ]) {
    const before = { ...dispatchStats };
    scoped(() => replay.run('k', [Tensor.fromArray(values, [2])], step));
    flush();
    assert.is(dispatchStats.submits - before.submits, 1);
    assert.is(dispatchStats.dispatches - before.dispatches, 2);
  }
  assert.equal(await sum.toFloat32(), Float32Array.from([222, 444]));
  replay.release();
  sum.release();
});

test("recording a second shape keeps the first one's buffers out of the pool: a tensor made later cannot share them", async () => {
  const replay = new StepReplay();
  const sum = new Tensor([1000], 'f32', { persistent: true, name: 'sum' });
  sum.write(new Float32Array(1000));
  // sum += 2·x through a temporary the size of x: 4 KB here, 16 bytes in the second recording.
  const step = ([x]: readonly Tensor[]) => accumulateInto(sum, mulScalar(x, 2));
  const small = new Tensor([4], 'f32', { persistent: true, name: 'small' });
  scoped(() => replay.run('big', [Tensor.fromArray(new Float32Array(1000).fill(1), [1000])], step));
  scoped(() => replay.run('small', [Tensor.fromArray([1, 2, 3, 4], [4])], ([x]) => accumulateInto(small, mulScalar(x, 2))));
  flush();
  // Made after both recordings, the size of the first one's temporary: none may get its buffer.
  const later = [11, 12, 13, 14].map((v) => Tensor.fromArray(new Float32Array(1000).fill(v), [1000], 'f32', { persistent: true }));
  scoped(() => replay.run('big', [Tensor.fromArray(new Float32Array(1000).fill(1), [1000])], step));
  for (const [i, t] of later.entries()) assert.equal(await t.toFloat32(), new Float32Array(1000).fill(11 + i), `later tensor ${i}`);
  assert.equal(await sum.toFloat32(), new Float32Array(1000).fill(4));
  replay.release();
  for (const t of [sum, small, ...later]) t.release();
});

test('recording refuses a step a replay could not repeat, saying why', () => {
  const replay = new StepReplay();
  const refuses = (why: RegExp, step: (inputs: readonly Tensor[]) => void) =>
    scoped(() => assert.throws(() => replay.run(String(why), [Tensor.fromArray([1, 2], [2])], step), why));
  refuses(/the step's own failure/, () => {
    throw new Error("the step's own failure");
  });
  refuses(/cannot upload/, () => Tensor.fromArray([1, 2], [2]));
  scoped(() => {
    const callers = Tensor.fromArray([1, 2], [2]);
    flush();
    refuses(/neither persistent nor one of its inputs/, () => mulScalar(callers, 2));
  });
  refuses(/left \d+ bytes of tensors alive/, ([x]) => mulScalar(x, 3).persist());
  flush();
  // Nothing refused was kept: the replay still records and runs a good step.
  const held = pool.inUseBytes;
  scoped(() =>
    assert.is(
      replay.run('good', [Tensor.fromArray([1, 2], [2])], ([x]) => void mulScalar(x, 2)),
      'recorded',
    ),
  );
  replay.release();
  assert.is(pool.inUseBytes, held);
});

test.run();
