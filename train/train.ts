// `npm run train`: fine-tunes DistilBERT or BERT (config.json's model_type picks the model) for
// sentence classification with the Hugging Face Trainer's semantics (see train/settings.ts for the options and their defaults). One readable
// file, like nanoGPT's train.py: set up, then the loop. Each step records forward (with dropout),
// cross-entropy, backward, the global gradient norm and clip, and AdamW with the scheduled
// learning rate inside one step scope; the loss is read back asynchronously every few steps, never
// in the middle of a step. With --fp16 (the Trainer's fp16=True) the forward runs under autocast
// and a GradScaler scales the loss, unscales the gradients and skips steps whose gradients hold
// inf/NaN; a skipped step does not advance the schedule, which follows AdamW's step count on the
// device (engine/optim/adamw.ts, grad_scaler.ts), so nothing waits for the flag. A step of a batch shape seen before replays the
// first one's recording instead of running the op code again (engine/replay.ts). After each
// epoch: evaluation on validation and an atomic checkpoint (train/checkpoints.ts) from which
// `--resume` continues bit for bit; at the end: test evaluation, the model folder, its model card,
// metrics.jsonl and a plot.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import {
  GpuOutOfMemoryError,
  GradScaler,
  Tensor,
  accumulateInto,
  assertHalfSupported,
  autocast,
  backward,
  StepReplay,
  beginScope,
  replayEnabled,
  copyInto,
  crossEntropy,
  fillLike,
  flush,
  gpu,
  initGpu,
  mulScalar,
  readLater,
  shapeStr,
  tuningSummary,
  zeroGrad,
} from '../engine/index.ts';
import { AdamW, gradNorm } from '../engine/optim/adamw.ts';
import { CONFIG_FILE, WEIGHTS_FILE, checkWeights, initModel, saveModel } from '../model/checkpoint.ts';
import { readConfig, type Model, type ModelConfig } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { epochAtStep, epochMicroBatches, updateStepsPerEpoch } from './accumulation.ts';
import { UsageError, isMainModule, runCommand } from './args.ts';
import { modelCard } from './card.ts';
import {
  OPTIMIZER_FILE,
  latestCheckpoint,
  readOptimizerState,
  readTrainerState,
  writeCheckpoint,
  writeOptimizerState,
  type TrainerState,
} from './checkpoints.ts';
import type { Dataset, Example } from './data/dataset.ts';
import { loadDataset } from './data/load.ts';
import { paddingProblem, toBatch, type Batch, type Padding } from './batch.ts';
import { type Best, improves } from './best_model.ts';
import { evaluate, type EvalResult } from './evaluate.ts';
import { MetricsLog, type EvalRecord } from './metrics.ts';
import { resolveModel } from './model_source.ts';
import { trainingPlot } from './plot.ts';
import { learningRateAt, type LinearSchedule } from './schedule.ts';
import { ADAM_BETAS, ADAM_EPS, checkResumeFlags, parseTrainArgs, settingsOf, type TrainArgs, type TrainSettings } from './settings.ts';
import { batchesOf, batchesPerEpoch, epochOrder } from './shuffle.ts';

/** Steps between loss readbacks (and progress-bar updates). */
const LOG_EVERY = 10;
const METRICS_FILE = 'metrics.jsonl';
const PLOT_FILE = 'training_curves.svg';
const CARD_FILE = 'README.md';

class NonFiniteLoss extends Error {}

/** A checkpoint to continue from. */
interface Resumed {
  dir: string;
  state: TrainerState;
}

/** Everything the loop needs, once set up. */
interface Run {
  settings: TrainSettings;
  resumed?: Resumed;
  model: Model;
  tokenizer: WordPieceTokenizer;
  outputDir: string;
  dataset: Dataset;
  /** Sentences cut at the tokenizer's maximum length, batches padded as --pad-to-multiple-of says. */
  padding: Padding;
  optimizer: AdamW;
  /** With --fp16 only. */
  scaler?: GradScaler;
  /** Replays of whole optimizer steps, when they can be replayed (see trainMicroBatch). */
  replay?: StepReplay;
  schedule: LinearSchedule;
  /** Micro-batches of --batch-size per epoch; each optimizer step takes --gradient-accumulation-steps of them. */
  batchesPerEpoch: number;
  epochs: number;
  metrics: MetricsLog;
  /** The best validation value of --metric-for-best-model so far, and its checkpoint. */
  best?: Best;
}

