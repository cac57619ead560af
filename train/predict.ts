// Classifies texts with a saved DistilBERT or BERT sentence classifier:
//   npm run predict -- --model DIR [--json] "text" "first<TAB>second" ...
// For each text, or sentence pair, it prints the predicted label and the class probabilities
// (softmax of the logits) by the names in config.json's id2label, or with --json one JSON array on
// stdout and nothing else there (engine messages go to stderr). Texts piped on stdin are read as a
// stream and classified in batches as they arrive (train/predict_input.ts, which also says how a
// pair is written). Bad input (no model folder, no weights, a broken file, no config.json, a
// sentence where the model takes pairs) is one line on stderr and a non-zero exit, never a stack
// trace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { assertHalfSupported, autocast, beginScope, closeGpu, initGpu, noGrad } from '../engine/index.ts';
import { openCheckpoint } from '../model/checkpoint.ts';
import type { Model, ModelConfig } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { UsageError, isMainModule, warnIfNpmBanner } from './args.ts';
import { type Padding, type TextInput, paddingProblem, toInputs } from './batch.ts';
import { recordedState } from './checkpoints.ts';
import { type InputKind, inputBatches } from './predict_input.ts';

const HELP = `usage: npm run predict -- --model DIR [--json] [--batch-size N] [--pad-to-multiple-of N] [--fp16] [TEXT ...]

Classifies each TEXT (with none, each non-empty line of standard input, in batches as the lines
arrive) with the DistilBERT or BERT sequence classifier saved in DIR (config.json,
model.safetensors, vocab.txt and optionally tokenizer_config.json: what training or transformers'
save_pretrained writes) and prints the predicted label and the probability of every label, by the
names in config.json's id2label (a model trained here has its data's class names there).

A sentence pair is one TEXT or line with a tab between its sentences, first<TAB>second (in bash,
$'first\tsecond'; from a TSV file, cut -f). A model trained here on pairs takes only pairs, one
trained on single sentences only single sentences.

options:
  --model DIR       the model folder (required)
  --json            print a JSON array of {text, textPair?, label, probs: {label: p}, logits: [...]}
                    instead (through npm: npm run -s predict -- --json ..., so that npm prints no banner)
  --batch-size N    texts per forward pass (default 32)
  --pad-to-multiple-of N
                    pad each batch to a multiple of N tokens past its longest text, as
                    training's --pad-to-multiple-of (default: to its longest text)
  --fp16            run the forward under autocast (f16 matmul and attention operands)
  -h, --help        show this help and exit`;

interface Prediction extends TextInput {
  label: string;
  probs: Record<string, number>;
  logits: number[];
}

interface Options {
  modelDir: string;
  json: boolean;
  batchSize: number;
  padToMultipleOf?: number;
  fp16: boolean;
  texts: string[];
}

function parseCommandLine(argv: string[]): Options | 'help' {
  // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the parseArgs call below (its options decide the type)
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: '32' },
        'pad-to-multiple-of': { type: 'string' },
        fp16: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // node:util's messages run on with advice about "--"; keep the first sentence.
    throw new UsageError(`${(error as Error).message.split(/\.\s/)[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (!values.model) throw new UsageError('--model DIR is required (see --help)');
  const batchSize = positiveInt('batch-size', values['batch-size']);
  const padding = values['pad-to-multiple-of'];
  const padToMultipleOf = padding === undefined ? undefined : positiveInt('pad-to-multiple-of', padding);
  return { modelDir: values.model, json: values.json, batchSize, padToMultipleOf, fp16: values.fp16, texts: positionals };
}

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${flag}: expected a positive integer, got '${text}'`);
  return value;
}

/** Checks the folder's small files on the CPU, before the GPU is opened. */
function openTokenizer(dir: string, config: ModelConfig): WordPieceTokenizer {
  if (!fs.existsSync(path.join(dir, 'vocab.txt'))) throw new Error(`${dir}: no vocab.txt in the model folder`);
  const tokenizer = WordPieceTokenizer.fromDir(dir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(`${dir}: vocab.txt has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ${config.vocabSize}`);
  }
  return tokenizer;
}

