// Setting up a training run, before its loop: the settings (from the flags, or from the latest
// checkpoint with --resume), the data, the model (pretrained, from scratch, or the checkpoint's),
// the tokenizer, AdamW with the Trainer's parameter groups, the GradScaler with --fp16, and the
// step replay. Everything that can fail on bad input happens before the output folder is touched.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GradScaler, StepReplay, assertHalfSupported, initGpu, replayEnabled } from '../engine/index.ts';
import { AdamW } from '../engine/optim/adamw.ts';
import { CONFIG_FILE, WEIGHTS_FILE, checkWeights, initModel } from '../model/checkpoint.ts';
import { readConfig, type Model, type ModelConfig } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { updateStepsPerEpoch } from './accumulation.ts';
import { UsageError } from './args.ts';
import { OPTIMIZER_FILE, latestCheckpoint, namedShapes, readOptimizerState, readTrainerState, type TrainerState } from './checkpoints.ts';
import { bestOfState, type Best } from './best_model.ts';
import type { Dataset } from './data/dataset.ts';
import { loadDataset } from './data/load.ts';
import { METRICS_FILE, MetricsLog } from './metrics.ts';
import { resolveModel } from './model_source.ts';
import { learningRateAt, type LinearSchedule } from './schedule.ts';
import { ADAM_BETAS, ADAM_EPS, checkResumeFlags, parseTrainArgs, settingsOf, type TrainArgs, type TrainSettings } from './settings.ts';
import { batchesPerEpoch } from './shuffle.ts';

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
  maxLength: number;
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
 * `--tune`: runs `npm run tune` (bench/tune.ts) in a child process at this run's model, batch size
 * and padded lengths, before this process opens the GPU. A child rather than an import, because
 * the search validates its candidates with the test suite's float64 references, which the
 * training job does not depend on.
 */
function tuneFor(config: ModelConfig, s: TrainSettings, modelDir: string, maxLength: number): void {
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
    seed: s.seed,
  };
  const args = Object.entries(flags).flatMap(([flag, value]) => [`--${flag}`, String(value)]);
  console.error(`tuning the kernels first: npm run tune -- ${args.join(' ')}`);
  const child = spawnSync(process.execPath, [...process.execArgv, tuneScript, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.status !== 0) throw new Error(`--tune: npm run tune failed (${child.status ?? child.signal}); its message is above`);
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
  const maxLength = Math.min(tokenizer.modelMaxLength, config.maxPositionEmbeddings);

  if (args.tune) tuneFor(config, settings, modelDir, maxLength);
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
    maxLength,
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
