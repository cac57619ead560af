// `npm run train` with its defaults, `--model distilbert-base-uncased --data rotten_tomatoes`,
// against a fake hub on 127.0.0.1 (HF_ENDPOINT): the model (a small DistilBERT, weights included)
// and the dataset's parquet splits are downloaded into HF_HUB_CACHE, and a second run with
// HF_HUB_OFFLINE=1 and the hub gone finds everything there and trains to the same bytes.
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HUB_ALIASES } from '../../train/data/hub_dataset.ts';
import { repoRoot, runCli } from '../support/cli_process.ts';
import { hubParquet, withFakeHub, type FakeRepoFile } from '../support/fake_hub.ts';

const shared = path.resolve(repoRoot, '..', 'shared');
const work = mkdtempSync(path.join(os.tmpdir(), 'train-hub-test-'));
const file = (p: string, lfs = false): FakeRepoFile => ({ content: readFileSync(p), lfs });

/** A parquet split with rotten_tomatoes' ClassLabel names, its labels alternating neg and pos. */
const split = (texts: string[]) =>
  hubParquet(
    texts,
    texts.map((_, i) => i % 2),
    ['neg', 'pos'],
  );
const sentences = readFileSync(path.join(shared, 'data', 'rotten_tomatoes', 'rt-polarity.pos'), 'utf8').split('\n');

test('default --model and --data come from the hub into the HF cache, then train offline from it', async () => {
  const fixture = path.join(repoRoot, 'test', 'fixtures', 'parity');
  const modelFiles = path.join(shared, 'models', 'distilbert-base-uncased');
  const repos: Record<string, Record<string, FakeRepoFile>> = {
    'model distilbert-base-uncased': {
      'config.json': file(path.join(fixture, 'config.json')),
      'model.safetensors': file(path.join(fixture, 'model.safetensors'), true),
      'vocab.txt': file(path.join(modelFiles, 'vocab.txt')),
      'tokenizer_config.json': file(path.join(modelFiles, 'tokenizer_config.json')),
    },
    [`dataset ${HUB_ALIASES.rotten_tomatoes}`]: {
      'train.parquet': split(sentences.slice(0, 32)),
      'validation.parquet': split(sentences.slice(32, 40)),
      'test.parquet': split(sentences.slice(40, 48)),
    },
  };
  const args = (output: string) => ['--max-steps', '3', '--batch-size', '16', '--max-length', '24', '--output', path.join(work, output)];
  await withFakeHub({ repos }, async (hub, cache) => {
    const online = await runCli('train/train.ts', args('online'));
    assert.is(online.code, 0, online.stderr);
    assert.ok(
      hub.requests.some((r) => r.url.includes('model.safetensors')),
      'weights downloaded',
    );
    assert.ok(existsSync(path.join(cache, 'models--distilbert-base-uncased', 'refs', 'main')));
    assert.ok(existsSync(path.join(cache, `datasets--${HUB_ALIASES.rotten_tomatoes.replace('/', '--')}`, 'refs', 'main')));
    const card = readFileSync(path.join(work, 'online', 'README.md'), 'utf8');
    assert.match(card, 'base_model: distilbert-base-uncased');
    // --max-steps 3 with 2 steps per epoch: the Trainer runs a second, partial epoch.
    assert.match(card, /\| 1\.0 {3}\| 2 {4}\|[^\n]*\n\| [^|]+\| 1\.5 {3}\| 3 {4}\|/);
    assert.match(card, '- training_steps: 3');

    const requestsBefore = hub.requests.length;
    await hub.close();
    const offline = await runCli('train/train.ts', args('offline'), { env: { HF_HUB_OFFLINE: '1' } });
    assert.is(offline.code, 0, offline.stderr);
    assert.is(hub.requests.length, requestsBefore);
    const weights = (dir: string) => readFileSync(path.join(work, dir, 'model.safetensors'));
    assert.ok(weights('offline').equals(weights('online')), 'same cache, same seed: same weights');
  });
});

test('cleanup', () => {
  rmSync(work, { recursive: true, force: true });
});

test.run();
