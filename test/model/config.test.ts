// model/distilbert_config.ts and model/bert_config.ts: read Hugging Face configs (the fixtures'
// classifiers, DistilBERT's masked-LM base with its defaults), reject bad fields in one line naming
// the file and the field, and write a config.json that reads back the same; model/models.ts picks
// the class by model_type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BertConfig } from '../../model/bert_config.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { readConfig } from '../../model/models.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureConfig = path.join(repoRoot, 'test', 'fixtures', 'parity', 'config.json');
const baseConfig = path.resolve(repoRoot, '..', 'shared', 'models', 'distilbert-base-uncased', 'config.json');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
const fixtureJson = JSON.parse(fs.readFileSync(fixtureConfig, 'utf8'));
const bertFixtureConfig = path.join(repoRoot, 'test', 'fixtures', 'bert', 'config.json');
const bertFixtureJson = JSON.parse(fs.readFileSync(bertFixtureConfig, 'utf8'));

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
function assertRejected(
  change: Record<string, unknown>,
  problem: RegExp,
  base = fixtureJson,
  read: (file: string) => unknown = DistilBertConfig.fromFile,
): void {
  const file = path.join(workDir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ ...base, ...change }));
  let message = '';
  try {
    read(file);
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

test("reads the BERT fixture's config; writes what BertForSequenceClassification's save_pretrained writes", () => {
  const config = BertConfig.fromFile(bertFixtureConfig);
  assert.equal(
    [config.dim, config.nLayers, config.nHeads, config.hiddenDim, config.typeVocabSize, config.maxPositionEmbeddings],
    [96, 2, 6, 200, 2, 512],
  );
  assert.equal([config.dropout, config.attentionDropout, config.classifierDropout, config.layerNormEps], [0.1, 0.1, null, 1e-12]);
  assert.is(config.headDropout, 0.1, 'classifier_dropout null: the hidden dropout');
  assert.is(config.with({ classifierDropout: 0.3 }).headDropout, 0.3);
  assert.equal(config.labels, ['LABEL_0', 'LABEL_1', 'LABEL_2']);
  const file = path.join(workDir, 'bert.json');
  config.save(file);
  const written = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const [key, value] of Object.entries(bertFixtureJson)) assert.equal(written[key], value, key);
  assert.equal(BertConfig.fromFile(file), config);
  const defaults = BertConfig.fromJSON({ model_type: 'bert' });
  assert.equal([defaults.dim, defaults.nLayers, defaults.nHeads, defaults.hiddenDim, defaults.vocabSize], [768, 12, 12, 3072, 30522]);
});

test('bad BERT fields are one-line errors under their BERT names', () => {
  const rejected = (change: Record<string, unknown>, problem: RegExp) =>
    assertRejected(change, problem, bertFixtureJson, BertConfig.fromFile);
  rejected({ hidden_size: 95 }, /field "num_attention_heads" \(6\) must divide hidden_size \(95\)/);
  rejected({ num_hidden_layers: 0 }, /field "num_hidden_layers" must be a positive integer, got 0/);
  rejected({ hidden_dropout_prob: 1 }, /field "hidden_dropout_prob" must be a probability in \[0, 1\), got 1/);
  rejected({ classifier_dropout: -0.1 }, /field "classifier_dropout" must be a probability/);
  rejected({ type_vocab_size: 0 }, /field "type_vocab_size" must be a positive integer, got 0/);
  rejected({ layer_norm_eps: 0 }, /field "layer_norm_eps" must be a positive number, got 0/);
  rejected({ hidden_act: 'gelu_new' }, /field "hidden_act" is "gelu_new"; only "gelu" is supported/);
  rejected({ position_embedding_type: 'relative_key' }, /field "position_embedding_type" is "relative_key"; only "absolute" is supported/);
  rejected({ is_decoder: true }, /field "is_decoder" must be false/);
});

test('readConfig picks the config class by model_type; another model_type is one line naming the file and the value', () => {
  assert.instance(readConfig(fixtureConfig), DistilBertConfig);
  assert.instance(readConfig(bertFixtureConfig), BertConfig);
  for (const [modelType, found] of [
    ['gpt2', 'is "gpt2"'],
    [undefined, 'is missing'],
  ]) {
    const file = path.join(workDir, 'other.json');
    fs.writeFileSync(file, JSON.stringify({ ...fixtureJson, model_type: modelType }));
    assert.throws(
      () => readConfig(file),
      (e: Error) => e.message === `${file}: field "model_type" ${found}; expected "distilbert" or "bert"`,
    );
  }
});

test.after(() => fs.rmSync(workDir, { recursive: true, force: true }));

test.run();
