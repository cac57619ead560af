// train/predict.ts as a user runs it: a child process on a model folder made in a temp dir from
// the parity fixture (config.json, model.safetensors) and ../shared's vocabulary. --json output
// must be pure JSON on stdout with PyTorch's logits; bad folders fail with one line, no stack trace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openSafetensors } from '../../model/safetensors.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'parity');
const vocabDir = path.resolve(repoRoot, '..', 'shared', 'models', 'distilbert-base-uncased');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-test-'));
const batch = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'batch.json'), 'utf8'));

/** A model folder with the given files: name -> source path, or text content. */
function modelFolder(name: string, files: Record<string, string>): string {
  const dir = path.join(workDir, name);
  fs.mkdirSync(dir);
  for (const [file, source] of Object.entries(files)) {
    if (fs.existsSync(source)) fs.copyFileSync(source, path.join(dir, file));
    else fs.writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

const complete = {
  'config.json': path.join(fixtureDir, 'config.json'),
  'model.safetensors': path.join(fixtureDir, 'model.safetensors'),
  'vocab.txt': path.join(vocabDir, 'vocab.txt'),
  'tokenizer_config.json': path.join(vocabDir, 'tokenizer_config.json'),
};
const modelDir = modelFolder('model', complete);

function predict(args: string[], input = '', env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'train', 'predict.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    env: { ...process.env, ENGINE_QUIET: '0', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The run failed with exactly one line of its own on stderr, matching `problem`. */
function assertFailsWith(args: string[], problem: RegExp, status = 1, env: Record<string, string> = {}): void {
  const result = predict(args, '', env);
  assert.is(result.status, status, `exit status (stderr: ${result.stderr})`);
  assert.is(result.stdout, '');
  // Dawn's own warnings when it opens an adapter are not ours.
  const lines = result.stderr
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('Warning: '));
  assert.is(lines.length, 1, `one line: ${result.stderr}`);
  assert.match(lines[0], /^predict: /);
  assert.match(lines[0], problem);
}

test('--json prints only a JSON array with the logits PyTorch computes', () => {
  const result = predict(['--model', modelDir, '--json', '--batch-size', '3', ...batch.sentences]);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, /\[engine\] adapter: .*, a CPU implementation of WebGPU \(no GPU\)\n/, 'engine messages go to stderr');
  const predictions = JSON.parse(result.stdout);
  const expected = openSafetensors(path.join(fixtureDir, 'expected.safetensors'));
  const logits = expected.read('logits');
  expected.close();
  assert.is(predictions.length, batch.sentences.length);
  predictions.forEach((p: { text: string; label: string; probs: Record<string, number>; logits: number[] }, i: number) => {
    assert.is(p.text, batch.sentences[i]);
    p.logits.forEach((z, c) => assert.ok(Math.abs(z - logits[2 * i + c]) < 1e-5, `text ${i} logit ${c}: ${z} vs ${logits[2 * i + c]}`));
    const odds = Math.exp(p.logits[1] - p.logits[0]);
    assert.ok(Math.abs(p.probs.POSITIVE - odds / (1 + odds)) < 1e-12 && Math.abs(p.probs.NEGATIVE + p.probs.POSITIVE - 1) < 1e-12);
    assert.is(p.label, p.probs.POSITIVE > p.probs.NEGATIVE ? 'POSITIVE' : 'NEGATIVE');
  });
});

test('plain output: one line per text, label first; texts can come from stdin', () => {
  const fromArgs = predict(['--model', modelDir, 'spiderman rocks', 'simplistic , silly and tedious .']);
  assert.is(fromArgs.status, 0, fromArgs.stderr);
  const lines = fromArgs.stdout.trim().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[0], /^(NEGATIVE|POSITIVE)\t\(NEGATIVE 0\.\d{4}, POSITIVE 0\.\d{4}\)\tspiderman rocks$/);
  const fromStdin = predict(['--model', modelDir], 'spiderman rocks\n\nsimplistic , silly and tedious .\n');
  assert.is(fromStdin.status, 0, fromStdin.stderr);
  assert.is(fromStdin.stdout, fromArgs.stdout);
});

test('stdin is a stream: a line is answered before the next one is written', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'train', 'predict.ts'), '--model', modelDir, '--json'], {
    cwd: repoRoot,
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const firstAnswer = new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('"text": "spiderman rocks"')) resolve();
    }),
  );
  child.stdin.write('spiderman rocks\n');
  await Promise.race([firstAnswer, exited]);
  assert.ok(child.exitCode === null, `predict ended before its input did: ${stderr}`);
  child.stdin.end('simplistic , silly and tedious .\n');
  assert.is(await exited, 0, stderr);
  const predictions = JSON.parse(stdout);
  assert.equal(
    predictions.map((p: { text: string }) => p.text),
    ['spiderman rocks', 'simplistic , silly and tedious .'],
  );
});

test('--help', () => {
  const result = predict(['--help']);
  assert.is(result.status, 0);
  assert.match(result.stdout, /^usage: npm run predict -- --model DIR/);
});

test('bad command lines and bad model folders: one line, non-zero exit', () => {
  assertFailsWith(['spiderman rocks'], /--model DIR is required/, 2);
  assertFailsWith(['--model', modelDir, '--bogus', 'x'], /^predict: Unknown option '--bogus' \(see --help\)$/, 2);
  assertFailsWith(['--model', modelDir, '--batch-size', '0', 'x'], /--batch-size: expected a positive integer, got '0'/, 2);
  assertFailsWith(['--model', modelDir], /no text to classify/, 2);
  assertFailsWith(['--model', path.join(workDir, 'nowhere'), 'x'], /nowhere: no such model folder$/);
  const { 'model.safetensors': _weights, ...noWeights } = complete;
  assertFailsWith(['--model', modelFolder('no-weights', noWeights), 'x'], /no-weights: no model\.safetensors in the model folder$/);
  const { 'config.json': _config, ...noConfig } = complete;
  assertFailsWith(['--model', modelFolder('no-config', noConfig), 'x'], /no-config: no config\.json in the model folder$/);
  const { 'vocab.txt': _vocab, ...noVocab } = complete;
  assertFailsWith(['--model', modelFolder('no-vocab', noVocab), 'x'], /no-vocab: no vocab\.txt in the model folder$/);
  assertFailsWith(
    ['--model', modelFolder('broken', { ...complete, 'model.safetensors': 'this is not a safetensors file' }), 'x'],
    /broken\/model\.safetensors: header length \d+ is over/,
  );
  assertFailsWith(
    ['--model', modelFolder('bad-config', { ...complete, 'config.json': '{"model_type": "distilbert", "dim": "wide"}' }), 'x'],
    /bad-config\/config\.json: field "dim" must be a number/,
  );
});

test('ENGINE_BACKEND=gpu on a machine whose only adapters are CPU implementations: one line, no run', () => {
  assertFailsWith(
    ['--model', modelDir, 'x'],
    /^predict: ENGINE_BACKEND=gpu, but the only adapter found, .*llvmpipe.*, is a CPU implementation: is the GPU's driver installed/,
    1,
    { ENGINE_BACKEND: 'gpu' },
  );
});

test.after(() => fs.rmSync(workDir, { recursive: true, force: true }));

test.run();
