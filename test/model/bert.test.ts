// model/bert.ts against PyTorch (test/fixtures/bert, made by make_bert_fixture.py from a plain-torch
// restatement of transformers' modeling_bert.py): on sentence pairs with their token type ids, the
// same F16 weights must give the same logits, loss, hidden states and gradients, and four AdamW
// steps (two of them clipped) the same trajectory, within ~10-100x PyTorch's own float32-vs-float64
// error (the fixture's README.md). Also: the fixture's cut vocabulary tokenizes its pairs as the
// full one does, absent token type ids mean segment 0, every dropout of the config is applied in
// training, and bad token type ids are a one-line error. The fixture has DistilBERT's parity
// shapes, so in one test process the two files compile their kernels once.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, beginScope, noGrad } from '../../engine/index.ts';
import { BertForSequenceClassification } from '../../model/bert.ts';
import { BertConfig, type BertConfigFields } from '../../model/bert_config.ts';
import { loadModel } from '../../model/checkpoint.ts';
import type { ForwardOptions } from '../../model/sequence_classifier.ts';
import { openSafetensors } from '../../model/safetensors.ts';
import { WordPieceTokenizer } from '../../model/tokenizer.ts';
import { checkForwardBackward, checkTrajectory, maxAbs, type Trajectory } from '../support/parity.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'bert');
const WORD_EMBEDDINGS = 'bert.embeddings.word_embeddings.weight';

interface Batch {
  /** Each row's sentence, or its pair of sentences. */
  sentences: string[][];
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  labels: number[];
}
const readJson = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(fixtureDir, name), 'utf8'));
const batch = readJson<Batch>('batch.json');
const [B, T] = [batch.input_ids.length, batch.input_ids[0].length];
const expected = openSafetensors(path.join(fixtureDir, 'expected.safetensors'));

const model = loadModel(fixtureDir, { log: (line) => assert.unreachable(`unexpected load note: ${line}`) });

function inputs() {
  return {
    ids: Tensor.fromArray(batch.input_ids.flat(), [B, T], 'i32'),
    tokenTypeIds: Tensor.fromArray(batch.token_type_ids.flat(), [B, T], 'i32'),
    mask: Tensor.fromArray(batch.attention_mask.flat(), [B, T], 'i32'),
    labels: Tensor.fromArray(batch.labels, [B], 'i32'),
  };
}

test("the fixture's cut vocabulary encodes each row as [CLS] a [SEP] b [SEP] with its segments", () => {
  const tokenizer = WordPieceTokenizer.fromDir(fixtureDir);
  batch.sentences.forEach(([first, second], row) => {
    const a = tokenizer.encode(first);
    const b = second === undefined ? [] : tokenizer.encode(second).slice(1);
    const padding = new Array(T - a.length - b.length).fill(0);
    assert.equal([...a, ...b, ...padding], batch.input_ids[row], `row ${row} ids`);
    assert.equal([...a.map(() => 0), ...b.map(() => 1), ...padding], batch.token_type_ids[row], `row ${row} token types`);
  });
});

test('eval forward and backward match PyTorch: logits, loss, hidden states, every gradient', async () => {
  const scope = beginScope();
  try {
    const { ids, tokenTypeIds, mask, labels } = inputs();
    await checkForwardBackward(model, expected, {
      forward: () => model.forwardWithHiddenStates(ids, mask, { tokenTypeIds }),
      labels,
      isKeyBias: (name) => name.endsWith('attention.self.key.bias'),
    });
    const { padTokenId, dim } = model.config;
    const wordGrad = await model.param(WORD_EMBEDDINGS).grad!.toFloat32();
    assert.is(maxAbs(wordGrad.subarray(padTokenId * dim, (padTokenId + 1) * dim)), 0, 'the padding row gets no gradient');
  } finally {
    scope.end();
  }
});

test('without token type ids every token is in segment 0: the bits of explicit zeros; the pairs need theirs', async () => {
  const scope = beginScope();
  try {
    const { ids, tokenTypeIds, mask } = inputs();
    const logitsWith = async (options: ForwardOptions) => Array.from(await noGrad(() => model.forward(ids, mask, options)).toFloat32());
    const zeros = Tensor.fromArray(new Int32Array(B * T), [B, T], 'i32');
    const segmentZero = await logitsWith({});
    assert.equal(await logitsWith({ tokenTypeIds: zeros }), segmentZero);
    const pairs = await logitsWith({ tokenTypeIds });
    assert.equal(pairs.slice(0, 3), segmentZero.slice(0, 3), 'row 0, a single sentence, is all segment 0');
    assert.not.equal(pairs.slice(3), segmentZero.slice(3), 'the pairs');
  } finally {
    scope.end();
  }
});

test('four AdamW steps follow PyTorch (clipping at steps 1-2)', async () => {
  const { ids, tokenTypeIds, mask, labels } = inputs();
  try {
    await checkTrajectory(model, readJson<Trajectory>('trajectory.json'), {
      logitsOf: () => model.forward(ids, mask, { tokenTypeIds }),
      labels,
      wordEmbeddings: WORD_EMBEDDINGS,
      what: 'trajectory.json',
    });
  } finally {
    for (const t of [ids, tokenTypeIds, mask, labels]) t.release();
  }
});

test('each dropout probability of the config is applied in training; eval has none', async () => {
  const config = BertConfig.fromFile(path.join(fixtureDir, 'config.json'));
  const weights = openSafetensors(path.join(fixtureDir, 'model.safetensors'));
  const modelWith = (changes: Partial<BertConfigFields>) =>
    new BertForSequenceClassification(config.with(changes), (name) => weights.read(name));
  const scope = beginScope();
  try {
    const { ids, tokenTypeIds, mask } = inputs();
    const logitsOf = async (m: BertForSequenceClassification, options: ForwardOptions) =>
      Array.from(await noGrad(() => m.forward(ids, mask, { tokenTypeIds, ...options })).toFloat32());
    const training = { training: true, rng: { seed: 5, step: Tensor.fromArray([0], [1], 'i32') } };
    const off = { dropout: 0, attentionDropout: 0, classifierDropout: 0 };
    const noDropout = modelWith(off);
    const evaluation = await logitsOf(noDropout, {});
    assert.equal(await logitsOf(noDropout, training), evaluation, 'all probabilities 0: training = eval');
    noDropout.release();
    for (const site of ['dropout', 'attentionDropout', 'classifierDropout'] as const) {
      const dropping = modelWith({ ...off, [site]: 0.5 });
      assert.not.equal(await logitsOf(dropping, training), evaluation, `${site} changes the logits`);
      assert.equal(await logitsOf(dropping, {}), evaluation, `${site}: eval mode has no dropout`);
      dropping.release();
    }
  } finally {
    scope.end();
    weights.close();
  }
});

test('token type ids of another shape are a one-line error', () => {
  const scope = beginScope();
  try {
    const { ids, mask } = inputs();
    assert.throws(
      () => model.forward(ids, mask, { tokenTypeIds: Tensor.fromArray([0, 1], [1, 2], 'i32') }),
      (e: Error) => e.message === `BERT forward: tokenTypeIds must be i32 [${B}, ${T}] like ids, got i32 [1, 2]`,
    );
  } finally {
    scope.end();
  }
});

test.after(() => {
  expected.close();
  model.release();
});

test.run();
