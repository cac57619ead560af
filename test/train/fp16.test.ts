// `npm run train -- --fp16` end to end, as child processes: a tiny from-scratch model trains under
// autocast and loss scaling; its checkpoints keep the loss scale, so a run killed with SIGKILL
// after its first checkpoint and resumed ends with the same bytes as an uninterrupted one; `eval
// --fp16` reproduces the validation figures training measured; an adapter without shader-f16
// refuses --fp16 with one line.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EvalRecord, MetricRecord } from '../../train/metrics.ts';
import type { TrainerState } from '../../train/checkpoints.ts';
import { errorLine, runCli } from '../support/cli_process.ts';
import { tinyDataset, tinyTrainArgs } from '../support/tiny_run.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'train-fp16-test-'));
/** 100 sentences of each class from ../shared: 80 + 10 + 10 per class after the HF split. */
const dataDir = tinyDataset(work, 100);

const STEPS_PER_EPOCH = 10; // 160 training sentences / 16
const tiny = [...tinyTrainArgs(dataDir, { epochs: '2' }), '--fp16'];
const train = (args: string[], until?: (kill: () => void) => void) => runCli('train/train.ts', args, { until });
const evals = (dir: string) =>
  readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricRecord)
    .filter((r): r is EvalRecord => r.split !== 'train');

test('--fp16: trains, keeps the loss scale in checkpoints, resumes bit for bit after kill -9, and evaluates the same under eval --fp16', async () => {
  const uninterrupted = path.join(work, 'uninterrupted');
  const killedOutput = path.join(work, 'killed');
  const [run, killed] = await Promise.all([
    train([...tiny, '--output', uninterrupted]),
    train([...tiny, '--output', killedOutput], (kill) => {
      const poll = setInterval(() => {
        if (existsSync(path.join(killedOutput, `checkpoint-${STEPS_PER_EPOCH}`))) {
          clearInterval(poll);
          kill();
        }
      }, 20);
    }),
  ]);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stderr, /fp16: loss scale \d+, \d+ step\(s\) skipped/);
  const state: TrainerState = JSON.parse(
    readFileSync(path.join(uninterrupted, `checkpoint-${2 * STEPS_PER_EPOCH}`, 'trainer_state.json'), 'utf8'),
  );
  assert.ok(state.settings.fp16 && state.gradScaler && state.gradScaler.scale > 0, JSON.stringify(state.gradScaler));
  assert.ok(readFileSync(path.join(uninterrupted, 'README.md'), 'utf8').includes('- mixed_precision_training: Native AMP'));

  assert.is(killed.signal, 'SIGKILL', `the run should still be training when killed:\n${killed.stderr}`);
  const resumed = await train(['--output', killedOutput, '--resume']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.ok(readFileSync(path.join(killedOutput, 'model.safetensors')).equals(readFileSync(path.join(uninterrupted, 'model.safetensors'))));
  assert.equal(evals(killedOutput), evals(uninterrupted));

  const evaluated = await runCli('train/eval.ts', ['--model', uninterrupted, '--data', dataDir, '--batch-size', '16', '--json', '--fp16']);
  assert.is(evaluated.code, 0, evaluated.stderr);
  const final = evals(uninterrupted).find((r) => r.split === 'validation' && r.step === 2 * STEPS_PER_EPOCH)!;
  assert.equal(JSON.parse(evaluated.stdout), { loss: final.loss, accuracy: final.accuracy, f1: final.f1, perClass: final.perClass, n: 20 });
});

test('--fp16 on an adapter without shader-f16 (the OpenGL fallback): one line, nothing written', async () => {
  const output = path.join(work, 'opengl');
  const exit = await runCli('train/train.ts', [...tiny, '--output', output], { env: { ENGINE_BACKEND: 'opengl' } });
  assert.is(exit.code, 1, exit.stderr);
  assert.match(errorLine(exit), /^train: --fp16 needs 16-bit float shaders \(the shader-f16 feature\), which .*opengl.* does not offer$/);
  assert.not.ok(existsSync(output));
});

test.run();
