// Examples to GPU tensors: each example tokenized once per run (a single sentence, or a pair as
// [CLS] a [SEP] b [SEP] with its token type ids), and a batch padded to its longest row, or with
// --pad-to-multiple-of to the next multiple (model/tokenizer.ts's paddedLength).
import { Tensor } from '../engine/index.ts';
import { type PaddingOptions, type PairEncoding, type WordPieceTokenizer, paddedLength } from '../model/tokenizer.ts';
import type { Example } from './data/dataset.ts';

/** A sentence or a sentence pair to classify: an example without its label. */
export type TextInput = Pick<Example, 'text' | 'textPair'>;

export interface Batch {
  ids: Tensor;
  mask: Tensor;
  /** Token type ids (0: first sentence, 1: second), for batches of sentence pairs only. */
  tokenTypeIds?: Tensor;
  labels: Tensor;
  size: number;
}

/**
 * Each example's encoding, with the tokenizer and length limit it was made with: a run sees every
 * example once an epoch (and its evaluation sets once an evaluation), and tokenizes it once.
 */
const encoded = new WeakMap<TextInput, { tokenizer: WordPieceTokenizer; maxLength: number; encoding: PairEncoding }>();

/** An example's token ids and type ids, truncated to `maxLength`. */
export function encodeExample(tokenizer: WordPieceTokenizer, example: TextInput, maxLength: number): PairEncoding {
  const known = encoded.get(example);
  if (known?.tokenizer === tokenizer && known.maxLength === maxLength) return known.encoding;
  let encoding: PairEncoding;
  if (example.textPair === undefined) {
    const ids = tokenizer.encode(example.text, { maxLength });
    encoding = { ids, typeIds: ids.map(() => 0) };
  } else encoding = tokenizer.encodePair(example.text, example.textPair, { maxLength });
  encoded.set(example, { tokenizer, maxLength, encoding });
  return encoding;
}

/** How a batch's rows are cut (at `maxLength` tokens) and padded. */
export interface Padding extends PaddingOptions {
  maxLength: number;
}

/**
 * Why sentences cut at `maxLength` tokens cannot be padded as asked, in one line (the caller
 * names the flags), or nothing: a padded row must fit the model's position embeddings.
 */
export function paddingProblem({ maxLength, padToMultipleOf }: Padding, maxPositionEmbeddings: number): string | undefined {
  const longest = paddedLength(maxLength, padToMultipleOf);
  if (longest <= maxPositionEmbeddings) return undefined;
  return (
    `--pad-to-multiple-of ${padToMultipleOf} pads a batch of ${maxLength}-token sentences to ${longest} tokens, ` +
    `past the model's max_position_embeddings ${maxPositionEmbeddings} (a multiple that divides it always fits)`
  );
}

/** A batch's model inputs: a batch without its labels, what `npm run predict` classifies. */
export type Inputs = Omit<Batch, 'labels'>;

/** Tokenizes sentences or sentence pairs (truncation at maxLength, dynamic padding) into GPU tensors. */
export function toInputs(tokenizer: WordPieceTokenizer, texts: readonly TextInput[], { maxLength, padToMultipleOf }: Padding): Inputs {
  const encodings = texts.map((e) => encodeExample(tokenizer, e, maxLength));
  const { ids, mask, typeIds, batch, seqLen } = tokenizer.padBatch(
    encodings.map((e) => e.ids),
    encodings.map((e) => e.typeIds),
    { padToMultipleOf },
  );
  const pairs = texts.some((e) => e.textPair !== undefined);
  return {
    ids: Tensor.fromArray(ids, [batch, seqLen], 'i32'),
    mask: Tensor.fromArray(mask, [batch, seqLen], 'i32'),
    ...(pairs ? { tokenTypeIds: Tensor.fromArray(typeIds, [batch, seqLen], 'i32') } : {}),
    size: batch,
  };
}

/** Tokenizes a batch of examples, as `toInputs`, with their labels. */
export function toBatch(tokenizer: WordPieceTokenizer, examples: readonly Example[], padding: Padding): Batch {
  const labels = examples.map((e) => e.label);
  return { ...toInputs(tokenizer, examples, padding), labels: Tensor.fromArray(labels, [labels.length], 'i32') };
}