// ---------------------------------------------------------------------------------------------
// Setup: everything that can fail on bad input happens before the output folder is touched.

function checkOutputFolderFree(outputDir: string): void {
  if (existsSync(outputDir) && readdirSync(outputDir).length > 0) {
    throw new UsageError(`--output ${outputDir} already holds files; pass --resume to continue its run, or choose another --output`);
  }
}

/** The model's config with --dim/--layers/--heads/--hidden-dim applied (from scratch only). */
function architecture(config: ModelConfig, s: TrainSettings): ModelConfig {
  return config.with({
    dim: s.dim ?? config.dim,
    nLayers: s.layers ?? config.nLayers,
    nHeads: s.heads ?? config.nHeads,
    hiddenDim: s.hiddenDim ?? config.hiddenDim,
  });
}

/**
 * The model folder's tokenizer. A --max-length becomes its model_max_length, so the saved model
 * truncates as it was trained to, in `npm run eval`, `predict` and transformers alike.
 */
function openTokenizer(dir: string, config: ModelConfig, maxLength: number | undefined): WordPieceTokenizer {
  let tokenizer = WordPieceTokenizer.fromDir(dir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(`${dir}: vocab.txt has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ${config.vocabSize}`);
  }
  if (maxLength !== undefined && maxLength !== tokenizer.modelMaxLength) {
    if (maxLength > config.maxPositionEmbeddings) {
      throw new UsageError(`--max-length ${maxLength} is over the model's max_position_embeddings ${config.maxPositionEmbeddings}`);
    }
    const { doLowerCase, stripAccents } = tokenizer;
    tokenizer = WordPieceTokenizer.fromVocabFile(path.join(dir, 'vocab.txt'), { doLowerCase, stripAccents, modelMaxLength: maxLength });
  }
  return tokenizer;
}

/** A new run's settings from the flags, or a resumed run's from its latest checkpoint. */
function settingsAndCheckpoint(args: TrainArgs, outputDir: string): { settings: TrainSettings; resumed?: Resumed } {
  if (!args.resume) {
    checkOutputFolderFree(outputDir);
    return { settings: settingsOf(args) };
  }
  const dir = latestCheckpoint(outputDir);
  if (!dir) throw new UsageError(`--resume: no checkpoint in ${outputDir} (checkpoints are written after each epoch)`);
  const state = readTrainerState(dir);
  // Checkpoints written before --gradient-accumulation-steps existed did not accumulate.
  const settings = { ...state.settings, gradientAccumulationSteps: state.settings.gradientAccumulationSteps ?? 1 };
  checkResumeFlags(args, settings);
  return { settings, resumed: { dir, state } };
}

/** The hub id the run fine-tunes, for the card; none for a local folder or from scratch. */
function baseModelOf(s: TrainSettings): string | undefined {
  return s.fromScratch || existsSync(s.model) ? undefined : s.model;
}

/** AdamW with the Trainer's parameter groups (no weight decay on biases and LayerNorm weights) and its schedule. */
function makeOptimizer(model: Model, s: TrainSettings, schedule: LinearSchedule): AdamW {
  const decays = (name: string) => !name.endsWith('.bias') && !/LayerNorm|layer_norm/.test(name);
  const named = [...model.params];
  return new AdamW(
    [
      { params: named.filter(([n]) => decays(n)).map(([, p]) => p), weightDecay: s.weightDecay },
      { params: named.filter(([n]) => !decays(n)).map(([, p]) => p), weightDecay: 0 },
    ],
    { lr: { steps: schedule.totalSteps, at: (step) => learningRateAt(schedule, step) }, betas: [...ADAM_BETAS], eps: ADAM_EPS },
  );
}

