// --pad-to-multiple-of: a batch is padded to the next multiple of N past its longest sentence, as
// transformers' DataCollatorWithPadding(pad_to_multiple_of=N) pads it (model/tokenizer.ts's
// paddedLength, train/batch.ts), and the extra padding is masked, so it changes no logit and no
// loss. The model is test/engine/replay.test.ts's tiny one at batch shapes [3, 4] and [3, 8], so
// that in one test process this file compiles one kernel of its own: attention's forward without
// dropout.
import '../support/setup.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tensor, crossEntropy, noGrad, scoped } from '../../engine/index.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { DistilBertForSequenceClassification } from '../../model/distilbert.ts';
import { initialValues } from '../../model/init.ts';
import { type EncodedBatch, WordPieceTokenizer, paddedLength } from '../../model/tokenizer.ts';
import { paddingProblem, toBatch } from '../../train/batch.ts';
import { assertClose } from '../../reference/check.ts';
import { baseModelDir } from '../support/tiny_run.ts';

const tokenizer = WordPieceTokenizer.fromDir(baseModelDir);

/** Each row of a [batch, seqLen] array, cut to its first `columns`. */
function rows(values: Int32Array, { batch, seqLen }: EncodedBatch, columns = seqLen): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from(values.subarray(b * seqLen, b * seqLen + columns)));
}

test("a batch pads to its longest sentence, or up to the next multiple, as transformers' tokenizer pad does", () => {
  assert.equal(
    [29, 32, 33, 1].map((longest) => paddedLength(longest, 8)),
    [32, 32, 40, 8],
  );
  assert.is(paddedLength(29), 29);
  assert.is(paddedLength(29, 1), 29);

  const sentences = readFileSync(path.join(baseModelDir, '..', '..', 'data', 'rotten_tomatoes', 'rt-polarity.pos'), 'utf8')
    .split('\n')
    .slice(0, 16);
  const longest = tokenizer.encodeBatch(sentences, 64);
  const padded = tokenizer.encodeBatch(sentences, 64, { padToMultipleOf: 8 });
  assert.ok(longest.seqLen % 8 !== 0, 'these sentences must need the extra padding');
  assert.is(padded.seqLen, Math.ceil(longest.seqLen / 8) * 8);
  // The same tokens and mask, then only [PAD] columns that the mask hides.
  assert.equal(rows(padded.ids, padded, longest.seqLen), rows(longest.ids, longest));
  assert.equal(rows(padded.mask, padded, longest.seqLen), rows(longest.mask, longest));
  const extra = (values: Int32Array) => rows(values, padded).flatMap((row) => row.slice(longest.seqLen));
  assert.ok(extra(padded.ids).every((id) => id === tokenizer.padId));
  assert.ok(extra(padded.mask).every((m) => m === 0));

  // Sentences cut at max_length still pad up to the multiple, past max_length, as transformers pads them.
  const examples = sentences.map((text) => ({ text, label: 1 }));
  assert.equal(toBatch(tokenizer, examples, { maxLength: 10, padToMultipleOf: 8 }).ids.shape, [16, 16]);
});

test('a padding that would outgrow the position embeddings is one clear line', () => {
  assert.is(paddingProblem({ maxLength: 512, padToMultipleOf: 8 }, 512), undefined);
  assert.is(
    paddingProblem({ maxLength: 510, padToMultipleOf: 12 }, 512),
    "--pad-to-multiple-of 12 pads a batch of 510-token sentences to 516 tokens, past the model's max_position_embeddings 512 (a multiple that divides it always fits)",
  );
});

test('padding to a multiple of 8 changes no logit and no loss beyond 1e-6', async () => {
  const config = DistilBertConfig.fromJSON(
    { vocab_size: 40, max_position_embeddings: 16, n_layers: 2, n_heads: 2, dim: 16, hidden_dim: 32 },
    'a tiny test model',
  );
  const model = new DistilBertForSequenceClassification(config, (name, shape) => initialValues(config, name, shape, 3));
  // Three rows of 4, 3 and 2 tokens (ids under the tiny vocabulary's 40), so that one is all token.
  const encodings = [
    [2, 17, 33, 3],
    [2, 9, 3],
    [2, 3],
  ];
  const run = async (padToMultipleOf?: number) => {
    const { ids, mask, batch, seqLen } = tokenizer.padBatch(encodings, undefined, { padToMultipleOf });
    const [logits, loss] = await scoped(() =>
      noGrad(() => {
        const out = model.forward(Tensor.fromArray(ids, [batch, seqLen], 'i32'), Tensor.fromArray(mask, [batch, seqLen], 'i32'));
        return Promise.all([out.toFloat32(), crossEntropy(out, Tensor.fromArray([1, 0, 1], [3], 'i32')).toFloat32()]);
      }),
    );
    return { logits, loss, seqLen };
  };
  const longest = await run();
  const padded = await run(8);
  model.release();
  assert.equal([longest.seqLen, padded.seqLen], [4, 8]);
  assertClose(padded.logits, longest.logits, 1e-6, 0, 'logits');
  assertClose(padded.loss, longest.loss, 1e-6, 0, 'loss');
});

test.run();
