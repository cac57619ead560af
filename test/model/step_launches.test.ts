// The launches and submits of one DistilBERT training step are what docs/life-of-a-step.md says
// they are: its table for six layers (phase by phase), and what each layer adds; the launches
// per step that README.md and bench/README.md state are the table's total; and the step's
// launches under `--fp16`. The counts do not depend on the widths, so the model and batch are the
// tiny ones test/engine/replay.test.ts trains with: in one test process, its kernels are compiled
// once for both files (and the f16 ones with test/engine/fp16.test.ts's).
import '../support/setup.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AdamW,
  GradScaler,
  Tensor,
  autocast,
  backward,
  crossEntropy,
  dispatchStats,
  flush,
  gradNorm,
  scoped,
  zeroGrad,
} from '../../engine/index.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { DistilBertForSequenceClassification } from '../../model/distilbert.ts';
import { initialValues } from '../../model/init.ts';
import { repoRoot } from '../support/cli_process.ts';

const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'life-of-a-step.md'), 'utf8');

/** A number the doc states, found by `pattern`'s one group. */
function stated(pattern: RegExp): number {
  const match = doc.match(pattern);
  if (!match) assert.unreachable(`docs/life-of-a-step.md no longer says ${pattern}`);
  return Number(match![1]);
}

/** The doc's table row for a phase: launches and submits. */
function tableRow(phase: string): [number, number] {
  return [1, 2].map((column) => stated(new RegExp(`^\\| ${phase}[^|]*\\|(?:\\s*(\\d+)\\s*\\|){${column}}`, 'm'))) as [number, number];
}

type Phases = Record<'forward' | 'backward' | 'optimizer' | 'flush', [launches: number, submits: number]>;

/**
 * One training step of a `layers`-layer model, counted phase by phase as examples/step_graph.ts
 * counts it; with `fp16`, as train.ts steps under `--fp16`: autocast and a GradScaler.
 */
function countStep(layers: number, fp16 = false): Phases {
  const config = DistilBertConfig.fromJSON(
    { vocab_size: 40, max_position_embeddings: 16, n_layers: layers, n_heads: 2, dim: 16, hidden_dim: 32 },
    'a tiny test model',
  );
  const model = new DistilBertForSequenceClassification(config, (name, shape) => initialValues(config, name, shape, 3));
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: { steps: 6, at: (step) => 1e-2 / (step + 1) }, weightDecay: 0.01 });
  const scaler = fp16 ? new GradScaler() : undefined;
  let mark = { ...dispatchStats };
  const since = (): [number, number] => {
    const counted: [number, number] = [dispatchStats.dispatches - mark.dispatches, dispatchStats.submits - mark.submits];
    mark = { ...dispatchStats };
    return counted;
  };
  const phases = scoped(() => {
    const ids = Tensor.fromArray([1, 5, 9, 2, 7, 3, 8, 4, 6, 1, 0, 0, 3, 3, 2, 0, 0, 0], [3, 6], 'i32');
    const mask = Tensor.fromArray([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0], [3, 6], 'i32');
    const labels = Tensor.fromArray([1, 0, 1], [3], 'i32');
    const step = Tensor.fromArray([0], [1], 'i32');
    since();
    const forwardPass = () => model.forward(ids, mask, { training: true, rng: { seed: 1, step } });
    const loss = crossEntropy(fp16 ? autocast(forwardPass) : forwardPass(), labels);
    const forward = since();
    backward(loss, scaler?.scale);
    const backwardCounts = since();
    scaler?.unscale(params);
    const { clipCoef } = gradNorm(params, 0.5);
    if (scaler) {
      scaler.step(optimizer, clipCoef);
      scaler.update();
    } else optimizer.step(clipCoef);
    zeroGrad(params);
    return { forward, backward: backwardCounts, optimizer: since() };
  });
  flush();
  const counted = { ...phases, flush: since() };
  for (const t of [optimizer, model, scaler]) t?.release();
  return counted;
}

test('one step of six layers launches and submits what docs/life-of-a-step.md and the READMEs say', () => {
  const six = countStep(6);
  assert.equal(six.forward, tableRow('forward'), 'forward');
  assert.equal(six.backward, tableRow('backward'), 'backward');
  assert.equal(six.optimizer, tableRow('grad norm, clip, AdamW'), 'grad norm, clip, AdamW');
  assert.equal(six.flush, tableRow('end of step'), 'end of step: the one submit');

  const launches = six.forward[0] + six.backward[0] + six.optimizer[0] + six.flush[0];
  for (const [file, pattern] of [
    ['README.md', /^\| Launches per training step, 6 layers \| (\d+) kernels in one submit/m],
    ['bench/README.md', /^\| launches per step \| (\d+) \|/m],
  ] as const) {
    const match = fs.readFileSync(path.join(repoRoot, file), 'utf8').match(pattern);
    assert.ok(match, `${file} no longer says ${pattern}`);
    assert.is(Number(match![1]), launches, `${file}: launches per step`);
  }

  const one = countStep(1);
  assert.is((six.forward[0] - one.forward[0]) / 5, stated(/Each layer adds (\d+) forward launches/), 'forward launches per layer');
  assert.is((six.backward[0] - one.backward[0]) / 5, stated(/It adds (\d+) backward launches/), 'backward launches per layer');
});

test('one step of six layers under --fp16 launches what docs/life-of-a-step.md says', () => {
  const { forward, backward, optimizer, flush } = countStep(6, true);
  assert.is(forward[0] + backward[0] + optimizer[0] + flush[0], stated(/^Under `--fp16`[^\n]* (\d+) launches/m));
});

test.run();