function namedShapes(optimizer: AdamW, model: Model) {
  const names = new Map([...model.params].map(([name, p]) => [p, name]));
  return optimizer.params.map((p) => ({ name: names.get(p)!, shape: p.shape }));
}

/**
 * `--tune`: runs `npm run tune` (bench/tune.ts) in a child process at this run's model, batch size
 * and padded lengths, before this process opens the GPU. A child rather than an import, because
 * the search validates its candidates with the test suite's float64 references, which the
 * training job does not depend on.
 */
function tuneFor(config: ModelConfig, s: TrainSettings, modelDir: string, { maxLength, padToMultipleOf }: Padding): void {
  const tuneScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'tune.ts');
  const flags = {
    'batch-size': s.batchSize,
    dim: config.dim,
    'hidden-dim': config.hiddenDim,
    heads: config.nHeads,
    layers: config.nLayers,
    vocab: config.vocabSize,
    classes: config.numLabels,
    data: s.trainFile ?? s.data,
    model: modelDir,
    'max-length': maxLength,
    ...(padToMultipleOf === undefined ? {} : { 'pad-to-multiple-of': padToMultipleOf }),
    seed: s.seed,
  };
  const args = Object.entries(flags).flatMap(([flag, value]) => [`--${flag}`, String(value)]);
  console.error(`tuning the kernels first: npm run tune -- ${args.join(' ')}`);
  const child = spawnSync(process.execPath, [...process.execArgv, tuneScript, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.status !== 0) throw new Error(`--tune: npm run tune failed (${child.status ?? child.signal}); its message is above`);
}

async function setUp(argv: string[]): Promise<Run> {
  const args = parseTrainArgs(argv);
  const outputDir = path.resolve(args.output);
  const { settings, resumed } = settingsAndCheckpoint(args, outputDir);
  const dataset = await loadDataset(settings, { heldOut: resumed?.state.heldOut });
  // A resumed run's model comes from its checkpoint, a new one's from --model, with the data's labels.
  const modelDir = resumed?.dir ?? (await resolveModel(settings.model, !settings.fromScratch)).dir;
  const fileConfig = readConfig(path.join(modelDir, CONFIG_FILE));
  const config = resumed
    ? fileConfig
    : (settings.fromScratch ? architecture(fileConfig, settings) : fileConfig).with({ labels: dataset.labels });
  if (config.labels.join('\n') !== dataset.labels.join('\n')) {
    throw new Error(
      `--data ${settings.data}: its labels (${dataset.labels.join(', ')}) are not the checkpoint's (${config.labels.join(', ')})`,
    );
  }
  const tokenizer = openTokenizer(modelDir, config, settings.maxLength);
  const padding = {
    maxLength: Math.min(tokenizer.modelMaxLength, config.maxPositionEmbeddings),
    padToMultipleOf: settings.padToMultipleOf,
  };
  const problem = paddingProblem(padding, config.maxPositionEmbeddings);
  if (problem) throw new UsageError(problem);

  if (args.tune) tuneFor(config, settings, modelDir, padding);
  await initGpu();
  if (settings.fp16) assertHalfSupported('--fp16');
  const model =
    settings.fromScratch && !resumed
      ? initModel(config, settings.seed)
      : checkWeights(config, path.join(modelDir, WEIGHTS_FILE), {
          seed: settings.seed,
          requireHead: resumed !== undefined,
          freshMismatchedHead: !resumed,
        }).createModel();
  const batches = batchesPerEpoch(dataset.train.length, settings.batchSize);
  const perEpoch = updateStepsPerEpoch(batches, settings.gradientAccumulationSteps);
  const totalSteps = settings.maxSteps ?? perEpoch * settings.epochs;
  const schedule = { peakLr: settings.lr, warmupSteps: settings.warmupSteps, totalSteps };
  const optimizer = makeOptimizer(model, settings, schedule);
  if (resumed) optimizer.loadState(readOptimizerState(path.join(resumed.dir, OPTIMIZER_FILE), namedShapes(optimizer, model)));
  const scaler = settings.fp16 ? new GradScaler() : undefined;
  if (scaler && resumed?.state.gradScaler) scaler.loadState(resumed.state.gradScaler);
  mkdirSync(outputDir, { recursive: true });
  return {
    settings,
    resumed,
    model,
    tokenizer,
    outputDir,
    dataset,
    padding,
    optimizer,
    scaler,
    replay: settings.gradientAccumulationSteps === 1 && replayEnabled() ? new StepReplay() : undefined,
    schedule,
    batchesPerEpoch: batches,
    epochs: Math.ceil(totalSteps / perEpoch),
    // A resumed run's metrics continue from its checkpoint, dropping whatever came after it.
    metrics: new MetricsLog(path.join(outputDir, METRICS_FILE), resumed ? resumed.state.records : []),
    best: bestOfState(resumed?.state),
  };
}

