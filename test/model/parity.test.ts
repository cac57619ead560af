// Parity with PyTorch (test/fixtures/parity, made by make_parity_fixture.py from a plain-torch
// restatement of transformers' modeling_distilbert.py, transformers not being installed): the same F16 weights and batch must give the same logits, loss, hidden states and
// parameter gradients, and five AdamW steps must follow the same loss trajectory. Tolerances are
// ~10-100x PyTorch's own float32-vs-float64 error (see the fixture's README.md). Also checks that
// model/tokenizer.ts reproduces the fixture's token ids.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, backward, beginScope, crossEntropy, mulScalar, zeroGrad } from '../../engine/index.ts';
import { AdamW, gradNorm } from '../../engine/optim/adamw.ts';
import { loadModel } from '../../model/checkpoint.ts';
import { openSafetensors } from '../../model/safetensors.ts';
import { WordPieceTokenizer } from '../../model/tokenizer.ts';
import { assertClose } from '../../reference/check.ts';
import { checkForwardBackward, checkTrajectory, maxAbs, relativeL2, scheduleOf, type Trajectory } from '../support/parity.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'parity');
const vocabDir = path.resolve(repoRoot, '..', 'shared', 'models', 'distilbert-base-uncased');
const WORD_EMBEDDINGS = 'distilbert.embeddings.word_embeddings.weight';

interface Batch {
  sentences: string[];
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[];
}
const readJson = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(fixtureDir, name), 'utf8'));
const batch = readJson<Batch>('batch.json');
const [B, T] = [batch.input_ids.length, batch.input_ids[0].length];
const expected = openSafetensors(path.join(fixtureDir, 'expected.safetensors'));

const model = loadModel(fixtureDir, { log: (line) => assert.unreachable(`unexpected load note: ${line}`) });
const params = model.parameters();
const initialWeights = await Promise.all(params.map((p) => p.toFloat32()));

function inputs() {
  return {
    ids: Tensor.fromArray(batch.input_ids.flat(), [B, T], 'i32'),
    mask: Tensor.fromArray(batch.attention_mask.flat(), [B, T], 'i32'),
    labels: Tensor.fromArray(batch.labels, [B], 'i32'),
  };
}

test('tokenizer reproduces the fixture ids and mask', () => {
  const encoded = WordPieceTokenizer.fromDir(vocabDir).encodeBatch(batch.sentences);
  assert.equal([encoded.batch, encoded.seqLen], [B, T]);
  assert.equal(Array.from(encoded.ids), batch.input_ids.flat());
  assert.equal(Array.from(encoded.mask), batch.attention_mask.flat());
});

test('eval forward and backward match PyTorch: logits, loss, hidden states, every gradient', async () => {
  const scope = beginScope();
  try {
    const { ids, mask, labels } = inputs();
    await checkForwardBackward(model, expected, {
      forward: () => model.forwardWithHiddenStates(ids, mask),
      labels,
      isKeyBias: (name) => name.endsWith('k_lin.bias'),
      skip: WORD_EMBEDDINGS,
    });

    // Word embeddings: only the batch's ids get gradient, and never the padding row (padding_idx).
    const { dim } = model.config;
    const grad = await model.param(WORD_EMBEDDINGS).grad!.toFloat32();
    const rowIds = Array.from(expected.read('grad_rows_ids'));
    const gathered = new Float32Array(rowIds.length * dim);
    rowIds.forEach((id, r) => gathered.set(grad.subarray(id * dim, (id + 1) * dim), r * dim));
    const error = relativeL2(gathered, expected.read(`grad_rows.${WORD_EMBEDDINGS}`));
    assert.ok(error < 1e-4, `${WORD_EMBEDDINGS}: relative L2 error ${error.toExponential(2)} on the batch's rows`);
    assert.ok(rowIds.includes(model.config.padTokenId), 'the batch contains padding');
    const inBatch = new Set(rowIds.filter((id) => id !== model.config.padTokenId));
    const strayRows = [];
    for (let id = 0; id < model.config.vocabSize; id++) {
      if (!inBatch.has(id) && maxAbs(grad.subarray(id * dim, (id + 1) * dim)) !== 0) strayRows.push(id);
    }
    assert.equal(strayRows, [], 'rows outside the batch, and the padding row, have zero gradient');
  } finally {
    scope.end();
  }
});

/** Replays a fixture trajectory from the fixture's weights. */
async function followTrajectory(file: string): Promise<void> {
  params.forEach((p, i) => p.write(initialWeights[i]));
  const { ids, mask, labels } = inputs();
  try {
    await checkTrajectory(model, readJson<Trajectory>(file), {
      logitsOf: () => model.forward(ids, mask),
      labels,
      wordEmbeddings: WORD_EMBEDDINGS,
      what: file,
    });
  } finally {
    for (const t of [ids, mask, labels]) t.release();
  }
}

