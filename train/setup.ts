// Setting up a training run, before its loop: the settings (from the flags, or from the latest
// checkpoint with --resume), the data, the model (pretrained, from scratch, or the checkpoint's),
// the tokenizer, AdamW with the Trainer's parameter groups, the GradScaler with --fp16, and the
// step replay. Everything that can fail on bad input happens before the output folder is touched.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { GradScaler, StepReplay, assertHalfSupported, gpu, initGpu, replayEnabled } from '../engine/index.ts';
import { AdamW } from '../engine/optim/adamw.ts';
import { CONFIG_FILE, WEIGHTS_FILE, checkWeights, initModel } from '../model/checkpoint.ts';
import { parameterShapes, readConfig, type Model, type ModelConfig } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { epochAtStep, epochMicroBatches, updateStepsPerEpoch, type MicroBatch } from './accumulation.ts';
import { EarlyExit, UsageError, shellPath } from './args.ts';
import { CARD_FILE } from './card.ts';
import {
  OPTIMIZER_FILE,
  STATE_FILE,
  latestCheckpoint,
  namedShapes,
  readOptimizerState,
  readTrainerState,
  removeCheckpointsExcept,
  stateIn,
  type TrainerState,
} from './checkpoints.ts';
import { bestOfState, type Best } from './best_model.ts';
import type { Dataset } from './data/dataset.ts';
import { loadDataset } from './data/load.ts';
import { METRICS_FILE, MetricsLog } from './metrics.ts';
import { paddingProblem, type Padding } from './batch.ts';
import { resolveModel } from './model_source.ts';
import { paddedBatchLengths } from './padded_lengths.ts';
import { PLOT_FILE } from './plot.ts';
import { learningRateAt, type LinearSchedule } from './schedule.ts';
import { ADAM_BETAS, ADAM_EPS, checkResumeFlags, parseTrainArgs, settingsOf, type TrainArgs, type TrainSettings } from './settings.ts';
import { batchesPerEpoch } from './shuffle.ts';
import { representativeLengths, tune } from '../tune/tuner.ts';

/** A checkpoint to continue from. */
export interface Resumed {
  dir: string;
  state: TrainerState;
}

/** Everything the loop needs, once set up. */
export interface Run {
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
  /** The micro-batches epoch `epoch` runs (train/accumulation.ts). */
  epochPlan: (epoch: number) => MicroBatch[];
  /** The fractional epoch after `step` optimizer steps, as the model card and the Trainer give it. */
  epochAt: (step: number) => number;
  metrics: MetricsLog;
  /** The best validation value of --metric-for-best-model so far, and its checkpoint. */
  best?: Best;
}

/** Fails with one line unless `dir` is a folder or could be made one. */
function checkFolderPath(dir: string): void {
  let existing = dir;
  while (!existsSync(existing)) existing = path.dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(`--output ${dir}: ${existing === dir ? 'it' : existing} is a file, not a folder; choose another --output`);
  }
}

/**
 * A new run may write into a folder that holds neither a checkpoint nor a model (a run stopped
 * before its first checkpoint leaves only its metrics), or into any with --overwrite-output-dir.
 */
function checkOutputFolderFree(outputDir: string, overwrite: boolean): void {
  if (overwrite) return;
  const finished = stateIn(outputDir);
  if (finished) {
    throw new UsageError(
      `--output ${outputDir} holds a finished run (step ${finished.globalStep}): pass --overwrite-output-dir to train it again, or choose another --output`,
    );
  }
  const checkpoint = latestCheckpoint(outputDir);
  if (checkpoint) {
    throw new UsageError(
      `--output ${outputDir} holds a run (${path.basename(checkpoint)}): pass --resume to continue it, --overwrite-output-dir to start over, or choose another --output`,
    );
  }
  if (existsSync(path.join(outputDir, WEIGHTS_FILE))) {
    throw new UsageError(
      `--output ${outputDir} holds a model (${WEIGHTS_FILE}): pass --overwrite-output-dir to replace it, or choose another --output`,
    );
  }
}

/**
 * What a new run with --overwrite-output-dir removes first: the previous run's checkpoints and the
 * files that say it finished (its weights, final state, card and plot). Its other files are
 * written over as the new run writes them, and files of other programs stay.
 */
