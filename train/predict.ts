// Classifies texts with a saved DistilBERT or BERT sentence classifier:
//   npm run predict -- --model DIR [--json] "text" ...
// For each text it prints the predicted label and the class probabilities (softmax of the logits),
// or with --json one JSON array on stdout and nothing else there (engine messages go to stderr).
// Texts piped on stdin are read as a stream and classified in batches as they arrive.
// Bad input (no model folder, no weights, a broken file, no config.json) is one line on stderr and
// a non-zero exit, never a stack trace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Tensor, assertHalfSupported, autocast, beginScope, closeGpu, initGpu, noGrad } from '../engine/index.ts';
import { openCheckpoint } from '../model/checkpoint.ts';
import type { Model, ModelConfig } from '../model/models.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { warnIfNpmBanner } from './args.ts';
import { type Padding, paddingProblem } from './batch.ts';

const HELP = `usage: npm run predict -- --model DIR [--json] [--batch-size N] [--pad-to-multiple-of N] [--fp16] [TEXT ...]

Classifies each TEXT (with none, each non-empty line of standard input, in batches as the lines
arrive) with the DistilBERT or BERT sequence classifier saved in DIR (config.json,
model.safetensors, vocab.txt and optionally tokenizer_config.json: what training or transformers'
save_pretrained writes) and prints the predicted label and the probability of every label, by the
names in config.json's id2label (a model trained here has its data's class names there).

options:
  --model DIR       the model folder (required)
  --json            print a JSON array of {text, label, probs: {label: p}, logits: [...]} instead
                    (through npm: npm run -s predict -- --json ..., so that npm prints no banner)
  --batch-size N    texts per forward pass (default 32)
  --pad-to-multiple-of N
                    pad each batch to a multiple of N tokens past its longest text, as
                    training's --pad-to-multiple-of (default: to its longest text)
  --fp16            run the forward under autocast (f16 matmul and attention operands)
  -h, --help        show this help and exit`;

class UsageError extends Error {}

interface Prediction {
  text: string;
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

/** Batches of lines of stdin waiting at most: past it, reading pauses until classifying catches up. */
const QUEUED_BATCHES = 4;

/**
 * The non-empty lines of `input` in batches of at most `size`, as they arrive: each batch is what
 * has come by the time the previous one is classified, so a slow pipe is answered line by line and
 * a large file streams through in full batches, never held in memory whole.
 */
async function* lineBatches(input: NodeJS.ReadableStream, size: number): AsyncGenerator<string[]> {
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const reader = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  reader.on('line', (line) => {
    if (line.trim() === '') return;
    lines.push(line);
    if (lines.length >= QUEUED_BATCHES * size) reader.pause();
    wake?.();
  });
  reader.on('close', () => {
    ended = true;
    wake?.();
  });
  while (lines.length > 0 || !ended) {
    if (lines.length === 0) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    const batch = lines.splice(0, size);
    reader.resume();
    yield batch;
  }
}

const NO_TEXT = 'no text to classify: give TEXT arguments or pipe lines on stdin (see --help)';

/** The texts to classify in batches: the arguments, or else the non-empty lines of a piped stdin. */
async function* textsToClassify(fromArgs: string[], size: number): AsyncGenerator<string[]> {
  for (let start = 0; start < fromArgs.length; start += size) yield fromArgs.slice(start, start + size);
  if (fromArgs.length === 0) yield* lineBatches(process.stdin, size);
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
  texts: string[],
  padding: Padding,
  fp16: boolean,
): Promise<Prediction[]> {
  const { labels, numLabels } = model.config;
  const { ids, mask, batch, seqLen } = tokenizer.encodeBatch(texts, padding.maxLength, padding);
  const scope = beginScope();
  let values: Float32Array;
  try {
    const forward = () => model.forward(Tensor.fromArray(ids, [batch, seqLen], 'i32'), Tensor.fromArray(mask, [batch, seqLen], 'i32'));
    const logits = noGrad(() => (fp16 ? autocast(forward) : forward()));
    values = await logits.toFloat32();
  } finally {
    scope.end();
  }
  return texts.map((text, b) => {
    const row = Array.from(values.subarray(b * numLabels, (b + 1) * numLabels));
    const probs = softmax(row);
    const best = probs.indexOf(Math.max(...probs));
    return { text, label: labels[best], probs: Object.fromEntries(labels.map((l, i) => [l, probs[i]])), logits: row };
  });
}

function formatLine({ text, label, probs }: Prediction): string {
  const table = Object.entries(probs)
    .map(([name, p]) => `${name} ${p.toFixed(4)}`)
    .join(', ');
  return `${label}\t(${table})\t${text}`;
}

/**
 * Prints predictions as their batches are classified: a line each, or with --json the text of
 * JSON.stringify(all, null, 2), its array opened at the first prediction and closed by `end`.
 */
class Printer {
  private printed = 0;
  constructor(private readonly json: boolean) {}

  print(predictions: Prediction[]): void {
    if (!this.json) {
      process.stdout.write(predictions.map((p) => `${formatLine(p)}\n`).join(''));
      return;
    }
    const items = predictions.map((p) => JSON.stringify(p, null, 2).replace(/^/gm, '  '));
    process.stdout.write(`${this.printed === 0 ? '[\n' : ',\n'}${items.join(',\n')}`);
    this.printed += predictions.length;
  }

  end(): void {
    if (this.json && this.printed > 0) process.stdout.write('\n]\n');
  }
}

async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(argv);
  if (options === 'help') {
    console.log(HELP);
    return;
  }
  const { modelDir, json, batchSize, padToMultipleOf, fp16 } = options;
  // Everything that can be wrong with the folder or the flags is found before the GPU opens.
  const checkpoint = openCheckpoint(modelDir, { requireHead: true });
  const tokenizer = openTokenizer(modelDir, checkpoint.config);
  const { maxPositionEmbeddings } = checkpoint.config;
  const padding = { maxLength: Math.min(tokenizer.modelMaxLength, maxPositionEmbeddings), padToMultipleOf };
  const problem = paddingProblem(padding, maxPositionEmbeddings);
  if (problem) throw new UsageError(problem);
  if (options.texts.length === 0 && process.stdin.isTTY) throw new UsageError(NO_TEXT);
  const batches = textsToClassify(options.texts, batchSize);
  // The first batch comes before the GPU opens, so that an empty stdin is found at once.
  let next = await batches.next();
  if (next.done) throw new UsageError(NO_TEXT);

  await initGpu();
  try {
    if (fp16) assertHalfSupported('--fp16');
    const model = checkpoint.createModel();
    if (json) warnIfNpmBanner('predict');
    const printer = new Printer(json);
    for (; !next.done; next = await batches.next()) printer.print(await classify(model, tokenizer, next.value, padding, fp16));
    printer.end();
    model.release();
  } finally {
    closeGpu();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`predict: ${error.message}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
