// The training job's settings: the command-line options of `npm run train`, whose defaults are the
// reference model card's (distilbert-base-uncased fine-tuned on rotten_tomatoes with the Hugging
// Face Trainer: lr 2e-5, batch 64, 5 epochs, seed 42, AdamW, linear decay to 0, no warmup).
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  UsageError,
  flagName,
  nonNegative,
  nonNegativeInt,
  parseCommandLine,
  positive,
  positiveInt,
  type OptionSpec,
  type OptionTable,
  type Parsed,
} from './args.ts';
import { BEST_MODEL_METRICS, type BestModelMetric } from './best_model.ts';
import type { DataOptions } from './data/load.ts';
import { DATA_OPTIONS, checkDataFlags } from './data/options.ts';

export const ADAM_BETAS: readonly [number, number] = [0.9, 0.999];
export const ADAM_EPS = 1e-8;
export const DEFAULT_OUTPUT = 'runs/distilbert-rotten-tomatoes';

/** --pad-to-multiple-of, for training and evaluation alike (train/eval.ts). */
export const PAD_TO_MULTIPLE_OF = {
  kind: 'int',
  check: positiveInt,
  help:
    "pad each batch to a multiple of N tokens past its longest sentence, as transformers' DataCollatorWithPadding(pad_to_multiple_of=N): " +
    'fewer batch shapes to record steps for, at the cost of more padding (default: to its longest sentence)',
} satisfies OptionSpec;

export const TRAIN_OPTIONS = {
  model: {
    kind: 'string',
    default: 'distilbert-base-uncased',
    meta: 'ID|DIR',
    help: 'a DistilBERT or BERT checkpoint: Hugging Face model id (hub or HF cache) or a folder with config.json + vocab.txt (+ model.safetensors)',
  },
  ...DATA_OPTIONS,
  fromScratch: { kind: 'flag', help: "random initialisation (Hugging Face's) instead of the model's weights" },
  dim: { kind: 'int', check: positiveInt, help: 'with --from-scratch: hidden size' },
  layers: { kind: 'int', check: positiveInt, help: 'with --from-scratch: number of transformer blocks' },
  heads: { kind: 'int', check: positiveInt, help: 'with --from-scratch: attention heads (must divide --dim)' },
  hiddenDim: { kind: 'int', check: positiveInt, help: 'with --from-scratch: feed-forward size' },
  epochs: { kind: 'int', default: 5, check: positiveInt, help: 'passes over the training split' },
  maxSteps: { kind: 'int', check: positiveInt, help: 'stop after N optimizer steps; the schedule then spans N steps (overrides --epochs)' },
  batchSize: { kind: 'int', default: 64, check: positiveInt, help: 'sentences per forward pass (training and evaluation)' },
  gradientAccumulationSteps: {
    kind: 'int',
    default: 1,
    check: positiveInt,
    help: "micro-batches of --batch-size per optimizer step (the Trainer's semantics; less memory, same effective batch)",
  },
  lr: { kind: 'number', default: 2e-5, check: positive, help: 'peak learning rate' },
  seed: { kind: 'int', default: 42, check: nonNegativeInt, help: 'seeds initialisation, shuffling and dropout' },
  maxLength: {
    kind: 'int',
    check: (n: number) => (n >= 2 ? undefined : 'an integer >= 2'),
    help: "truncate sentences to N tokens (default: the model's maximum)",
  },
  padToMultipleOf: PAD_TO_MULTIPLE_OF,
  weightDecay: { kind: 'number', default: 0, check: nonNegative, help: 'AdamW decoupled weight decay' },
  warmupSteps: { kind: 'int', default: 0, check: nonNegativeInt, help: 'linear warmup steps before the linear decay' },
  gradClip: { kind: 'number', default: 1, check: nonNegative, help: 'max global gradient norm (0: no clipping)' },
  noDropout: { kind: 'flag', help: 'train without dropout' },
  noShuffle: { kind: 'flag', help: 'batches follow file order' },
  fp16: {
    kind: 'flag',
    help: "mixed precision as the Trainer's fp16=True: f16 matmul/attention operands, f32 weights and optimizer, dynamic loss scaling",
  },
  metricForBestModel: {
    kind: 'string',
    default: 'loss',
    choices: BEST_MODEL_METRICS,
    meta: 'NAME',
    help: 'the validation metric that ranks checkpoints: loss (lower is better), accuracy or f1 (macro F1; higher is better)',
  },
  loadBestModelAtEnd: {
    kind: 'flag',
    help: 'keep the best checkpoint by --metric-for-best-model, and end on its weights (test evaluation, saved model, card)',
  },
  output: { kind: 'string', default: DEFAULT_OUTPUT, meta: 'DIR', help: 'where the model, card, metrics, plot and checkpoints go' },
  resume: { kind: 'flag', help: 'continue the run in --output from its latest checkpoint' },
  overwriteOutputDir: {
    kind: 'flag',
    help: "start a new run in an --output that holds one (the Trainer's overwrite_output_dir): its checkpoints, weights, card and plot go first",
  },
  tune: { kind: 'flag', help: "first tune the kernels for this adapter at this run's shapes (as npm run tune), then train with them" },
} satisfies OptionTable;