test('five AdamW steps follow PyTorch (no clipping)', () => followTrajectory('trajectory.json'));

test('five AdamW steps follow PyTorch (clipping at steps 1-2)', () => followTrajectory('trajectory_clip.json'));

interface AccumulatedTrajectory {
  optimizer: Trajectory['optimizer'];
  max_grad_norm: number;
  micro_batches: number[][];
  steps: { step: number; lr: number; micro_batch_losses: number[]; loss: number; grad_norm: number }[];
  final_loss: number;
  final_logits: number[][];
}

/** Rows `rows` of the fixture batch, trimmed to their longest sentence. */
function microBatch(rows: number[]) {
  const length = Math.max(...rows.map((r) => batch.attention_mask[r].reduce((a, b) => a + b, 0)));
  const take = (matrix: number[][]) => rows.flatMap((r) => matrix[r].slice(0, length));
  return {
    ids: Tensor.fromArray(take(batch.input_ids), [rows.length, length], 'i32'),
    mask: Tensor.fromArray(take(batch.attention_mask), [rows.length, length], 'i32'),
    labels: Tensor.fromArray(
      rows.map((r) => batch.labels[r]),
      [rows.length],
      'i32',
    ),
  };
}

test('gradient accumulation follows PyTorch with the Trainer 4.21.1 semantics: losses, summed gradients, clipped update', async () => {
  const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'accumulation', name);
  const trajectory: AccumulatedTrajectory = JSON.parse(fs.readFileSync(fixture('trajectory.json'), 'utf8'));
  const step1 = openSafetensors(fixture('step1.safetensors'));
  params.forEach((p, i) => p.write(initialWeights[i]));
  const { betas, eps, weight_decay: weightDecay } = trajectory.optimizer;
  const optimizer = new AdamW(params, { lr: scheduleOf(trajectory), betas, eps, weightDecay });
  const n = trajectory.micro_batches.length;
  const rowIds = Array.from(step1.read('grad_rows_ids'));
  /** A checked tensor's values; the word embedding's on the batch's rows only. */
  const checked = async (name: string, values: Float32Array) => {
    if (name !== WORD_EMBEDDINGS) return values;
    const { dim } = model.config;
    const rows = new Float32Array(rowIds.length * dim);
    rowIds.forEach((id, r) => rows.set(values.subarray(id * dim, (id + 1) * dim), r * dim));
    return rows;
  };
  // [stored key, parameter name] of what step1.safetensors holds under `prefix.` or `prefix_rows.`.
  const stored = (prefix: string) =>
    [...step1.tensors.keys()].flatMap((k) => {
      const match = new RegExp(`^${prefix}(?:_rows)?\\.(.+)$`).exec(k);
      return match ? [[k, match[1]]] : [];
    });
  try {
    zeroGrad(params);
    for (const step of trajectory.steps) {
      let logged = 0;
      for (const [i, rows] of trajectory.micro_batches.entries()) {
        const scope = beginScope();
        try {
          const { ids, mask, labels } = microBatch(rows);
          const loss = crossEntropy(model.forward(ids, mask), labels);
          const divided = mulScalar(loss, 1 / n);
          backward(divided);
          logged += await divided.item();
          assertClose([await loss.item()], [step.micro_batch_losses[i]], 1e-5, 0, `step ${step.step} micro-batch ${i} loss`);
        } finally {
          scope.end();
        }
      }
      assertClose([logged], [step.loss], 1e-5, 0, `step ${step.step} logged loss`);
      if (step.step === 1) {
        for (const [key, name] of stored('grad')) {
          const error = relativeL2(await checked(name, await model.param(name).grad!.toFloat32()), step1.read(key));
          assert.ok(error < 1e-4, `${key}: relative L2 error ${error.toExponential(2)}`);
        }
      }
      const scope = beginScope();
      try {
        const { totalNorm, clipCoef } = gradNorm(params, trajectory.max_grad_norm);
        optimizer.step(clipCoef);
        zeroGrad(params);
        assertClose([await totalNorm.item()], [step.grad_norm], 0, 1e-4, `step ${step.step} grad norm`);
      } finally {
        scope.end();
      }
      if (step.step === 1) {
        for (const [key, name] of stored('updated')) {
          assertClose(await checked(name, await model.param(name).toFloat32()), step1.read(key), 2e-5, 0, key);
        }
      }
    }
    const scope = beginScope();
    try {
      const { ids, mask, labels } = inputs();
      const logits = model.forward(ids, mask);
      assertClose(await logits.toFloat32(), trajectory.final_logits.flat(), 1e-5, 0, 'final logits');
      assertClose([await crossEntropy(logits, labels).item()], [trajectory.final_loss], 1e-5, 0, 'final loss');
    } finally {
      scope.end();
    }
  } finally {
    optimizer.release();
    step1.close();
  }
});

test.after(() => {
  expected.close();
  model.release();
});

test.run();
