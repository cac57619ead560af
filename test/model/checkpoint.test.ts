// model/checkpoint.ts and model/init.ts: Hugging Face's random initialisation, save -> load round
// trips that transformers could read, loading the masked-LM base layout (head initialised, MLM
// tensors ignored in one line) and a bare DistilBertModel, the same for BERT (bert-base-uncased's
// LayerNorm gamma/beta names, its pretraining heads), a fresh head for another number of labels,
// and one-line errors for missing or mis-shaped tensors. Checkpoints are variations of the parity
// fixtures written to a temp folder.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWeights, initModel, loadModel, saveModel } from '../../model/checkpoint.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { initialValues } from '../../model/init.ts';
import { readConfig, type Model } from '../../model/models.ts';
import { openSafetensors, writeSafetensors } from '../../model/safetensors.ts';
import { WordPieceTokenizer } from '../../model/tokenizer.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'parity');
const baseModelDir = path.resolve(repoRoot, '..', 'shared', 'models', 'distilbert-base-uncased');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-test-'));
const fixtureConfig = DistilBertConfig.fromFile(path.join(fixtureDir, 'config.json'));

const bertFixtureDir = path.join(repoRoot, 'test', 'fixtures', 'bert');

/** A fixture's tensors, as name -> {shape, data}. */
function readTensors(dir: string) {
  const file = openSafetensors(path.join(dir, 'model.safetensors'));
  const tensors = Object.fromEntries([...file.tensors].map(([name, entry]) => [name, { shape: entry.shape, data: file.read(name) }]));
  file.close();
  return tensors;
}
const fixtureTensors = readTensors(fixtureDir);
type Tensors = typeof fixtureTensors;

