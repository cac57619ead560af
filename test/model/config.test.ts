// model/distilbert_config.ts: reads Hugging Face DistilBERT configs (the fixture's classifier, the masked-LM
// base with its defaults), rejects bad fields in one line naming the file and the field, and
// writes a config.json that reads back the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { readConfig } from '../../model/models.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureConfig = path.join(repoRoot, 'test', 'fixtures', 'parity', 'config.json');
const baseConfig = path.resolve(repoRoot, '..', 'shared', 'models', 'distilbert-base-uncased', 'config.json');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
const fixtureJson = JSON.parse(fs.readFileSync(fixtureConfig, 'utf8'));

test('reads the parity fixture config', () => {
  const config = DistilBertConfig.fromFile(fixtureConfig);
  assert.equal(
    [config.dim, config.nLayers, config.nHeads, config.headDim, config.hiddenDim, config.vocabSize, config.maxPositionEmbeddings],
    [96, 2, 6, 16, 200, 30522, 512],
  );
  assert.equal(
    [config.dropout, config.attentionDropout, config.seqClassifDropout, config.padTokenId, config.initializerRange],
    [0.1, 0.1, 0.2, 0, 0.02],
  );
  assert.equal(config.labels, ['NEGATIVE', 'POSITIVE']);
  assert.is(config.numLabels, 2);
});

test('the masked-LM base config (no labels) gets NEGATIVE/POSITIVE', () => {
  const config = DistilBertConfig.fromFile(baseConfig);
  assert.equal([config.dim, config.nLayers, config.nHeads, config.hiddenDim], [768, 6, 12, 3072]);
  assert.equal(config.labels, ['NEGATIVE', 'POSITIVE']);
});

test('absent fields take transformers defaults', () => {
  const config = DistilBertConfig.fromJSON({});
  assert.equal([config.dim, config.nLayers, config.nHeads, config.hiddenDim, config.vocabSize], [768, 6, 12, 3072, 30522]);
  assert.is(config.seqClassifDropout, 0.2);
});

test('id2label with more labels, in any key order', () => {
  const config = DistilBertConfig.fromJSON({ id2label: { 2: 'c', 0: 'a', 1: 'b' }, label2id: { a: 0, b: 1, c: 2 } });
  assert.equal(config.labels, ['a', 'b', 'c']);
});

test('toJSON writes what from_pretrained needs and reads back identically', () => {
  const config = DistilBertConfig.fromFile(fixtureConfig);
  const file = path.join(workDir, 'config.json');
  config.save(file);
  const written = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(written.architectures, ['DistilBertForSequenceClassification']);
  assert.is(written.model_type, 'distilbert');
  assert.is(written.activation, 'gelu');
  // Every field of the PyTorch fixture's config is written with the same value.
  for (const [key, value] of Object.entries(fixtureJson)) assert.equal(written[key], value, key);
  assert.equal(DistilBertConfig.fromFile(file), config);
});

test('with() replaces fields and validates', () => {
  const small = DistilBertConfig.fromJSON({}).with({ dim: 64, nHeads: 4, nLayers: 2 });
  assert.equal([small.dim, small.headDim, small.nLayers, small.vocabSize], [64, 16, 2, 30522]);
  assert.throws(() => small.with({ nHeads: 5 }), /field "n_heads" \(5\) must divide dim \(64\)/);
});

/** `change` applied to the fixture config must fail with one line naming the file and `problem`. */
function assertRejected(change: Record<string, unknown>, problem: RegExp): void {
  const file = path.join(workDir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ ...fixtureJson, ...change }));
  let message = '';
  try {
    DistilBertConfig.fromFile(file);
  } catch (error) {
    message = (error as Error).message;
  }
  assert.ok(message.startsWith(`${file}: `), `error names the file: ${message}`);
  assert.ok(!message.includes('\n'), 'one line');
  assert.match(message, problem);
}

test('bad fields are one-line errors naming the file and the field', () => {
  assertRejected({ dim: 'big' }, /field "dim" must be a number, got "big"/);
  assertRejected({ dim: 95 }, /field "n_heads" \(6\) must divide dim \(95\)/);
  assertRejected({ n_layers: 0 }, /field "n_layers" must be a positive integer, got 0/);
  assertRejected({ hidden_dim: 2.5 }, /field "hidden_dim" must be a positive integer/);
  assertRejected({ dropout: 1 }, /field "dropout" must be a probability in \[0, 1\), got 1/);
  assertRejected({ pad_token_id: 30522 }, /field "pad_token_id" must be a token id in \[0, 30522\)/);
  assertRejected({ initializer_range: -1 }, /field "initializer_range" must be a positive number/);
  assertRejected({ activation: 'relu' }, /field "activation" is "relu"; only "gelu" is supported/);
  assertRejected({ model_type: 'bert' }, /field "model_type" is "bert"/);
  assertRejected({ sinusoidal_pos_embds: true }, /field "sinusoidal_pos_embds" must be false/);
  assertRejected({ id2label: { 0: 'NEG', 2: 'POS' }, label2id: undefined }, /field "id2label" has key "2"/);
  assertRejected({ id2label: { 0: 'only' }, label2id: { only: 0 } }, /field "id2label" must name at least 2 labels/);
  assertRejected({ id2label: { 0: 'A', 1: 'A' }, label2id: undefined }, /field "id2label" has a repeated label name/);
  assertRejected({ label2id: { NEGATIVE: 1, POSITIVE: 0 } }, /field "label2id" does not invert id2label/);
});

test('unreadable or non-JSON files are one-line errors', () => {
  const missing = path.join(workDir, 'missing.json');
  assert.throws(
    () => DistilBertConfig.fromFile(missing),
    (e: Error) => e.message === `${missing}: no such file`,
  );
  const broken = path.join(workDir, 'broken.json');
  fs.writeFileSync(broken, '{"dim": ');
  assert.throws(
    () => DistilBertConfig.fromFile(broken),
    (e: Error) => e.message.startsWith(`${broken}: not valid JSON`),
  );
  const array = path.join(workDir, 'array.json');
  fs.writeFileSync(array, '[]');
  assert.throws(
    () => DistilBertConfig.fromFile(array),
    (e: Error) => e.message === `${array}: expected a JSON object, got an array`,
  );
});

test('readConfig picks the config class by model_type; another model_type is one line naming the file and the value', () => {
  assert.instance(readConfig(fixtureConfig), DistilBertConfig);
  for (const [modelType, found] of [
    ['gpt2', 'is "gpt2"'],
    [undefined, 'is missing'],
  ]) {
    const file = path.join(workDir, 'other.json');
    fs.writeFileSync(file, JSON.stringify({ ...fixtureJson, model_type: modelType }));
    assert.throws(
      () => readConfig(file),
      (e: Error) => e.message === `${file}: field "model_type" ${found}; expected "distilbert"`,
    );
  }
});

test.after(() => fs.rmSync(workDir, { recursive: true, force: true }));

test.run();
