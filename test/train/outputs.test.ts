// What a training run writes, checked without a GPU: the model card's format, the plot, the
// metrics log, and the checkpoint folder (atomic publication, latest-wins, optimizer round trip).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { modelCard, pythonFloat } from '../../train/card.ts';
import {
  latestCheckpoint,
  readOptimizerState,
  readTrainerState,
  stateIn,
  writeCheckpoint,
  writeFinalState,
  writeOptimizerState,
  type TrainerState,
} from '../../train/checkpoints.ts';
import { MetricsLog, type MetricRecord } from '../../train/metrics.ts';
import { niceTicks, trainingPlot } from '../../train/plot.ts';
import { parseTrainArgs, settingsOf } from '../../train/settings.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'train-outputs-'));
const settings = settingsOf(parseTrainArgs([]));
const records: MetricRecord[] = [
  { split: 'train', step: 10, epoch: 0.0746, loss: 0.69, learningRate: 2e-5, gradNorm: 3, samplesPerSecond: 100 },
  { split: 'validation', step: 134, epoch: 1, loss: 0.36144, accuracy: 0.84241, examples: 1066, trainingLoss: 0.5 },
  { split: 'train', step: 140, epoch: 1.0448, loss: 0.31, learningRate: 1e-5, gradNorm: 2, samplesPerSecond: 100 },
  { split: 'validation', step: 268, epoch: 2, loss: 0.40001, accuracy: 0.8386, examples: 1066, trainingLoss: 0.25 },
  { split: 'test', step: 268, epoch: 2, loss: 0.41, accuracy: 0.83, examples: 1066 },
];

test('numbers are written as Python writes floats', () => {
  const cases: [number, string][] = [
    [2e-5, '2e-05'],
    [0, '0.0'],
    [1, '1.0'],
    [0.001, '0.001'],
    [1e-4, '0.0001'],
    [1.5e-8, '1.5e-08'],
    [1e16, '1e+16'],
    [42.5, '42.5'],
  ];
  for (const [x, text] of cases) assert.is(pythonFloat(x), text, String(x));
});

test("the model card has the Trainer card's metadata, hyperparameters and results table", () => {
  const card = modelCard({
    name: 'distilbert-rotten-tomatoes',
    settings,
    baseModel: 'distilbert-base-uncased',
    dataset: 'rotten_tomatoes',
    records,
    totalSteps: 670,
    frameworks: { engine: '0.1.0', webgpu: '0.6.2', adapter: 'Test GPU (vulkan)', node: 'v20' },
  });
  for (const line of [
    'base_model: distilbert-base-uncased',
    '      value: 0.8386',
    'This model is a fine-tuned version of [distilbert-base-uncased](https://huggingface.co/distilbert-base-uncased) on the rotten_tomatoes dataset.',
    '- Loss: 0.4000\n- Accuracy: 0.8386',
    '- learning_rate: 2e-05\n- train_batch_size: 64\n- eval_batch_size: 64\n- seed: 42\n- optimizer: AdamW with betas=(0.9,0.999) and epsilon=1e-08, weight_decay=0.0\n- lr_scheduler_type: linear\n- num_epochs: 5\n- max_grad_norm: 1.0\n',
    '| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n|:-------------:|:-----:|:----:|:---------------:|:--------:|\n' +
      '| 0.5000        | 1.0   | 134  | 0.3614          | 0.8424   |\n| 0.2500        | 2.0   | 268  | 0.4000          | 0.8386   |\n',
    '- wgsl-distilbert 0.1.0\n- webgpu (Dawn) 0.6.2\n- Adapter: Test GPU (vulkan)',
    'On the test split (1066 examples):\n- Loss: 0.4100\n- Accuracy: 0.8300',
  ]) {
    assert.ok(card.includes(line), `card lacks:\n${line}\n---\n${card}`);
  }
  const scratch = modelCard({
    name: 'tiny',
    settings: { ...settings, fromScratch: true, dim: 32, maxSteps: 50 },
    dataset: 'rt',
    records: [],
    totalSteps: 50,
    frameworks: { engine: '0.1.0', webgpu: '0.6.2', adapter: 'x', node: 'v20' },
  });
  assert.ok(scratch.includes('This model is trained from scratch on the rt dataset.'));
  assert.ok(scratch.includes('- training_steps: 50'));
  assert.not.ok(scratch.includes('base_model'));
});