let folderCounter = 0;
/** A model folder with `tensors` and the config of the fixture in `configDir` (edited by `configChange`). */
function writeCheckpoint(tensors: Tensors, configChange: Record<string, unknown> = {}, configDir = fixtureDir): string {
  const dir = path.join(workDir, `model-${folderCounter++}`);
  fs.mkdirSync(dir);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  const config = { ...JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')), ...configChange };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function paramValues(model: Model): Promise<Record<string, Float32Array>> {
  const values: Record<string, Float32Array> = {};
  for (const [name, param] of model.params) values[name] = await param.toFloat32();
  return values;
}

/** Loads with notes captured; the caller checks them. */
function loadCapturing(load: (log: (line: string) => void) => Model) {
  const notes: string[] = [];
  const model = load((line) => notes.push(line));
  return { model, notes };
}

function assertLoadFails(dir: string, problem: RegExp): void {
  let message = '';
  try {
    loadModel(dir, { log: () => {} }).release();
  } catch (error) {
    message = (error as Error).message;
  }
  assert.ok(!message.includes('\n'), `one line: ${message}`);
  assert.match(message, problem);
}

test("random init is transformers' _init_weights, reproducible by seed", async () => {
  const config = fixtureConfig.with({ vocabSize: 2000, maxPositionEmbeddings: 64, nLayers: 1 });
  const model = initModel(config, 7);
  const values = await paramValues(model);
  model.release();
  const { dim, padTokenId } = config;
  const words = values['distilbert.embeddings.word_embeddings.weight'];
  assert.ok(
    words.subarray(padTokenId * dim, (padTokenId + 1) * dim).every((v) => v === 0),
    'padding row is 0',
  );
  for (const name of [
    'distilbert.embeddings.word_embeddings.weight',
    'distilbert.transformer.layer.0.ffn.lin1.weight',
    'classifier.weight',
  ]) {
    const v = values[name];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    assert.ok(Math.abs(mean) < 0.002 && Math.abs(std - 0.02) < 0.002, `${name}: mean ${mean}, std ${std}`);
  }
  assert.ok(
    values['distilbert.transformer.layer.0.sa_layer_norm.weight'].every((v) => v === 1),
    'LayerNorm weight 1',
  );
  for (const name of [
    'distilbert.transformer.layer.0.sa_layer_norm.bias',
    'distilbert.transformer.layer.0.attention.q_lin.bias',
    'classifier.bias',
  ]) {
    assert.ok(
      values[name].every((v) => v === 0),
      `${name} is 0`,
    );
  }
  const again = initModel(config, 7);
  assert.equal(await paramValues(again), values, 'same seed, same weights');
  again.release();
  const other = initModel(config, 8);
  const otherWords = await other.param('distilbert.embeddings.word_embeddings.weight').toFloat32();
  other.release();
  assert.not.equal(otherWords, words, 'another seed, other weights');
});

test('save -> load round trip gives identical weights and a transformers-readable folder', async () => {
  const model = loadModel(fixtureDir);
  const saved = path.join(workDir, 'saved');
  await saveModel(model, WordPieceTokenizer.fromDir(baseModelDir), saved);
  for (const file of ['model.safetensors', 'config.json', 'vocab.txt', 'tokenizer_config.json']) {
    assert.ok(fs.existsSync(path.join(saved, file)), `${file} written`);
  }
  const weights = openSafetensors(path.join(saved, 'model.safetensors'));
  assert.equal(weights.metadata, { format: 'pt' }, 'from_pretrained requires format "pt"');
  assert.ok([...weights.tensors.values()].every((entry) => entry.dtype === 'F32'));
  assert.equal([...weights.tensors.keys()].sort(), Object.keys(fixtureTensors).sort(), 'Hugging Face names');
  weights.close();
  assert.is(JSON.parse(fs.readFileSync(path.join(saved, 'config.json'), 'utf8')).architectures[0], 'DistilBertForSequenceClassification');

  const reloaded = loadModel(saved, { log: (line) => assert.unreachable(line) });
  assert.equal(reloaded.config, model.config);
  assert.equal(await paramValues(reloaded), await paramValues(model));
  assert.equal(fs.readFileSync(path.join(saved, 'vocab.txt'), 'utf8'), fs.readFileSync(path.join(baseModelDir, 'vocab.txt'), 'utf8'));
  model.release();
  reloaded.release();
});

test('the masked-LM base layout: MLM head ignored in one line, classification head initialised', async () => {
  const { dim, vocabSize } = fixtureConfig;
  const base: Tensors = Object.fromEntries(Object.entries(fixtureTensors).filter(([name]) => name.startsWith('distilbert.')));
  base['vocab_transform.weight'] = { shape: [dim, dim], data: new Float32Array(dim * dim) };
  base['vocab_transform.bias'] = { shape: [dim], data: new Float32Array(dim) };
  base['vocab_layer_norm.weight'] = { shape: [dim], data: new Float32Array(dim) };
  base['vocab_layer_norm.bias'] = { shape: [dim], data: new Float32Array(dim) };
  base['vocab_projector.bias'] = { shape: [vocabSize], data: new Float32Array(vocabSize) };
  const dir = writeCheckpoint(base, { architectures: ['DistilBertForMaskedLM'], id2label: undefined, label2id: undefined });

  const { model, notes } = loadCapturing((log) => loadModel(dir, { seed: 3, log }));
  assert.is(notes.length, 2, notes.join('\n'));
  assert.match(
    notes[0],
    /ignoring 5 tensor\(s\) that sequence classification does not use \(vocab_transform, vocab_layer_norm, vocab_projector\)/,
  );
  assert.match(notes[1], /no classification head; pre_classifier and classifier initialised as transformers does \(seed 3\)/);
  const values = await paramValues(model);
  for (const [name, { data }] of Object.entries(base)) if (values[name]) assert.equal(values[name], data, name);
  for (const [name, shape] of [
    ['classifier.weight', [2, dim]],
    ['pre_classifier.bias', [dim]],
  ] as const) {
    assert.equal(values[name], initialValues(model.config, name, shape, 3), name);
  }
  assert.equal(model.config.labels, ['NEGATIVE', 'POSITIVE']);
  model.release();

  assert.throws(
    () => loadModel(dir, { requireHead: true, log: () => {} }),
    /no classification head \(pre_classifier, classifier\): this is a base model, fine-tune it first/,
  );
});

test('a bare DistilBertModel (names without "distilbert.") loads', async () => {
  const bare: Tensors = Object.fromEntries(Object.entries(fixtureTensors).map(([name, t]) => [name.replace(/^distilbert\./, ''), t]));
  const { model, notes } = loadCapturing((log) =>
    checkWeights(fixtureConfig, path.join(writeCheckpoint(bare), 'model.safetensors'), { log }).createModel(),
  );
  assert.equal(notes, []);
  assert.equal(
    await model.param('distilbert.transformer.layer.1.ffn.lin2.weight').toFloat32(),
    fixtureTensors['distilbert.transformer.layer.1.ffn.lin2.weight'].data,
  );
  model.release();
});

test("bert-base-uncased's layout loads: LayerNorm gamma/beta, pretraining heads ignored, classifier initialised", async () => {
  const bert = readTensors(bertFixtureDir);
  const { dim, vocabSize } = readConfig(path.join(bertFixtureDir, 'config.json'));
  const legacy = (name: string) => name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
  const pretrained: Tensors = Object.fromEntries(
    Object.entries(bert)
      .filter(([name]) => !name.startsWith('classifier.'))
      .map(([name, t]) => [legacy(name), t]),
  );
  pretrained['cls.predictions.bias'] = { shape: [vocabSize], data: new Float32Array(vocabSize) };
  pretrained['cls.seq_relationship.weight'] = { shape: [2, dim], data: new Float32Array(2 * dim) };
  const dir = writeCheckpoint(
    pretrained,
    { architectures: ['BertForPreTraining'], id2label: undefined, label2id: undefined },
    bertFixtureDir,
  );

  const { model, notes } = loadCapturing((log) => loadModel(dir, { seed: 3, log }));
  assert.equal(notes.length, 2, notes.join('\n'));
  assert.match(notes[0], /ignoring 2 tensor\(s\) that sequence classification does not use \(cls\.predictions, cls\.seq_relationship\)/);
  assert.match(notes[1], /no classification head; classifier initialised as transformers does \(seed 3\)/);
  const values = await paramValues(model);
  for (const [name, { data }] of Object.entries(bert)) {
    if (!name.startsWith('classifier.')) assert.equal(values[name], data, name);
  }
  assert.equal(values['classifier.weight'], initialValues(model.config, 'classifier.weight', [2, dim], 3));
  model.release();
  assert.throws(() => loadModel(dir, { requireHead: true, log: () => {} }), /no classification head \(classifier\): this is a base model/);

  // A bare BertModel: no "bert." prefix.
  const bare: Tensors = Object.fromEntries(Object.entries(bert).map(([name, t]) => [name.replace(/^bert\./, ''), t]));
  const fromBare = loadModel(writeCheckpoint(bare, {}, bertFixtureDir), { log: (line) => assert.unreachable(line) });
  assert.equal(await paramValues(fromBare), Object.fromEntries(Object.entries(bert).map(([name, { data }]) => [name, data])));
  fromBare.release();
});

test('a BERT model saves under its own names, architecture and tokenizer class', async () => {
  const model = loadModel(bertFixtureDir);
  const saved = path.join(workDir, 'saved-bert');
  await saveModel(model, WordPieceTokenizer.fromDir(bertFixtureDir), saved);
  const weights = openSafetensors(path.join(saved, 'model.safetensors'));
  assert.equal([...weights.tensors.keys()].sort(), Object.keys(readTensors(bertFixtureDir)).sort());
  weights.close();
  const json = (file: string) => JSON.parse(fs.readFileSync(path.join(saved, file), 'utf8'));
  assert.equal(json('config.json').architectures, ['BertForSequenceClassification']);
  assert.is(json('tokenizer_config.json').tokenizer_class, 'BertTokenizer', 'a tokenizer that makes token_type_ids');
  const reloaded = loadModel(saved, { log: (line) => assert.unreachable(line) });
  assert.equal(reloaded.config, model.config);
  assert.equal(await paramValues(reloaded), await paramValues(model));
  model.release();
  reloaded.release();
});

test('missing, mis-shaped or partial tensors are one-line errors naming them', () => {
  const without = (...names: string[]) => Object.fromEntries(Object.entries(fixtureTensors).filter(([name]) => !names.includes(name)));
  assertLoadFails(
    writeCheckpoint(without('distilbert.transformer.layer.1.attention.k_lin.weight', 'distilbert.embeddings.LayerNorm.bias')),
    /model\.safetensors: missing 2 tensor\(s\): distilbert\.embeddings\.LayerNorm\.bias, distilbert\.transformer\.layer\.1\.attention\.k_lin\.weight$/,
  );
  assertLoadFails(writeCheckpoint(without('classifier.bias')), /missing 1 tensor\(s\): classifier\.bias$/);
  const ffn = 'distilbert.transformer.layer.0.ffn.lin1.weight';
  assertLoadFails(
    writeCheckpoint({ ...fixtureTensors, [ffn]: { shape: [96, 200], data: fixtureTensors[ffn].data } }),
    /1 tensor\(s\) of the wrong shape: distilbert\.transformer\.layer\.0\.ffn\.lin1\.weight is \[96, 200\], config needs \[200, 96\]$/,
  );
  assertLoadFails(
    writeCheckpoint(fixtureTensors, { n_layers: 3 }),
    /missing 16 tensor\(s\): distilbert\.transformer\.layer\.2\.attention\.q_lin\.weight, .* and 12 more$/,
  );
  assertLoadFails(
    writeCheckpoint(fixtureTensors, { id2label: { 0: 'a', 1: 'b', 2: 'c' }, label2id: undefined }),
    /classifier\.weight is \[2, 96\], config needs \[3, 96\]/,
  );
});

test('a head for another number of labels is initialised afresh in one line, as ignore_mismatched_sizes', async () => {
  const threeLabels = fixtureConfig.with({ labels: ['a', 'b', 'c'] });
  const { model, notes } = loadCapturing((log) =>
    checkWeights(threeLabels, path.join(fixtureDir, 'model.safetensors'), { seed: 5, freshMismatchedHead: true, log }).createModel(),
  );
  assert.equal(notes, [
    `${path.join(fixtureDir, 'model.safetensors')}: classifier.weight is [2, 96], config needs [3, 96], classifier.bias is [2], config needs [3]: initialised afresh for 3 labels (ignore_mismatched_sizes)`,
  ]);
  const values = await paramValues(model);
  assert.equal(values['classifier.weight'], initialValues(threeLabels, 'classifier.weight', [3, 96], 5));
  assert.equal(values['pre_classifier.weight'], fixtureTensors['pre_classifier.weight'].data);
  model.release();
});

test('folders without weights or config, and broken files, are one-line errors', () => {
  const empty = path.join(workDir, 'empty');
  fs.mkdirSync(empty);
  assertLoadFails(empty, new RegExp(`^${empty}: no config.json in the model folder$`));
  fs.copyFileSync(path.join(fixtureDir, 'config.json'), path.join(empty, 'config.json'));
  assertLoadFails(empty, new RegExp(`^${empty}: no model.safetensors in the model folder$`));
  fs.writeFileSync(path.join(empty, 'pytorch_model.bin'), '');
  assertLoadFails(empty, /no model\.safetensors in the model folder \(it has pytorch_model\.bin; only safetensors is supported\)$/);
  fs.writeFileSync(path.join(empty, 'model.safetensors'), 'not a checkpoint');
  assertLoadFails(empty, /model\.safetensors: header length \d+ is over the/);
  assertLoadFails(path.join(workDir, 'nowhere'), /nowhere: no such model folder$/);
});

test.after(() => fs.rmSync(workDir, { recursive: true, force: true }));

test.run();
