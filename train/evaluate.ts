// Loss and accuracy of a model on a list of examples, as the Trainer's evaluation loop computes
// them: no dropout, no gradients, batches in file order padded to their longest sentence, the
// loss averaged over examples (each batch's mean weighted by its size), accuracy from the argmax.
// With fp16 the forward runs under autocast, as the Trainer evaluates with fp16=True.
import { Tensor, autocast, crossEntropy, noGrad, scoped } from '../engine/index.ts';
import type { Model } from '../model/models.ts';
import type { WordPieceTokenizer } from '../model/tokenizer.ts';
import type { Example } from './data.ts';

export interface EvalResult {
  loss: number;
  accuracy: number;
  examples: number;
}

export interface Batch {
  ids: Tensor;
  mask: Tensor;
  labels: Tensor;
  size: number;
}

/**
 * Each example's token ids, with the tokenizer and length limit they were made with: a run sees
 * every example once an epoch (and its evaluation sets once an evaluation), and tokenizes it once.
 */
const encoded = new WeakMap<Example, { tokenizer: WordPieceTokenizer; maxLength: number; ids: number[] }>();

function idsOf(tokenizer: WordPieceTokenizer, example: Example, maxLength: number): number[] {
  const known = encoded.get(example);
  if (known?.tokenizer === tokenizer && known.maxLength === maxLength) return known.ids;
  const ids = tokenizer.encode(example.text, { maxLength });
  encoded.set(example, { tokenizer, maxLength, ids });
  return ids;
}

/** Tokenizes a batch of examples (dynamic padding, truncation at maxLength) into GPU tensors. */
export function toBatch(tokenizer: WordPieceTokenizer, examples: readonly Example[], maxLength: number): Batch {
  const { ids, mask, batch, seqLen } = tokenizer.padBatch(examples.map((e) => idsOf(tokenizer, e, maxLength)));
  return {
    ids: Tensor.fromArray(ids, [batch, seqLen], 'i32'),
    mask: Tensor.fromArray(mask, [batch, seqLen], 'i32'),
    labels: Tensor.fromArray(
      examples.map((e) => e.label),
      [batch],
      'i32',
    ),
    size: batch,
  };
}

/** The index of the largest value in each row (the first on ties, as numpy's argmax). */
function argmaxRows(values: Float32Array, columns: number): number[] {
  const out: number[] = [];
  for (let row = 0; row * columns < values.length; row++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[row * columns + c] > values[row * columns + best]) best = c;
    out.push(best);
  }
  return out;
}

export async function evaluate(
  model: Model,
  tokenizer: WordPieceTokenizer,
  examples: readonly Example[],
  { batchSize, maxLength, fp16 = false }: { batchSize: number; maxLength: number; fp16?: boolean },
): Promise<EvalResult> {
  const numLabels = model.config.numLabels;
  let lossSum = 0;
  let correct = 0;
  // Batch i+1 is recorded before batch i's results are awaited, so the GPU is never idle waiting.
  let previous: Promise<void> | undefined;
  for (let start = 0; start < examples.length; start += batchSize) {
    const chunk = examples.slice(start, start + batchSize);
    const reads = scoped(() =>
      noGrad(() => {
        const batch = toBatch(tokenizer, chunk, maxLength);
        const forward = () => model.forward(batch.ids, batch.mask, { training: false });
        const logits = fp16 ? autocast(forward) : forward();
        const loss = crossEntropy(logits, batch.labels);
        return Promise.all([logits.toFloat32(), loss.item()]);
      }),
    );
    const done = reads.then(([logits, loss]) => {
      lossSum += loss * chunk.length;
      argmaxRows(logits, numLabels).forEach((predicted, i) => (correct += predicted === chunk[i].label ? 1 : 0));
    });
    // Awaited after the next batch is recorded; until then a failure is not an unhandled rejection.
    done.catch(() => undefined);
    await previous;
    previous = done;
  }
  await previous;
  return { loss: lossSum / examples.length, accuracy: correct / examples.length, examples: examples.length };
}

/** Checks that every label is a class of the model, before any GPU work. */
export function checkLabels(examples: readonly Example[], numLabels: number, what: string): void {
  const bad = examples.findIndex((e) => e.label >= numLabels);
  if (bad >= 0)
    throw new Error(
      `${what}: example ${bad + 1} has label ${examples[bad].label}, but the model has ${numLabels} labels (0..${numLabels - 1})`,
    );
}
