// Times whole training steps of DistilBERT (from a random initialisation) on the real sentences,
// and writes what PyTorch needs to run the same steps (bench/device/torch_step.py): the config,
// the initial weights and the batches. Two runs from the same weights:
//   speed:  --steps steps, dropout on, as training runs: ms/step, tokens/s, peak pooled GPU memory;
//   parity: the first --parity-steps of them, dropout off: the loss at every step, to put beside
//           PyTorch's; the model it ends with is saved to RUN_DIR/trained with its logits on the
//           first batch (logits.json), for transformers' from_pretrained to load and compare.
// Each step is forward, cross-entropy, backward, global grad-norm clip (1.0), AdamW with a linear
// learning-rate decay: the training job's step (with --fp16, its mixed-precision step: forward
// under autocast, a GradScaler), each batch shape's first step recorded and later ones replayed
// (engine/replay.ts), with and without --fp16. Timing waits for the GPU at the end of each step.
// The --out file is rewritten after every step ("complete": false until the last), and once more
// on SIGTERM ("interrupted": "SIGTERM"), so a run cut short keeps the steps it made.
//   npx tsx bench/device/step.ts --dim 768 --layers 6 --heads 12 --hidden-dim 3072 --batch-size 64 \
//     --steps 30 --parity-steps 20 --shared ../shared --run-dir DIR --out step.json
//   npx tsx bench/device/step.ts --summarize OUTDIR     (markdown comparison of OUTDIR's JSON files)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdamW,
  GradScaler,
  StepReplay,
  Tensor,
  assertHalfSupported,
  autocast,
  backward,
  beginScope,
  closeGpu,
  copyInto,
  crossEntropy,
  gradNorm,
  initGpu,
  pool,
  synchronize,
  zeroGrad,
} from '../../engine/index.ts';
import { initModel, saveModel } from '../../model/checkpoint.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { files } from '../../model/files/node.ts';
import type { Model } from '../../model/models.ts';
import { WordPieceTokenizer } from '../../model/tokenizer.ts';
import { nonNegativeInt, parseCommandLine, positiveInt } from '../../train/args.ts';
import { readPolarityDir } from '../../train/data/load.ts';
import { epochOrder } from '../../train/shuffle.ts';
import { summarize } from './summary.ts';

const OPTIONS = {
  dim: { kind: 'number', default: 768, check: positiveInt, help: 'hidden size' },
  layers: { kind: 'number', default: 6, check: positiveInt, help: 'transformer layers' },
  heads: { kind: 'number', default: 12, check: positiveInt, help: 'attention heads' },
  hiddenDim: { kind: 'number', default: 3072, check: positiveInt, help: 'FFN size' },
  batchSize: { kind: 'number', default: 64, check: positiveInt, help: 'sentences per step' },
  steps: { kind: 'number', default: 30, check: positiveInt, help: 'timed steps, dropout on' },
  paritySteps: {
    kind: 'number',
    default: 20,
    check: nonNegativeInt,
    help: 'steps with dropout off, from the same weights, for parity (0: none)',
  },
  maxLength: { kind: 'number', default: 128, check: positiveInt, help: 'truncation length' },
  lr: { kind: 'number', default: 2e-5, help: 'peak learning rate' },
  fp16: { kind: 'flag', help: "mixed precision, as npm run train -- --fp16 (the Trainer's fp16=True)" },
  seed: { kind: 'number', default: 42, help: 'initialisation and shuffling seed' },
  shared: { kind: 'string', default: '../shared', help: 'folder with data/rotten_tomatoes and models/distilbert-base-uncased' },
  runDir: { kind: 'string', default: '', help: 'where to write config.json, model.safetensors, batches.json for PyTorch' },
  out: { kind: 'string', default: '', help: 'JSON result file' },
  summarize: { kind: 'string', default: '', help: 'print the markdown comparison of a device run folder and exit' },
} as const;

