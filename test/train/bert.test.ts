// `npm run train` and `npm run eval` pick BERT from a config.json whose model_type is "bert": a
// tiny BERT trains from scratch (bert-base-uncased's config, whose vocabulary is
// distilbert-base-uncased's vocab.txt, resized by the architecture flags) on sentence pairs, so
// its token type ids go through the trainer and step replay; it is saved as a
// BertForSequenceClassification folder that transformers reads, and `npm run eval` (a child
// process) gets exactly what training measured on validation; so does `npm run predict` (in this
// process) given the validation pairs as first<TAB>second, and it names the data's classes.
import '../support/setup.ts';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openSafetensors } from '../../model/safetensors.ts';
import type { EvalRecord, MetricRecord } from '../../train/metrics.ts';
import { runPrediction } from '../../train/predict.ts';
import { runTraining } from '../../train/train.ts';
import { repoRoot, runCli } from '../support/cli_process.ts';
import { baseModelDir } from '../support/tiny_run.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'bert-train-test-'));
const shared = path.resolve(repoRoot, '..', 'shared', 'data', 'rotten_tomatoes');
const [positives, negatives] = ['rt-polarity.pos', 'rt-polarity.neg'].map((file) =>
  readFileSync(path.join(shared, file), 'utf8').split('\n').slice(0, 40),
);

/** A folder to train a BERT from scratch: bert-base-uncased's config (transformers' defaults) and vocabulary. */
function bertBase(): string {
  const dir = path.join(work, 'bert-base-uncased');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertForMaskedLM'] }));
  copyFileSync(path.join(baseModelDir, 'vocab.txt'), path.join(dir, 'vocab.txt'));
  return dir;
}

/** Pairs of a positive and a negative review, labelled by which comes first. */
function pairs(): string {
  const dir = path.join(work, 'pairs');
  mkdirSync(dir);
  const line = (i: number) =>
    JSON.stringify(
      i % 2
        ? { sentence1: positives[i], sentence2: negatives[i], label: 'pos-neg' }
        : { sentence1: negatives[i], sentence2: positives[i], label: 'neg-pos' },
    );
  writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 32 }, (_, i) => line(i)).join('\n'));
  writeFileSync(path.join(dir, 'validation.jsonl'), Array.from({ length: 8 }, (_, i) => line(32 + i)).join('\n'));
  return dir;
}

/** The run's last evaluation on validation, from its metrics.jsonl. */
function lastValidation(output: string): EvalRecord {
  const records: MetricRecord[] = readFileSync(path.join(output, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  return records.filter((r): r is EvalRecord => r.split === 'validation').at(-1)!;
}

test('a from-scratch BERT trains on pairs, saves as BERT and evaluates to what training measured', async () => {
  const data = pairs();
  const output = path.join(work, 'bert');
  const shape = ['--dim', '32', '--layers', '1', '--heads', '2', '--hidden-dim', '64', '--max-length', '48'];
  const print = console.error;
  console.error = () => {};
  try {
    await runTraining([
      '--model',
      bertBase(),
      '--from-scratch',
      ...shape,
      '--data',
      data,
      '--batch-size',
      '8',
      '--epochs',
      '1',
      '--output',
      output,
    ]);
  } finally {
    console.error = print;
  }

  const json = (file: string) => JSON.parse(readFileSync(path.join(output, file), 'utf8'));
  const config = json('config.json');
  assert.equal(
    [config.model_type, config.architectures, config.hidden_size, config.num_hidden_layers, config.id2label],
    ['bert', ['BertForSequenceClassification'], 32, 1, { 0: 'neg-pos', 1: 'pos-neg' }],
  );
  assert.is(json('tokenizer_config.json').tokenizer_class, 'BertTokenizer');
  const weights = openSafetensors(path.join(output, 'model.safetensors'));
  for (const name of ['bert.embeddings.token_type_embeddings.weight', 'bert.pooler.dense.weight', 'classifier.weight']) {
    assert.ok(weights.tensors.has(name), name);
  }
  weights.close();

  const validation = lastValidation(output);
  const evaluated = await runCli('train/eval.ts', ['--model', output, '--data', data, '--batch-size', '8', '--json']);
  assert.is(evaluated.code, 0, evaluated.stderr);
  const { loss, accuracy, n } = JSON.parse(evaluated.stdout);
  assert.equal({ loss, accuracy, n }, { loss: validation.loss, accuracy: validation.accuracy, n: 8 });
});

/** `npm run predict` with these arguments, in this process: what it prints on stdout. */
async function predict(args: string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => (text += chunk));
  await runPrediction(args, { stdin: Readable.from([]), stdout });
  return text;
}

test('predict takes the pairs a model was trained on, as first<TAB>second, and gives the loss evaluation measured', async () => {
  const output = path.join(work, 'bert');
  const rows = readFileSync(path.join(work, 'pairs', 'validation.jsonl'), 'utf8')
    .split('\n')
    .map((line) => JSON.parse(line));
  const written = rows.map((row) => `${row.sentence1}\t${row.sentence2}`);
  const predictions = JSON.parse(await predict(['--model', output, '--json', '--batch-size', '8', ...written]));
  assert.equal(
    predictions.map((p: { text: string; textPair: string }) => [p.text, p.textPair]),
    rows.map((row) => [row.sentence1, row.sentence2]),
  );
  const loss = -rows.reduce((sum, row, i) => sum + Math.log(predictions[i].probs[row.label]), 0) / rows.length;
  const validation = lastValidation(output);
  assert.ok(Math.abs(loss - validation.loss) < 1e-5, `predict's loss ${loss}, evaluation's ${validation.loss}`);

  const plain = await predict(['--model', output, written[0]]);
  assert.match(plain, /^(neg-pos|pos-neg)\t\(neg-pos 0\.\d{4}, pos-neg 0\.\d{4}\)\t[^\t]+\t[^\t]+\n$/);
  let refused = '';
  await predict(['--model', output, rows[0].sentence1]).catch((error: Error) => (refused = error.message));
  assert.is(refused, 'text 1 is one sentence, but this model was trained on sentence pairs: a sentence pair is written first<TAB>second');
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
