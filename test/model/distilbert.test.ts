// model/distilbert.ts beyond the eval-mode parity test: training-mode dropout is reproducible from
// (seed, step), fresh at every step, reaches each dropout site of the config, and is off in eval
// mode; bad inputs are one-line errors.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, beginScope, noGrad } from '../../engine/index.ts';
import { DistilBertConfig, type DistilBertConfigFields } from '../../model/distilbert_config.ts';
import { DistilBertForSequenceClassification } from '../../model/distilbert.ts';
import type { ForwardOptions } from '../../model/sequence_classifier.ts';
import { openSafetensors } from '../../model/safetensors.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'parity');
const batch = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'batch.json'), 'utf8'));
const [B, T] = [batch.input_ids.length, batch.input_ids[0].length];
const config = DistilBertConfig.fromFile(path.join(fixtureDir, 'config.json'));

/** The fixture's weights under `config` with some dropout probabilities changed. */
function modelWith(changes: Partial<DistilBertConfigFields>): DistilBertForSequenceClassification {
  const weights = openSafetensors(path.join(fixtureDir, 'model.safetensors'));
  try {
    return new DistilBertForSequenceClassification(config.with(changes), (name) => weights.read(name));
  } finally {
    weights.close();
  }
}

/** The logits of a forward with `options`, whose dropout step is given as a number. */
async function logitsOf(
  model: DistilBertForSequenceClassification,
  { training, rng }: { training?: boolean; rng?: { seed: number; step: number } },
): Promise<number[]> {
  const scope = beginScope();
  try {
    const ids = Tensor.fromArray(batch.input_ids.flat(), [B, T], 'i32');
    const mask = Tensor.fromArray(batch.attention_mask.flat(), [B, T], 'i32');
    const options: ForwardOptions = { training, rng: rng && { seed: rng.seed, step: Tensor.fromArray([rng.step], [1], 'i32') } };
    return Array.from(await noGrad(() => model.forward(ids, mask, options)).toFloat32());
  } finally {
    scope.end();
  }
}

test('training dropout is reproducible from (seed, step) and fresh each step; eval has none', async () => {
  const model = modelWith({});
  const evaluation = await logitsOf(model, {});
  const step3 = await logitsOf(model, { training: true, rng: { seed: 1, step: 3 } });
  assert.equal(await logitsOf(model, { training: true, rng: { seed: 1, step: 3 } }), step3, 'same seed and step, same masks');
  assert.not.equal(await logitsOf(model, { training: true, rng: { seed: 1, step: 4 } }), step3, 'next step, new masks');
  assert.not.equal(await logitsOf(model, { training: true, rng: { seed: 2, step: 3 } }), step3, 'other seed, other masks');
  assert.not.equal(step3, evaluation);
  assert.equal(await logitsOf(model, { rng: { seed: 1, step: 3 } }), evaluation, 'eval mode ignores rng');
  model.release();
});

test('each dropout probability of the config is applied in training', async () => {
  const off = { dropout: 0, attentionDropout: 0, seqClassifDropout: 0 };
  const noDropout = modelWith(off);
  const evaluation = await logitsOf(noDropout, {});
  assert.equal(
    await logitsOf(noDropout, { training: true, rng: { seed: 5, step: 0 } }),
    evaluation,
    'all probabilities 0: training = eval',
  );
  noDropout.release();
  for (const site of ['dropout', 'attentionDropout', 'seqClassifDropout'] as const) {
    const model = modelWith({ ...off, [site]: 0.5 });
    assert.not.equal(await logitsOf(model, { training: true, rng: { seed: 5, step: 0 } }), evaluation, `${site} changes the logits`);
    model.release();
  }
});

test('bad inputs are one-line errors', () => {
  const model = modelWith({});
  const scope = beginScope();
  try {
    const ids = Tensor.fromArray([1, 2, 3, 4], [2, 2], 'i32');
    const mask = Tensor.fromArray([1, 1, 1, 1], [2, 2], 'i32');
    assert.throws(() => model.forward(ids, mask, { training: true }), /training mode needs `rng`/);
    assert.throws(() => model.forward(Tensor.fromArray([1, 2], [2]), mask), /ids must be i32 \[batch, seq\], got f32 \[2\]/);
    assert.throws(
      () => model.forward(ids, Tensor.fromArray([1, 1], [2, 1], 'i32')),
      /mask must be i32 \[2, 2\] like ids, got i32 \[2, 1\]/,
    );
    const long = new Array(513).fill(1);
    assert.throws(
      () => model.forward(Tensor.fromArray(long, [1, 513], 'i32'), Tensor.fromArray(long, [1, 513], 'i32')),
      /sequence length 513 is over max_position_embeddings 512/,
    );
  } finally {
    scope.end();
    model.release();
  }
});

test.run();