const args = parseCommandLine(OPTIONS, process.argv.slice(2), 'npx tsx bench/device/step.ts [options]', 'Times DistilBERT training steps.');
if (args.summarize) {
  process.stdout.write(summarize(args.summarize));
  process.exit(0);
}

const modelDir = join(args.shared, 'models', 'distilbert-base-uncased');
const tokenizer = WordPieceTokenizer.fromDir(modelDir);
const base = DistilBertConfig.fromJSON(JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')), join(modelDir, 'config.json'));
const config = new DistilBertConfig({
  ...base,
  labels: base.labels,
  dim: args.dim,
  nLayers: args.layers,
  nHeads: args.heads,
  hiddenDim: args.hiddenDim,
});

const train = readPolarityDir(join(args.shared, 'data', 'rotten_tomatoes')).train;
const order = epochOrder(train.length, args.seed, 0, true);
const batches = Array.from({ length: args.steps }, (_, s) => {
  const examples = order.slice(s * args.batchSize, (s + 1) * args.batchSize).map((i) => train[i]);
  const encoded = tokenizer.encodeBatch(
    examples.map((e) => e.text),
    args.maxLength,
  );
  return { ...encoded, labels: examples.map((e) => e.label) };
});
type Batch = (typeof batches)[number];

/** A batch as nested lists, for PyTorch. */
const asLists = (b: Batch) => ({
  ids: Array.from({ length: b.batch }, (_, r) => Array.from(b.ids.slice(r * b.seqLen, (r + 1) * b.seqLen))),
  mask: Array.from({ length: b.batch }, (_, r) => Array.from(b.mask.slice(r * b.seqLen, (r + 1) * b.seqLen))),
  labels: b.labels,
});

interface RunResult {
  msPerStep: number[];
  losses: number[];
  peakPoolBytes: number;
}

let adapter = 'not open yet';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const speed: RunResult = { msPerStep: [], losses: [], peakPoolBytes: 0 };
const parity: RunResult = { msPerStep: [], losses: [], peakPoolBytes: 0 };
const paritySteps = Math.min(args.paritySteps, batches.length);
const tokens = batches.reduce((n, b) => n + b.batch * b.seqLen, 0) / batches.length;

/** What the steps so far measured; `ended` says whether the run is over, and how. */
function report(ended: 'complete' | 'SIGTERM' | 'running') {
  // The first steps compile pipelines; the median of the rest is the steady state.
  const steady = speed.msPerStep.slice(Math.min(2, speed.msPerStep.length - 1));
  return {
    adapter,
    precision: args.fp16 ? 'fp16 (autocast + GradScaler)' : 'fp32',
    model: {
      dim: args.dim,
      layers: args.layers,
      heads: args.heads,
      hiddenDim: args.hiddenDim,
      batchSize: args.batchSize,
      maxLength: args.maxLength,
    },
    complete: ended === 'complete',
    ...(ended === 'SIGTERM' && { interrupted: 'SIGTERM' }),
    steps: speed.msPerStep.length,
    paritySteps,
    seqLens: batches.map((b) => b.seqLen),
    meanPaddedTokensPerStep: tokens,
    msPerStepMedian: steady.length ? median(steady) : null,
    tokensPerSecond: steady.length ? tokens / (median(steady) / 1000) : null,
    peakPoolBytes: speed.peakPoolBytes,
    msPerStepAll: speed.msPerStep,
    parityLosses: parity.losses,
  };
}

function writeReport(ended: Parameters<typeof report>[0] = 'running'): string {
  const text = JSON.stringify(report(ended), null, 2);
  // Through a temporary file: a process killed mid-write leaves the last whole report.
  if (args.out) files.writeWhole(args.out, [Buffer.from(`${text}\n`)]);
  return text;
}

/** `count` steps from the initial weights into `result`, the report written after each; `after` sees the trained model before it is released. */
async function runSteps(training: boolean, count: number, result: RunResult, after?: (model: Model) => Promise<void>): Promise<void> {
  const model = initModel(config, args.seed);
  const params = model.parameters();
  // A linear decay over the run's steps (counted on the device, so a skipped --fp16 step does not advance it).
  const lr = { steps: count, at: (step: number) => args.lr * (1 - step / count) };
  const optimizer = new AdamW(params, { lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  const scaler = args.fp16 ? new GradScaler() : undefined;
  // As the trainer does: each batch shape's first step is recorded, later ones replayed.
  const replay = new StepReplay();
  const lossOut = new Tensor([], 'f32', { persistent: true, name: 'loss_out' });
  for (let step = 0; step < count; step++) {
    const b = batches[step];
    const started = performance.now();
    const scope = beginScope();
    const ids = Tensor.fromArray(b.ids, [b.batch, b.seqLen], 'i32');
    const mask = Tensor.fromArray(b.mask, [b.batch, b.seqLen], 'i32');
    const labels = Tensor.fromArray(b.labels, [b.batch], 'i32');
    const dropoutStep = Tensor.fromArray([step], [1], 'i32');
    const work = ([ids, mask, labels, dropoutStep]: readonly Tensor[]) => {
      const forward = () => model.forward(ids, mask, { training, rng: { seed: args.seed, step: dropoutStep } });
      const loss = crossEntropy(scaler ? autocast(forward) : forward(), labels);
      backward(loss, scaler?.scale);
      scaler?.unscale(params);
      const { clipCoef } = gradNorm(params, 1.0);
      if (scaler) {
        scaler.step(optimizer, clipCoef);
        scaler.update();
      } else {
        optimizer.step(clipCoef);
      }
      zeroGrad(params);
      copyInto(lossOut, loss);
    };
    replay.run(`${b.batch}x${b.seqLen}`, [ids, mask, labels, dropoutStep], work);
    scope.end();
    result.losses.push(await lossOut.item());
    await synchronize();
    result.msPerStep.push(performance.now() - started);
    result.peakPoolBytes = Math.max(result.peakPoolBytes, pool.allocatedBytes);
    writeReport();
  }
  replay.release();
  lossOut.release();
  await after?.(model);
  scaler?.release();
  optimizer.release();
  for (const p of model.parameters()) p.release();
}

/** The trained model folder and its logits on the first batch, in eval mode, for from_pretrained. */
async function saveTrained(model: Model): Promise<void> {
  const dir = join(args.runDir, 'trained');
  await saveModel(model, tokenizer, dir);
  const b = batches[0];
  const scope = beginScope();
  try {
    const logits = model.forward(Tensor.fromArray(b.ids, [b.batch, b.seqLen], 'i32'), Tensor.fromArray(b.mask, [b.batch, b.seqLen], 'i32'));
    const values = await logits.toFloat32();
    const rows = Array.from({ length: b.batch }, (_, r) => Array.from(values.slice(r * config.numLabels, (r + 1) * config.numLabels)));
    writeFileSync(join(dir, 'logits.json'), JSON.stringify({ ...asLists(b), logits: rows }));
  } finally {
    scope.end();
  }
}

process.once('SIGTERM', () => {
  writeReport('SIGTERM');
  process.exit(143);
});
writeReport();
adapter = (await initGpu()).adapterName;
if (args.fp16) {
  try {
    assertHalfSupported('--fp16');
  } catch (err) {
    console.error(`step: ${(err as Error).message}`);
    process.exit(2);
  }
}
if (args.runDir) {
  await saveModel(initModel(config, args.seed), tokenizer, args.runDir);
  writeFileSync(join(args.runDir, 'batches.json'), JSON.stringify({ lr: args.lr, seed: args.seed, steps: batches.map(asLists) }));
}

await runSteps(true, batches.length, speed);
if (paritySteps > 0) await runSteps(false, paritySteps, parity, args.runDir ? saveTrained : undefined);
console.log(writeReport('complete'));
closeGpu();
process.exit(0);
