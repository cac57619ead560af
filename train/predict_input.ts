// What `npm run predict` classifies: its TEXT arguments, or else the non-empty lines of standard
// input, read as a stream. Each is one sentence, or a sentence pair written `first<TAB>second` (a
// line of a two-column TSV, as `cut -f` or `paste` give it), encoded [CLS] first [SEP] second [SEP].
// A model folder whose run recorded its data (trainer_state.json) says which of the two its model
// was trained on, and every input must be of that kind; a folder without a record (transformers'
// save_pretrained) takes either, a tab making a pair.
import * as readline from 'node:readline';
import { UsageError } from './args.ts';
import type { TextInput } from './batch.ts';

/** What a model was trained on: sentence pairs, single sentences, or (no record) either. */
export type InputKind = 'pairs' | 'sentences' | 'either';

/** An input as it was written, and where, for messages: "text 2" or "line 7". */
export interface Written {
  where: string;
  line: string;
}

const PAIR_FORM = 'a sentence pair is written first<TAB>second';

/** The sentence or pair that `written` holds, or a one-line error when it is not of the model's kind. */
export function parseInput({ where, line }: Written, kind: InputKind): TextInput {
  const parts = line.split('\t');
  if (parts.length > 2) throw new UsageError(`${where} holds ${parts.length - 1} tabs: ${PAIR_FORM}`);
  if (parts.length === 2) {
    if (kind === 'sentences') {
      throw new UsageError(`${where} holds a tab, but this model was trained on single sentences (${PAIR_FORM})`);
    }
    if (parts.some((part) => part.trim() === '')) throw new UsageError(`${where}: a sentence of the pair is empty (${PAIR_FORM})`);
    return { text: parts[0], textPair: parts[1] };
  }
  if (kind === 'pairs') throw new UsageError(`${where} is one sentence, but this model was trained on sentence pairs: ${PAIR_FORM}`);
  return { text: line };
}

/** Batches of stdin's lines waiting at most: past it, reading pauses until classifying catches up. */
const QUEUED_BATCHES = 4;

/**
 * The non-empty lines of `input` in batches of at most `size`, as they arrive: each batch is what
 * has come by the time the previous one is classified, so a slow pipe is answered line by line and
 * a large file streams through in full batches, never held in memory whole.
 */
export async function* lineBatches(input: NodeJS.ReadableStream, size: number): AsyncGenerator<Written[]> {
  const lines: Written[] = [];
  let read = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const reader = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  reader.on('line', (line) => {
    read++;
    if (line.trim() === '') return;
    lines.push({ where: `line ${read}`, line });
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

/** The inputs in batches of at most `size`: the arguments, or else the non-empty lines of `stdin`. */
export async function* inputBatches(
  args: string[],
  stdin: NodeJS.ReadableStream,
  size: number,
  kind: InputKind,
): AsyncGenerator<TextInput[]> {
  const written = args.map((line, i) => ({ where: `text ${i + 1}`, line }));
  // Arguments are all checked before the first is classified.
  const inputs = written.map((w) => parseInput(w, kind));
  for (let start = 0; start < inputs.length; start += size) yield inputs.slice(start, start + size);
  if (args.length > 0) return;
  for await (const batch of lineBatches(stdin, size)) yield batch.map((w) => parseInput(w, kind));
}