function clearPreviousRun(outputDir: string): void {
  removeCheckpointsExcept(outputDir);
  for (const file of [WEIGHTS_FILE, STATE_FILE, CARD_FILE, PLOT_FILE]) rmSync(path.join(outputDir, file), { force: true });
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
  checkFolderPath(outputDir);
  if (!args.resume) {
    checkOutputFolderFree(outputDir, args.overwriteOutputDir);
    return { settings: settingsOf(args) };
  }
  const finished = stateIn(outputDir);
  if (finished) {
    throw new EarlyExit(
      `the run in ${shellPath(outputDir)} is already done (step ${finished.globalStep} of ${finished.totalSteps}): its model, card and metrics are there; --overwrite-output-dir instead of --resume trains it again`,
      0,
    );
  }
  const dir = latestCheckpoint(outputDir);
  if (!dir) throw new UsageError(`--resume: no checkpoint in ${outputDir} (checkpoints are written after each epoch and on Ctrl-C)`);
  const state = readTrainerState(dir);
  // Checkpoints written before --gradient-accumulation-steps existed did not accumulate.
  const settings = { ...state.settings, gradientAccumulationSteps: state.settings.gradientAccumulationSteps ?? 1 };
  checkResumeFlags(args, settings);
  return { settings, resumed: { dir, state } };
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

/**
 * `--tune`: the kernel search of `npm run tune` (tune/tuner.ts), on the open GPU, at this run's
 * model, batch size and the padded lengths its training batches will have; it writes the table
 * the ops then launch from (engine/gpu/tuning.ts).
 */
async function tuneFor(config: ModelConfig, s: TrainSettings, train: Dataset['train'], tokenizer: WordPieceTokenizer, padding: Padding) {
  const lengths = representativeLengths(paddedBatchLengths(train, tokenizer, padding, s.batchSize, s.seed), false);
  const log = (line: string) => console.error(`[tune] ${line}`);
  log(`tuning the kernels first, at batch ${s.batchSize} and padded lengths ${lengths.join(', ')}`);
  const spec = {
    batch: s.batchSize,
    lengths,
    dim: config.dim,
    hidden: config.hiddenDim,
    heads: config.nHeads,
    classes: config.numLabels,
    vocab: config.vocabSize,
    parameters: parameterShapes(config).map(([, shape]) => [...shape]),
  };
  const result = await tune(spec, { quick: false, half: gpu().features.has('shader-f16') }, log);
  log(`tuned ${result.entries.length} shapes in ${result.seconds.toFixed(1)} s: ${result.file}`);
}

export async function setUp(argv: string[]): Promise<Run> {
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

  await initGpu();
  if (args.tune) await tuneFor(config, settings, dataset.train, tokenizer, padding);
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
  const accumulation = settings.gradientAccumulationSteps;
  const perEpoch = updateStepsPerEpoch(batches, accumulation);
  const totalSteps = settings.maxSteps ?? perEpoch * settings.epochs;
  const schedule = { peakLr: settings.lr, warmupSteps: settings.warmupSteps, totalSteps };
  const optimizer = makeOptimizer(model, settings, schedule);
  if (resumed) optimizer.loadState(readOptimizerState(path.join(resumed.dir, OPTIMIZER_FILE), namedShapes(optimizer, model)));
  const scaler = settings.fp16 ? new GradScaler() : undefined;
  if (scaler && resumed?.state.gradScaler) scaler.loadState(resumed.state.gradScaler);
  mkdirSync(outputDir, { recursive: true });
  if (args.overwriteOutputDir) clearPreviousRun(outputDir);
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
    // Every epoch before an epoch makes its full count of steps (a shorter one ends the run).
    epochPlan: (epoch) => epochMicroBatches(epoch, batches, accumulation, epoch * perEpoch, totalSteps),
    epochAt: (step) => epochAtStep(step, batches, accumulation),
    // A resumed run's metrics continue from its checkpoint, dropping whatever came after it.
    metrics: new MetricsLog(path.join(outputDir, METRICS_FILE), resumed ? resumed.state.records : []),
    best: bestOfState(resumed?.state),
  };
}
