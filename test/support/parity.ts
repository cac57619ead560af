// What the parity tests (test/model/parity.test.ts for DistilBERT, test/model/bert.test.ts for
// BERT) share in comparing a model with its PyTorch fixture: the error measures, one eval forward
// and backward, and replaying a fixture's AdamW trajectory, with their tolerances (the fixtures'
// README.md justify them).
import * as assert from 'uvu/assert';
import { backward, beginScope, crossEntropy, zeroGrad, type Tensor } from '../../engine/index.ts';
import { AdamW, clipGradNorm } from '../../engine/optim/adamw.ts';
import type { Model } from '../../model/models.ts';
import type { SafetensorsFile } from '../../model/safetensors.ts';
import type { ForwardResult } from '../../model/sequence_classifier.ts';
import { assertClose } from '../../reference/check.ts';

/** A fixture's trajectory.json: per step the loss and gradient norm before the update, then the final logits and loss. */
export interface Trajectory {
  optimizer: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  max_grad_norm: number;
  steps: { step: number; lr: number; loss: number; grad_norm: number }[];
  final_loss: number;
  final_logits: number[][];
}

/** ||actual - reference|| / ||reference||. */
export function relativeL2(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < reference.length; i++) {
    diff += (actual[i] - reference[i]) ** 2;
    norm += reference[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

export function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return largest;
}

/**
 * One eval forward (`forward`) and backward of the mean cross-entropy against the fixture's
 * expected.safetensors: logits and loss within 1e-6, hidden states within 2e-5, and every
 * gradient but `skip`'s (which the caller checks) within 1e-4 relative L2; the attention key
 * biases' gradients (`isKeyBias`), exactly 0 in exact arithmetic, must be rounding noise.
 */
export async function checkForwardBackward(
  model: Model,
  expected: SafetensorsFile,
  {
    forward,
    labels,
    isKeyBias,
    skip,
  }: { forward: () => ForwardResult; labels: Tensor; isKeyBias: (name: string) => boolean; skip?: string },
): Promise<void> {
  const { logits, hiddenStates } = forward();
  const loss = crossEntropy(logits, labels);
  zeroGrad(model.parameters());
  backward(loss);

  assertClose(await logits.toFloat32(), expected.read('logits'), 1e-6, 0, 'logits');
  assertClose([await loss.item()], expected.read('loss'), 1e-6, 0, 'loss');
  assert.is(hiddenStates.length, model.config.nLayers + 1);
  for (const [i, hidden] of hiddenStates.entries()) {
    const name = i === 0 ? 'hidden.embeddings' : `hidden.layer.${i - 1}`;
    assertClose(await hidden.toFloat32(), expected.read(name), 2e-5, 0, name);
  }
  for (const [name, param] of model.params) {
    if (name === skip) continue;
    const grad = await param.grad!.toFloat32();
    if (isKeyBias(name)) {
      assert.ok(maxAbs(grad) < 1e-9, `${name}: max |grad| ${maxAbs(grad)} should be ~0`);
      continue;
    }
    const error = relativeL2(grad, expected.read(`grad.${name}`));
    assert.ok(error < 1e-4, `${name}: relative L2 error ${error.toExponential(2)}`);
  }
}

/** A fixture trajectory's learning rate per step, as AdamW takes a schedule. */
export const scheduleOf = ({ steps }: { steps: { lr: number }[] }) => ({ steps: steps.length, at: (step: number) => steps[step].lr });

/**
 * Replays `trajectory` from the model's current weights: per step forward (`logitsOf`),
 * backward, clip, AdamW at the scheduled lr; each step's loss and gradient norm, the final logits
 * and loss must match, and the word embedding's padding row (`wordEmbeddings`) must stay 0.
 */
export async function checkTrajectory(
  model: Model,
  trajectory: Trajectory,
  { logitsOf, labels, wordEmbeddings, what }: { logitsOf: () => Tensor; labels: Tensor; wordEmbeddings: string; what: string },
): Promise<void> {
  const params = model.parameters();
  const { betas, eps, weight_decay: weightDecay } = trajectory.optimizer;
  const optimizer = new AdamW(params, { lr: scheduleOf(trajectory), betas, eps, weightDecay });
  const lossAndLogits = () => {
    const logits = logitsOf();
    return { logits, loss: crossEntropy(logits, labels) };
  };
  try {
    for (const step of trajectory.steps) {
      const scope = beginScope();
      try {
        const { loss } = lossAndLogits();
        zeroGrad(params);
        backward(loss);
        const norm = clipGradNorm(params, trajectory.max_grad_norm);
        optimizer.step();
        assertClose([await loss.item()], [step.loss], 1e-5, 0, `${what} step ${step.step} loss`);
        assertClose([await norm.item()], [step.grad_norm], 0, 1e-4, `${what} step ${step.step} grad norm`);
      } finally {
        scope.end();
      }
    }
    const scope = beginScope();
    try {
      const { logits, loss } = lossAndLogits();
      assertClose(await logits.toFloat32(), trajectory.final_logits.flat(), 1e-5, 0, `${what} final logits`);
      assertClose([await loss.item()], [trajectory.final_loss], 1e-5, 0, `${what} final loss`);
    } finally {
      scope.end();
    }
    const table = await model.param(wordEmbeddings).toFloat32();
    const { padTokenId, dim } = model.config;
    assert.is(maxAbs(table.subarray(padTokenId * dim, (padTokenId + 1) * dim)), 0, 'the padding row stays 0');
  } finally {
    optimizer.release();
  }
}