// ---------------------------------------------------------------------------------------------
// Loss readback: micro-batch losses add up on the GPU; every LOG_EVERY optimizer steps their sum
// is copied out and reset, and the copy is awaited one window later, so the GPU always has the
// next steps queued. A window's loss is that sum per optimizer step, as the Trainer logs it.

interface Window {
  steps: number;
  lastStep: number;
  /** Reads the window's loss sum, last gradient norm and the optimizer's step count, copied out when it closed. */
  read: () => Promise<(Float32Array | Int32Array)[]>;
}

/** What the progress bar and metrics get as each window's loss arrives. */
interface WindowReport {
  lastStep: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  /** Steps and seconds since the epoch began: throughput over the epoch so far. */
  epochSteps: number;
  epochSeconds: number;
}

class LossWindows {
  private readonly sum = new Tensor([], 'f32', { persistent: true, name: 'loss_window_sum' });
  /** The gradient norm of the last optimizer step. */
  private readonly norm = new Tensor([1], 'f32', { persistent: true, name: 'last_grad_norm' });
  private pending: Window[] = [];
  private stepsInWindow = 0;
  private epochLossSum = 0;
  private epochSteps = 0;
  private epochStart = performance.now();

  /**
   * `optimizerSteps`: AdamW's step count on the device, read with each window, and `rateAt` the
   * learning rate after that many steps: a window reports the rate of its last update.
   */
  constructor(
    private readonly optimizerSteps: Tensor,
    private readonly rateAt: (steps: number) => number,
    private readonly onWindow: (report: WindowReport) => void,
  ) {
    fillLike(this.sum, 0);
  }

  /** Starts an epoch's loss mean and clock (evaluation and checkpoints are not training time). */
  startEpoch(): void {
    this.epochLossSum = 0;
    this.epochSteps = 0;
    this.epochStart = performance.now();
  }

  /** Called inside each micro-batch's scope with its loss, as divided for accumulation. */
  addLoss(loss: Tensor): void {
    accumulateInto(this.sum, loss);
  }

  /** Called inside an optimizer step with its gradient norm, which a window reports when it closes. */
  keepNorm(norm: Tensor): void {
    copyInto(this.norm, norm);
  }

  /** Called after each optimizer step. */
  endStep(step: number, closeWindow: boolean): Promise<void> | undefined {
    this.stepsInWindow++;
    if (!closeWindow) return undefined;
    // Copied out now, in the step's submit; read (mapped) only one window later, when the GPU is done.
    this.pending.push({ steps: this.stepsInWindow, lastStep: step, read: readLater([this.sum, this.norm, this.optimizerSteps]) });
    fillLike(this.sum, 0);
    this.stepsInWindow = 0;
    return this.pending.length > 1 ? this.settle(1) : undefined;
  }