function softmax(logits: number[]): number[] {
  const top = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

async function classify(
  model: Model,
  tokenizer: WordPieceTokenizer,
  inputs: TextInput[],
  padding: Padding,
  fp16: boolean,
): Promise<Prediction[]> {
  const { labels, numLabels } = model.config;
  const scope = beginScope();
  let values: Float32Array;
  try {
    const { ids, mask, tokenTypeIds } = toInputs(tokenizer, inputs, padding);
    const forward = () => model.forward(ids, mask, { tokenTypeIds });
    const logits = noGrad(() => (fp16 ? autocast(forward) : forward()));
    values = await logits.toFloat32();
  } finally {
    scope.end();
  }
  return inputs.map((input, b) => {
    const row = Array.from(values.subarray(b * numLabels, (b + 1) * numLabels));
    const probs = softmax(row);
    const best = probs.indexOf(Math.max(...probs));
    return { ...input, label: labels[best], probs: Object.fromEntries(labels.map((l, i) => [l, probs[i]])), logits: row };
  });
}

/** `label<TAB>(probabilities)<TAB>text`, and `<TAB>second sentence` for a pair. */
function formatLine({ text, textPair, label, probs }: Prediction): string {
  const table = Object.entries(probs)
    .map(([name, p]) => `${name} ${p.toFixed(4)}`)
    .join(', ');
  return [label, `(${table})`, text, ...(textPair === undefined ? [] : [textPair])].join('\t');
}

/**
 * Prints predictions as their batches are classified: a line each, or with --json the text of
 * JSON.stringify(all, null, 2), its array opened at the first prediction and closed by `end`.
 */
class Printer {
  private printed = 0;
  constructor(
    private readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream,
  ) {}

  print(predictions: Prediction[]): void {
    if (!this.json) {
      this.stdout.write(predictions.map((p) => `${formatLine(p)}\n`).join(''));
      return;
    }
    const items = predictions.map((p) => JSON.stringify(p, null, 2).replace(/^/gm, '  '));
    this.stdout.write(`${this.printed === 0 ? '[\n' : ',\n'}${items.join(',\n')}`);
    this.printed += predictions.length;
  }

  end(): void {
    if (this.json && this.printed > 0) this.stdout.write('\n]\n');
  }
}

const NO_TEXT = 'no text to classify: give TEXT arguments or pipe lines on stdin (see --help)';

/** What the model in `dir` was trained on, as the run that wrote it recorded. */
function inputKind(dir: string): InputKind {
  const pairs = recordedState(dir)?.pairs;
  return pairs === undefined ? 'either' : pairs ? 'pairs' : 'sentences';
}

/** Standard input and output, or the streams a test gives. */
export interface PredictStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
}

/**
 * `npm run predict` with these arguments, in this process: what the command runs, and what tests
 * call. The GPU is opened, and left open for the caller to close.
 */
export async function runPrediction(argv: string[], { stdin, stdout }: PredictStreams = process): Promise<void> {
  const options = parseCommandLine(argv);
  if (options === 'help') {
    stdout.write(`${HELP}\n`);
    return;
  }
  const { modelDir, json, batchSize, padToMultipleOf, fp16 } = options;
  // Everything that can be wrong with the folder, the flags or the arguments is found before the GPU opens.
  const checkpoint = openCheckpoint(modelDir, { requireHead: true });
  const tokenizer = openTokenizer(modelDir, checkpoint.config);
  const { maxPositionEmbeddings } = checkpoint.config;
  const padding = { maxLength: Math.min(tokenizer.modelMaxLength, maxPositionEmbeddings), padToMultipleOf };
  const problem = paddingProblem(padding, maxPositionEmbeddings);
  if (problem) throw new UsageError(problem);
  if (options.texts.length === 0 && stdin.isTTY) throw new UsageError(NO_TEXT);
  const batches = inputBatches(options.texts, stdin, batchSize, inputKind(modelDir));
  // The first batch comes before the GPU opens, so that an empty stdin is found at once.
  let next = await batches.next();
  if (next.done) throw new UsageError(NO_TEXT);

  await initGpu();
  if (fp16) assertHalfSupported('--fp16');
  const model = checkpoint.createModel();
  try {
    if (json) warnIfNpmBanner('predict');
    const printer = new Printer(json, stdout);
    for (; !next.done; next = await batches.next()) printer.print(await classify(model, tokenizer, next.value, padding, fp16));
    printer.end();
  } finally {
    model.release();
  }
}

if (isMainModule(import.meta.url)) {
  runPrediction(process.argv.slice(2)).then(closeGpu, (error: Error) => {
    console.error(`predict: ${error.message}`);
    closeGpu();
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
