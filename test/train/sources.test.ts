// `npm run train` on each kind of data source, in this process (train/train.ts's runTraining) with
// the tiny model of test/support/tiny_run.ts, a few steps each: a CSV file with string labels and
// three classes and no validation split (held out, seeded and stratified, and kept by --resume),
// JSON lines with sentence pairs, parquet files with ClassLabel names (with
// --load-best-model-at-end), and a hub dataset id served by the fake hub. Each run's saved config
// names the data's classes. All runs share one model shape (2 or 3 classes alike), so their
// kernels compile once.
import '../support/setup.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTrainerState, latestCheckpoint } from '../../train/checkpoints.ts';
import type { EvalRecord, MetricRecord } from '../../train/metrics.ts';
import { runTraining } from '../../train/train.ts';
import { hubParquet, withFakeHub } from '../support/fake_hub.ts';
import { repoRoot } from '../support/cli_process.ts';
import { TINY_MODEL_ARGS } from '../support/tiny_run.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'train-sources-'));
const shared = path.resolve(repoRoot, '..', 'shared', 'data', 'rotten_tomatoes');
const [positives, negatives] = ['rt-polarity.pos', 'rt-polarity.neg'].map((file) =>
  readFileSync(path.join(shared, file), 'utf8').split('\n').slice(0, 40),
);

/** Runs `npm run train` in this process; the lines it printed on stderr are returned. */
async function run(args: string[]): Promise<string[]> {
  let text = '';
  const [print, write] = [console.error, process.stderr.write];
  console.error = (...parts: unknown[]) => {
    text += `${parts.join(' ')}\n`;
  };
  // The progress lines go straight to the stream.
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await runTraining(args);
  } finally {
    [console.error, process.stderr.write] = [print, write];
  }
  return text.split('\n').filter((line) => line !== '');
}

/** The tiny model on the data that `data` flags name, one epoch unless they say otherwise. */
const train = (data: string[], output: string) =>
  run([
    ...TINY_MODEL_ARGS,
    '--batch-size',
    '16',
    '--lr',
    '1e-2',
    ...(data.includes('--epochs') ? [] : ['--epochs', '1']),
    ...data,
    '--output',
    output,
  ]);

const savedLabels = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')).id2label;
const records = (dir: string): MetricRecord[] =>
  readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
const evals = (dir: string, split: EvalRecord['split']) => records(dir).filter((r): r is EvalRecord => r.split === split);

function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;

test('a CSV file with string labels and 3 classes: a held-out validation split, recorded, and kept by --resume', async () => {
  // neutral: short sentences of either polarity; the others by the file they come from.
  const rows = [...positives.slice(0, 20), ...negatives.slice(0, 20)].map((text, i) => {
    const label = text.split(' ').length < 12 ? 'neutral' : i < 20 ? 'positive' : 'negative';
    return `${quote(text)},${label}`;
  });
  const file = path.join(folder('csv', { 'reviews.csv': `review,sentiment\r\n${rows.join('\r\n')}\r\n` }), 'reviews.csv');
  const output = path.join(work, 'csv-run');
  const data = ['--data', file, '--text-column', 'review', '--label-column', 'sentiment', '--validation-split-percentage', '20'];
  const notes = await train(data, output);
  assert.ok(
    notes.some((line) =>
      /^.*reviews\.csv: no validation split; 8 of 40 train rows held out as validation \(20%, stratified by label, seed 42\)$/.test(line),
    ),
    notes.join('\n'),
  );
  assert.equal(savedLabels(output), { 0: 'negative', 1: 'neutral', 2: 'positive' });
  assert.is(evals(output, 'validation')[0].examples, 8);

  // Stopped after its first epoch of two: the checkpoint's held-out rows, not a fresh choice, are validation.
  const checkpoint = latestCheckpoint(output)!;
  const state = readTrainerState(checkpoint);
  assert.is(state.heldOut!.rows.length, 8);
  const heldOut = { ...state.heldOut!, rows: [0, 1, 2, 3, 4] };
  const stateFile = path.join(checkpoint, 'trainer_state.json');
  writeFileSync(stateFile, JSON.stringify({ ...state, heldOut, settings: { ...state.settings, epochs: 2 } }));
  // A run stopped after its first epoch has not yet written its final state into the output folder.
  rmSync(path.join(output, 'trainer_state.json'));
  const resumed = await run(['--output', output, '--resume']);
  assert.ok(
    resumed.some((line) => line.includes('on 35 examples, resuming at step')),
    resumed.join('\n'),
  );
  assert.is(evals(output, 'validation').at(-1)!.examples, 5);
  assert.equal(readTrainerState(latestCheckpoint(output)!).heldOut, heldOut);
});

