// `npm run eval -- --model DIR [--data ID|DIR|FILE] [--split validation|test] [--json]`: loss,
// accuracy, macro F1 and per-class precision/recall/F1 of a saved sequence classifier on one split,
// computed as training's evaluation does (train/evaluate.ts), the data's labels read as the model's
// class names. Without data flags, the data the model was trained on, as its run recorded it
// (trainer_state.json, in the output folder or its checkpoint), else rotten_tomatoes. With --json,
// stdout holds only {"loss", "accuracy", "f1", "perClass", "n"} (through npm: `npm run -s eval`,
// or npm prints its banner there too).
import path from 'node:path';
import { assertHalfSupported, initGpu } from '../engine/index.ts';
import { CONFIG_FILE, loadModel } from '../model/checkpoint.ts';
import { readConfig } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { UsageError, nonNegativeInt, parseCommandLine, positiveInt, runCommand, warnIfNpmBanner, type OptionTable } from './args.ts';
import { recordedState } from './checkpoints.ts';
import { type DataOptions, loadDataset } from './data/load.ts';
import { DATA_OPTIONS, checkDataFlags } from './data/options.ts';
import { paddingProblem } from './batch.ts';
import { evaluate } from './evaluate.ts';
import { scoresTable } from './scores.ts';
import { DEFAULT_OUTPUT, PAD_TO_MULTIPLE_OF } from './settings.ts';

const EVAL_OPTIONS = {
  model: { kind: 'string', default: DEFAULT_OUTPUT, meta: 'DIR', help: 'a model folder written by npm run train (or save_pretrained)' },
  ...DATA_OPTIONS,
  seed: {
    kind: 'int',
    default: 42,
    check: nonNegativeInt,
    help: "for a source without a validation split: the training run's --seed, which chose the held-out rows",
  },
  split: { kind: 'string', default: 'validation', choices: ['validation', 'test'], meta: 'SPLIT', help: 'validation or test' },
  batchSize: { kind: 'int', default: 64, check: positiveInt, help: 'sentences per forward pass' },
  maxLength: {
    kind: 'int',
    check: (n: number) => (n >= 2 ? undefined : 'an integer >= 2'),
    help: "truncate sentences to N tokens (default: the model's maximum)",
  },
  padToMultipleOf: PAD_TO_MULTIPLE_OF,
  json: {
    kind: 'flag',
    help: 'print {"loss", "accuracy", "f1", "perClass", "n"} as JSON on stdout, and nothing else there (through npm: npm run -s eval)',
  },
  fp16: { kind: 'flag', help: 'run the forward under autocast (f16 matmul and attention operands), as training with --fp16 evaluates' },
} satisfies OptionTable;

async function main(argv: string[]): Promise<void> {
  const args = parseCommandLine(
    EVAL_OPTIONS,
    argv,
    'npm run eval -- [options]',
    'Evaluates a saved DistilBERT or BERT sentence classifier on one split: loss, accuracy, macro F1 and per-class precision, recall and F1.',
  );
  // Everything that can be checked on the CPU is, before the GPU opens.
  const config = readConfig(path.join(args.model, CONFIG_FILE));
  const tokenizer = WordPieceTokenizer.fromDir(args.model);
  checkDataFlags(args, { training: false });
  const recorded = recordedData(args.model, args.explicit);
  const data: DataOptions = recorded?.settings ?? args;
  // Labels are read as the model's classes, by name.
  const examples = (await loadDataset(data, { labels: config.labels, heldOut: recorded?.heldOut }))[args.split as 'validation' | 'test'];
  if (examples.length === 0) throw new Error(`--data ${data.data}: no labelled ${args.split} split to evaluate on`);
  const maxLength = args.maxLength ?? Math.min(tokenizer.modelMaxLength, config.maxPositionEmbeddings);
  if (maxLength > config.maxPositionEmbeddings) {
    throw new UsageError(`--max-length ${maxLength} is over the model's max_position_embeddings ${config.maxPositionEmbeddings}`);
  }
  const padding = { maxLength, padToMultipleOf: args.padToMultipleOf };
  const problem = paddingProblem(padding, config.maxPositionEmbeddings);
  if (problem) throw new UsageError(problem);
  await initGpu();
  if (args.fp16) assertHalfSupported('--fp16');
  const model = loadModel(args.model, { requireHead: true });
  const {
    loss,
    accuracy,
    f1,
    perClass,
    examples: n,
  } = await evaluate(model, tokenizer, examples, {
    batchSize: args.batchSize,
    ...padding,
    fp16: args.fp16,
  });
  const summary = `${args.split}: loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(4)} (${Math.round(accuracy * n)}/${n}), macro F1 ${f1.toFixed(4)}`;
  if (args.json) warnIfNpmBanner('eval');
  const lines = args.json ? [JSON.stringify({ loss, accuracy, f1, perClass, n })] : [summary, ...scoresTable(perClass)];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The state of the run that trained the model in `dir`, when no data flag was given: its settings
 * name the data, and for a source without a validation split its held-out rows.
 */
function recordedData(dir: string, explicit: ReadonlySet<string>) {
  if ([...Object.keys(DATA_OPTIONS), 'seed'].some((flag) => explicit.has(flag))) return undefined;
  return recordedState(dir);
}

runCommand('eval', main);