export type TrainArgs = Parsed<typeof TRAIN_OPTIONS>;

/** What determines a run's result; saved in checkpoints so that --resume continues the same run. */
export interface TrainSettings extends DataOptions {
  model: string;
  fromScratch: boolean;
  dim?: number;
  layers?: number;
  heads?: number;
  hiddenDim?: number;
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  lr: number;
  maxLength?: number;
  /** Absent in checkpoints written before it existed (then: each batch padded to its longest sentence). */
  padToMultipleOf?: number;
  weightDecay: number;
  warmupSteps: number;
  gradClip: number;
  dropout: boolean;
  shuffle: boolean;
  /** Absent in checkpoints written before --fp16 existed. */
  fp16?: boolean;
  /** Absent in checkpoints written before they existed (then: loss, and no loading). */
  metricForBestModel?: BestModelMetric;
  loadBestModelAtEnd?: boolean;
}

const ARCHITECTURE_FLAGS = ['dim', 'layers', 'heads', 'hiddenDim'] as const;

export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const args = parseCommandLine(
    TRAIN_OPTIONS,
    argv,
    'npm run train -- [options]',
    "Fine-tunes DistilBERT or BERT (config.json's model_type picks which) for sentence classification with the Hugging Face Trainer's semantics.",
  );
  checkDataFlags(args, { training: true });
  if (!args.fromScratch) {
    const given = ARCHITECTURE_FLAGS.find((name) => args.explicit.has(name));
    if (given) throw new UsageError(`${flagName(given)} changes the architecture and needs --from-scratch`);
  }
  if (args.resume && args.overwriteOutputDir) {
    throw new UsageError('--resume continues the run in --output and --overwrite-output-dir starts a new one: pass one of them');
  }
  if (args.dim !== undefined && args.heads !== undefined && args.dim % args.heads !== 0) {
    throw new UsageError(`--heads ${args.heads} must divide --dim ${args.dim}`);
  }
  return args;
}

/** Local folders become absolute paths, so that a run can be resumed from another directory. */
const absoluteIfLocal = (spec: string) => (existsSync(spec) ? path.resolve(spec) : spec);

export function settingsOf(args: TrainArgs): TrainSettings {
  const {
    explicit: _explicit,
    noDropout,
    noShuffle,
    output: _output,
    resume: _resume,
    overwriteOutputDir: _overwrite,
    tune: _tune,
    model,
    ...rest
  } = args;
  const { data, trainFile, validationFile, testFile } = rest;
  return {
    ...rest,
    model: absoluteIfLocal(model),
    data: absoluteIfLocal(data),
    trainFile: trainFile && absoluteIfLocal(trainFile),
    validationFile: validationFile && absoluteIfLocal(validationFile),
    testFile: testFile && absoluteIfLocal(testFile),
    // The parser checked it against the choices.
    metricForBestModel: rest.metricForBestModel as BestModelMetric,
    dropout: !noDropout,
    shuffle: !noShuffle,
  };
}

/**
 * A resumed run continues with its checkpoint's settings; a flag given again must agree with
 * them, since changing a setting halfway would make the result match neither run.
 */
export function checkResumeFlags(args: TrainArgs, saved: TrainSettings): void {
  const given = settingsOf(args);
  for (const name of args.explicit) {
    const key = name === 'noDropout' ? 'dropout' : name === 'noShuffle' ? 'shuffle' : name;
    if (!(key in given)) continue;
    const now = given[key as keyof TrainSettings];
    const then = saved[key as keyof TrainSettings];
    if (now !== then) {
      const shown = TRAIN_OPTIONS[name].kind === 'flag' ? flagName(name) : `${flagName(name)} ${now}`;
      throw new UsageError(
        `${shown} differs from the checkpoint's setting (${then ?? 'unset'}); resume with the same settings or drop the flag`,
      );
    }
  }
}