test('JSON lines with sentence pairs', async () => {
  const line = (i: number) => JSON.stringify({ sentence1: positives[i], sentence2: negatives[i], label: i % 2 ? 'same' : 'different' });
  const dir = folder('pairs', {
    'train.jsonl': Array.from({ length: 32 }, (_, i) => line(i)).join('\n'),
    'dev.jsonl': Array.from({ length: 8 }, (_, i) => line(32 + i)).join('\n'),
  });
  const output = path.join(work, 'pairs-run');
  await train(['--data', dir], output);
  assert.equal(savedLabels(output), { 0: 'different', 1: 'same' });
  assert.is(evals(output, 'validation')[0].examples, 8);
  assert.equal(evals(output, 'test'), []);
});

test('parquet files with ClassLabel names; --load-best-model-at-end ends on the best checkpoint by macro F1', async () => {
  const names = ['neg', 'pos'];
  const split = (texts: string[]) =>
    hubParquet(
      texts,
      texts.map((_, i) => i % 2),
      names,
    ).content;
  const dir = folder('parquet', {
    'train.parquet': split([...positives.slice(0, 16), ...negatives.slice(0, 16)]),
    'validation.parquet': split(positives.slice(16, 24)),
    'test.parquet': split(negatives.slice(16, 24)),
  });
  const output = path.join(work, 'parquet-run');
  const notes = await train(['--data', dir, '--epochs', '3', '--metric-for-best-model', 'f1', '--load-best-model-at-end'], output);
  assert.equal(savedLabels(output), { 0: 'neg', 1: 'pos' });
  assert.is(evals(output, 'test')[0].examples, 8);
  const validation = evals(output, 'validation');
  const best = validation.reduce((a, b) => (b.f1! > a.f1! ? b : a));
  const state = readTrainerState(latestCheckpoint(output)!);
  assert.equal([state.bestMetric, state.bestModelCheckpoint], [best.f1, `checkpoint-${best.step}`]);
  const weights = (dir: string) => readFileSync(path.join(dir, 'model.safetensors'));
  assert.ok(weights(output).equals(weights(path.join(output, `checkpoint-${best.step}`))), 'the saved model is the best checkpoint');
  const loaded = `loading the best model, checkpoint-${best.step} (validation f1 ${best.f1!.toFixed(4)})`;
  assert.is(notes.includes(loaded), best !== validation.at(-1), notes.join('\n'));
});

test('a hub dataset id, from the fake hub', async () => {
  const split = (texts: string[]) =>
    hubParquet(
      texts,
      texts.map((_, i) => (i % 3 === 0 ? 2 : i % 2)),
      ['World', 'Sports', 'Business'],
    );
  const repo = {
    'data/train-00000-of-00001.parquet': split(positives.slice(0, 32)),
    'data/test-00000-of-00001.parquet': split(negatives.slice(0, 12)),
  };
  await withFakeHub({ repos: { 'dataset org/news': repo } }, async () => {
    const output = path.join(work, 'hub-run');
    const notes = await train(['--data', 'org/news'], output);
    assert.ok(
      notes.some((line) => line.startsWith('dataset org/news: no validation split; 3 of 32 train rows held out')),
      notes.join('\n'),
    );
    assert.equal(savedLabels(output), { 0: 'World', 1: 'Sports', 2: 'Business' });
    assert.ok(existsSync(path.join(output, 'model.safetensors')));
  });
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