  /** Awaits all windows but the newest `keep`, checking each loss. */
  private async settle(keep: number): Promise<void> {
    while (this.pending.length > keep) {
      const w = this.pending.shift()!;
      const [[lossSum], [norm], [optimizerSteps]] = await w.read();
      const loss = lossSum / w.steps;
      if (!Number.isFinite(loss))
        throw new NonFiniteLoss(`the training loss became ${loss} in steps ${w.lastStep - w.steps + 2}..${w.lastStep + 1}`);
      this.epochLossSum += lossSum;
      this.epochSteps += w.steps;
      const epochSeconds = (performance.now() - this.epochStart) / 1000;
      this.onWindow({
        lastStep: w.lastStep,
        loss,
        gradNorm: norm,
        learningRate: this.rateAt(Math.max(optimizerSteps - 1, 0)),
        epochSteps: this.epochSteps,
        epochSeconds,
      });
    }
  }

  /** Waits for every window of the epoch; its mean training loss, steps and seconds. */
  async endEpoch(): Promise<{ loss: number; steps: number; seconds: number }> {
    await this.settle(0);
    return { loss: this.epochLossSum / this.epochSteps, steps: this.epochSteps, seconds: (performance.now() - this.epochStart) / 1000 };
  }

  release(): void {
    this.sum.release();
    this.norm.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs.

function frameworks() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const engine = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
  const webgpu = (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
  return { engine, webgpu, adapter: gpu().adapterName, node: process.version };
}

function writeReport(run: Run): void {
  const { outputDir, settings, metrics } = run;
  const dataset = settings.data === 'rotten_tomatoes' ? 'rotten_tomatoes' : path.basename(path.resolve(settings.data));
  writeFileSync(
    path.join(outputDir, CARD_FILE),
    modelCard({
      name: path.basename(outputDir),
      settings,
      baseModel: baseModelOf(settings),
      dataset,
      records: metrics.records,
      totalSteps: run.schedule.totalSteps,
      frameworks: frameworks(),
    }),
  );
  writeFileSync(path.join(outputDir, PLOT_FILE), trainingPlot(metrics.records));
}

async function saveCheckpoint(run: Run, globalStep: number, epoch: number): Promise<string> {
  const { model, tokenizer, optimizer, settings, metrics, scaler } = run;
  const state: TrainerState = {
    version: 1,
    settings,
    globalStep,
    totalSteps: run.schedule.totalSteps,
    epoch,
    position: 0,
    rng: { seed: settings.seed, nextStream: epoch * run.batchesPerEpoch },
    records: metrics.records,
    gradScaler: await scaler?.state(),
    heldOut: run.dataset.heldOut,
    bestMetric: run.best?.value,
    bestModelCheckpoint: run.best?.checkpoint,
  };
  const keep = settings.loadBestModelAtEnd ? run.best?.checkpoint : undefined;
  return writeCheckpoint(
    run.outputDir,
    state,
    async (dir) => {
      await saveModel(model, tokenizer, dir);
      writeOptimizerState(path.join(dir, OPTIMIZER_FILE), namedShapes(optimizer, model), await optimizer.state());
    },
    keep,
  );
}

const bestOfState = (state: TrainerState | undefined): Best | undefined =>
  state?.bestMetric === undefined ? undefined : { value: state.bestMetric, checkpoint: state.bestModelCheckpoint! };

/** Keeps the best validation value of --metric-for-best-model; this epoch's checkpoint will be checkpoint-<step>. */
function rankCheckpoint(run: Run, validation: EvalResult, step: number): void {
  const metric = run.settings.metricForBestModel ?? 'loss';
  if (improves(metric, validation[metric], run.best?.value)) run.best = { value: validation[metric], checkpoint: `checkpoint-${step}` };
}

/** --load-best-model-at-end: the weights of the best checkpoint replace the model's (the Trainer's _load_best_model). */
function loadBestModel(run: Run, lastCheckpoint: string | undefined, say: (line: string) => void): void {
  const dir = path.join(run.outputDir, run.best!.checkpoint);
  if (dir === lastCheckpoint) return;
  say(`loading the best model, ${run.best!.checkpoint} (validation ${run.settings.metricForBestModel} ${run.best!.value.toFixed(4)})`);
  const best = checkWeights(run.model.config, path.join(dir, WEIGHTS_FILE), { requireHead: true }).createModel();
  run.model.release();
  run.model = best;
}

// ---------------------------------------------------------------------------------------------
// The loop.

/** The optimizer step a micro-batch ends: its index, and whether it closes a loss window. */
interface StepEnd {
  step: number;
  closeWindow: boolean;
}

/**
 * One micro-batch: forward with dropout (its own streams), the loss divided by the accumulation
 * steps, backward adding into the gradients; and when it ends an optimizer step, the global
 * gradient norm and clip, AdamW at the scheduled rate, and the gradients dropped. Everything it
 * makes is released when its scope ends. With --fp16: the forward under autocast, the backward
 * of the scaled loss, and the gradients unscaled before the norm.
 *
 * A whole optimizer step in one micro-batch is replayed (engine/replay.ts): the first batch of
 * each shape records it, and later ones replay that recording with their own batch and dropout
 * step; the learning rate follows AdamW's step count on the device. (With accumulation, gradients outlive a micro-batch, which a recorded step
 * may not leave behind: those steps run their op code every time.)
 */
async function trainMicroBatch(run: Run, examples: Example[], stream: number, windows: LossWindows, end?: StepEnd): Promise<void> {
  const scope = beginScope();
  try {
    // The micro-batch and its dropout step (which random streams its masks come from).
    const batch = { ...toBatch(run.tokenizer, examples, run.padding), step: Tensor.fromArray([stream], [1], 'i32') };
    if (!end) return backwardMicroBatch(run, batch, windows);
    const work = (b: ModelInputs) => {
      backwardMicroBatch(run, b, windows);
      updateWeights(run, windows);
    };
    if (run.replay) {
      // Sentence pairs bring token type ids, a fifth input and so another recording.
      const inputs = [batch.ids, batch.mask, batch.labels, batch.step, ...(batch.tokenTypeIds ? [batch.tokenTypeIds] : [])];
      const key = `${shapeStr(batch.ids.shape)}${batch.tokenTypeIds ? ' pairs' : ''}`;
      run.replay.run(key, inputs, ([ids, mask, labels, step, tokenTypeIds]) => work({ ids, mask, labels, step, tokenTypeIds }));
    } else {
      work(batch);
    }
    return windows.endStep(end.step, end.closeWindow);
  } finally {
    scope.end();
    flush();
  }
}

/** What a micro-batch's forward and loss read: the batch's tensors, without its size, and its dropout step, i32 [1]. */
type ModelInputs = Omit<Batch, 'size'> & { step: Tensor };

/** Forward, the loss (divided for accumulation), and backward adding into the gradients. */
function backwardMicroBatch(run: Run, batch: ModelInputs, windows: LossWindows): void {
  const { model, settings, scaler } = run;
  const { ids, mask, tokenTypeIds, step } = batch;
  const forward = () => model.forward(ids, mask, { training: settings.dropout, rng: { seed: settings.seed, step }, tokenTypeIds });
  const logits = settings.fp16 ? autocast(forward) : forward();
  const n = settings.gradientAccumulationSteps;
  // The Trainer divides only when accumulating, so without accumulation the loss keeps its bits.
  const loss = n > 1 ? mulScalar(crossEntropy(logits, batch.labels), 1 / n) : crossEntropy(logits, batch.labels);
  // With a scaler, the backward of scale · loss.
  backward(loss, scaler?.scale);
  windows.addLoss(loss);
}

/**
 * The update: gradients unscaled (--fp16), their global norm and clip, AdamW (skipped on inf/NaN
 * gradients with --fp16, and the loss scale updated), the gradients dropped, the norm kept.
 */
function updateWeights(run: Run, windows: LossWindows): void {
  const { optimizer, settings, scaler } = run;
  const params = optimizer.params;
  scaler?.unscale(params);
  // gradNorm needs a positive bound; without clipping it only measures, and its coefficient is unused.
  const { totalNorm, clipCoef } = gradNorm(params, settings.gradClip > 0 ? settings.gradClip : 1);
  const clip = settings.gradClip > 0 ? clipCoef : undefined;
  if (scaler) {
    scaler.step(optimizer, clip);
    scaler.update();
  } else {
    optimizer.step(clip);
  }
  zeroGrad(params);
  windows.keepNorm(totalNorm);
}

async function train(run: Run): Promise<void> {
  const { settings, dataset, metrics, schedule, batchesPerEpoch: batches, outputDir } = run;
  const accumulation = settings.gradientAccumulationSteps;
  const resumed = run.resumed?.state;
  let step = resumed?.globalStep ?? 0;
  const firstEpoch = resumed?.epoch ?? 0;
  const epochAt = (s: number) => epochAtStep(s, batches, accumulation);
  let lastCheckpoint = run.resumed?.dir;
  let trainSeconds = 0;
  let trainSteps = 0;

  // The bar is for people watching a terminal; logs and pipes get one line per epoch.
  const bars = process.stderr.isTTY
    ? new cliProgress.MultiBar(
        {
          stream: process.stderr,
          format: 'epoch {epoch} |{bar}| {value}/{total} steps | loss {loss} | {rate} samples/s | eta {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : console.error(line));
  const bar = bars?.create(schedule.totalSteps, step, { epoch: firstEpoch + 1, loss: '-', rate: '-' });
  const rateAt = (steps: number) => learningRateAt(schedule, steps);
  const windows = new LossWindows(
    run.optimizer.steps,
    rateAt,
    ({ lastStep, loss, gradNorm: norm, learningRate, epochSteps, epochSeconds }) => {
      const samplesPerSecond = (epochSteps * settings.batchSize * accumulation) / epochSeconds;
      metrics.add({
        split: 'train',
        step: lastStep + 1,
        epoch: round4(epochAt(lastStep + 1)),
        loss,
        learningRate,
        gradNorm: norm,
        samplesPerSecond,
      });
      bar?.update(lastStep + 1, { loss: loss.toFixed(4), rate: samplesPerSecond.toFixed(1) });
      if (!bars && (lastStep + 1) % (LOG_EVERY * 10) === 0) {
        console.error(`step ${lastStep + 1}/${schedule.totalSteps}: loss ${loss.toFixed(4)}, ${samplesPerSecond.toFixed(1)} samples/s`);
      }
    },
  );

  const stepSize = accumulation > 1 ? `${accumulation} micro-batches of ${settings.batchSize}` : `${settings.batchSize}`;
  let test: EvalResult | undefined;
  say(
    `training ${run.epochs} epoch(s), ${schedule.totalSteps} steps of ${stepSize} on ${dataset.train.length} examples` +
      `${resumed ? `, resuming at step ${step} from ${run.resumed!.dir}` : ''} (${gpu().adapterName})`,
  );
  say(tuningSummary());
  try {
    for (let epoch = firstEpoch; epoch < run.epochs; epoch++) {
      bar?.update({ epoch: epoch + 1 });
      windows.startEpoch();
      const plan = epochMicroBatches(epoch, batches, accumulation, step, schedule.totalSteps);
      const stepsThisEpoch = plan.filter((micro) => micro.endsStep).length;
      // Carried micro-batches come from the previous epoch's order.
      const orders = new Map(
        [...new Set(plan.map((micro) => micro.epoch))].map((e) => [
          e,
          batchesOf(epochOrder(dataset.train.length, settings.seed, e, settings.shuffle), settings.batchSize),
        ]),
      );
      let stepsDone = 0;
      for (const micro of plan) {
        const examples = orders.get(micro.epoch)![micro.index].map((i) => dataset.train[i]);
        // A micro-batch's dropout streams are its position in the run's sequence of micro-batches.
        const stream = micro.epoch * batches + micro.index;
        const closeWindow = (stepsDone + 1) % LOG_EVERY === 0 || stepsDone + 1 === stepsThisEpoch;
        await trainMicroBatch(run, examples, stream, windows, micro.endsStep ? { step, closeWindow } : undefined);
        if (micro.endsStep) {
          step++;
          stepsDone++;
        }
      }
      const { loss: trainingLoss, steps, seconds } = await windows.endEpoch();
      trainSteps += steps;
      trainSeconds += seconds;
      const validation = await evaluate(run.model, run.tokenizer, dataset.validation, {
        batchSize: settings.batchSize,
        ...run.padding,
        fp16: settings.fp16,
      });
      metrics.add(evalRecord('validation', validation, step, epochAt(step), trainingLoss));
      rankCheckpoint(run, validation, step);
      say(
        `epoch ${epoch + 1}: training loss ${trainingLoss.toFixed(4)}, validation loss ${validation.loss.toFixed(4)}, ` +
          `accuracy ${validation.accuracy.toFixed(4)}, macro F1 ${validation.f1.toFixed(4)} (step ${step})`,
      );
      lastCheckpoint = await saveCheckpoint(run, step, epoch + 1);
      writeReport(run);
    }
    if (settings.loadBestModelAtEnd && run.best) loadBestModel(run, lastCheckpoint, say);
    if (dataset.test.length > 0) {
      test = await evaluate(run.model, run.tokenizer, dataset.test, {
        batchSize: settings.batchSize,
        ...run.padding,
        fp16: settings.fp16,
      });
      metrics.add(evalRecord('test', test, step, epochAt(step)));
    }
    await saveModel(run.model, run.tokenizer, outputDir);
    writeReport(run);
  } catch (error) {
    throw stopped(error, lastCheckpoint);
  } finally {
    bars?.stop();
    windows.release();
    run.replay?.release();
    run.model.release();
    run.optimizer.release();
  }

  const timing = trainSteps > 0 ? `; ${((1000 * trainSeconds) / trainSteps).toFixed(1)} ms/step over ${trainSteps} steps this session` : '';
  if (run.scaler) {
    console.error(
      `fp16: loss scale ${(await run.scaler.state()).scale}, ${await run.scaler.skippedSteps()} step(s) skipped for inf/NaN gradients this session`,
    );
    run.scaler.release();
  }
  const tested = test
    ? `test: loss ${test.loss.toFixed(4)}, accuracy ${test.accuracy.toFixed(4)}, macro F1 ${test.f1.toFixed(4)}`
    : 'no test split';
  console.error(`${tested}${timing}`);
  console.error(`wrote ${path.join(outputDir, WEIGHTS_FILE)}, ${CARD_FILE}, ${METRICS_FILE}, ${PLOT_FILE}`);
}

/**
 * What stops training, as one line that says what to do and what is kept: a checkpoint is written
 * atomically, so the last one is whole whatever failed after it.
 */
function stopped(error: unknown, lastCheckpoint: string | undefined): unknown {
  if (error instanceof NonFiniteLoss) {
    const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint had been written yet';
    return new Error(`${error.message}: training stopped; ${kept} (try a lower --lr)`);
  }
  if (error instanceof GpuOutOfMemoryError) {
    const kept = lastCheckpoint
      ? `the last checkpoint, ${lastCheckpoint}, is intact and --resume continues from it`
      : 'no checkpoint had been written yet';
    return new Error(
      `${error.message}: training stopped; ${kept}. A run needs less memory with a lower --batch-size ` +
        '(and --gradient-accumulation-steps to keep the effective batch) or --max-length',
    );
  }
  return error;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function evalRecord(split: EvalRecord['split'], r: EvalResult, step: number, epoch: number, trainingLoss?: number): EvalRecord {
  return {
    split,
    step,
    epoch: round4(epoch),
    loss: r.loss,
    accuracy: r.accuracy,
    f1: r.f1,
    perClass: r.perClass,
    examples: r.examples,
    ...(trainingLoss === undefined ? {} : { trainingLoss }),
  };
}

/** `npm run train` with these arguments, in this process: what the command runs, and what tests call. */
export async function runTraining(argv: string[]): Promise<void> {
  await train(await setUp(argv));
}

if (isMainModule(import.meta.url)) runCommand('train', runTraining);