test('with three classes the card adds macro F1 and a per-class table; --load-best-model-at-end reports the best epoch', () => {
  const perClass = [
    { label: 'negative', precision: 0.8, recall: 0.5, f1: 0.61538, support: 4 },
    { label: 'neutral', precision: 0.5, recall: 1, f1: 0.66667, support: 2 },
    { label: 'positive', precision: 1, recall: 0.75, f1: 0.85714, support: 4 },
  ];
  const scored: MetricRecord[] = [
    { split: 'validation', step: 10, epoch: 1, loss: 0.5, accuracy: 0.7, f1: 0.69, perClass, examples: 10, trainingLoss: 0.9 },
    { split: 'validation', step: 20, epoch: 2, loss: 0.55, accuracy: 0.72, f1: 0.71, perClass, examples: 10, trainingLoss: 0.6 },
    { split: 'test', step: 10, epoch: 2, loss: 0.52, accuracy: 0.7, f1: 0.7131, perClass, examples: 10 },
  ];
  const card = (metricForBestModel: 'loss' | 'f1') =>
    modelCard({
      name: 'three',
      settings: { ...settings, loadBestModelAtEnd: true, metricForBestModel },
      dataset: 'reviews',
      records: scored,
      totalSteps: 20,
      frameworks: { engine: '0.1.0', webgpu: '0.6.2', adapter: 'x', node: 'v20' },
    });
  const byLoss = card('loss');
  for (const line of [
    'metrics:\n- accuracy\n- f1\n',
    '    - name: F1\n      type: f1\n      value: 0.69\n',
    'It achieves the following results on the evaluation set:\n- Loss: 0.5000\n- Accuracy: 0.7000\n- F1: 0.6900\n',
    'On the test split (10 examples):\n- Loss: 0.5200\n- Accuracy: 0.7000\n- F1: 0.7131\n',
    '| Training Loss | Epoch | Step | Validation Loss | Accuracy | F1     |\n',
    '| 0.6000        | 2.0   | 20   | 0.5500          | 0.7200   | 0.7100 |\n',
    '### Results per class (test)\n\n| Label    | Precision | Recall | F1     | Support |\n',
    '| neutral  | 0.5000    | 1.0000 | 0.6667 | 2       |\n',
  ]) {
    assert.ok(byLoss.includes(line), `card lacks:\n${line}\n---\n${byLoss}`);
  }
  assert.ok(card('f1').includes('evaluation set:\n- Loss: 0.5500\n- Accuracy: 0.7200\n- F1: 0.7100\n'));
});

test('the plot is one SVG with both curves and the accuracy points, axis ticks at round values', () => {
  assert.equal(niceTicks(0, 268), [0, 100, 200]);
  assert.equal(niceTicks(0, 268, 10), [0, 50, 100, 150, 200, 250]);
  assert.equal(niceTicks(0.3, 0.7, 4), [0.3, 0.4, 0.5, 0.6, 0.7]);
  const svg = trainingPlot(records);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.is(svg.match(/<polyline/g)?.length, 3, 'training loss, validation loss and accuracy lines');
  assert.is(svg.match(/<circle/g)?.length, 4, 'two validation losses and two accuracies marked');
  assert.not.match(svg, /NaN|undefined/);
});

test('the metrics log mirrors its records into JSON lines, starting from the records it is given', () => {
  const file = path.join(work, 'metrics.jsonl');
  writeFileSync(file, 'stale\n');
  const log = new MetricsLog(file, records.slice(0, 2));
  log.add(records[2]);
  assert.equal(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    records.slice(0, 3),
  );
});

test('checkpoints are published whole, the latest replaces the older, the optimizer state round-trips', async () => {
  const out = path.join(work, 'run');
  mkdirSync(out);
  mkdirSync(path.join(out, 'checkpoint-5.tmp-999')); // left by a killed write
  const params = [
    { name: 'a.weight', shape: [2, 3] },
    { name: 'a.bias', shape: [3] },
  ];
  const optimizer = {
    step: 7,
    m: [Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([7, 8, 9])],
    v: [Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), Float32Array.from([0.7, 0.8, 0.9])],
  };
  const state = (globalStep: number): TrainerState => ({
    version: 1,
    settings,
    globalStep,
    totalSteps: 20,
    epoch: globalStep / 10,
    position: 0,
    rng: { seed: 42, nextStream: globalStep },
    records,
  });
  const write = (step: number) =>
    writeCheckpoint(out, state(step), (dir) => writeOptimizerState(path.join(dir, 'optimizer.safetensors'), params, optimizer));
  assert.is(latestCheckpoint(out), undefined);
  await write(10);
  await write(20);
  assert.equal(readdirSync(out), ['checkpoint-20']);
  const latest = latestCheckpoint(out)!;
  assert.is(latest, path.join(out, 'checkpoint-20'));
  assert.equal(readTrainerState(latest), JSON.parse(JSON.stringify(state(20))), 'the state as JSON keeps it');
  assert.equal(readOptimizerState(path.join(latest, 'optimizer.safetensors'), params), optimizer);
  assert.throws(
    () => readOptimizerState(path.join(latest, 'optimizer.safetensors'), [{ name: 'a.weight', shape: [3, 2] }]),
    /a\.weight\.exp_avg has shape \[2,3\], the model needs \[3,2\]/,
  );
  assert.throws(
    () => readOptimizerState(path.join(latest, 'optimizer.safetensors'), [{ name: 'b.weight', shape: [1] }]),
    /no tensor b\.weight\.exp_avg/,
  );

  // A write that fails leaves the previous checkpoint as it was.
  const failing = writeCheckpoint(out, state(30), () => {
    throw new Error('disk full');
  });
  let message = '';
  await failing.catch((e: Error) => (message = e.message));
  assert.is(message, 'disk full');
  assert.equal(readdirSync(out), ['checkpoint-20']);
  assert.not.ok(existsSync(path.join(out, 'checkpoint-30')));

  // The best checkpoint (--load-best-model-at-end) stays when later ones come.
  const keepingBest = (step: number) => writeCheckpoint(out, state(step), () => undefined, 'checkpoint-20');
  await keepingBest(40);
  await keepingBest(50);
  assert.equal(readdirSync(out).sort(), ['checkpoint-20', 'checkpoint-50']);

  // A finished run's state goes beside its model, last: the folder then says the run is done.
  assert.is(stateIn(out), undefined);
  writeFinalState(out, state(20));
  assert.equal(stateIn(out), JSON.parse(JSON.stringify(state(20))));
  assert.equal(readdirSync(out).sort(), ['checkpoint-20', 'checkpoint-50', 'trainer_state.json']);
});

test('cleanup', () => {
  rmSync(work, { recursive: true, force: true });
});

test.run();
