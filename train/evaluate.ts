// Loss and scores of a model on a list of examples, as the Trainer's evaluation loop computes
// them: no dropout, no gradients, batches in file order padded as training pads them (train/batch.ts),
// the loss averaged over examples (each batch's mean weighted by its size), the predictions from
// the argmax, scored as scikit-learn scores them (train/scores.ts: accuracy, macro F1, per class).
// With fp16 the forward runs under autocast, as the Trainer evaluates with fp16=True.
import { autocast, crossEntropy, noGrad, scoped } from '../engine/index.ts';
import type { Model } from '../model/models.ts';
import type { WordPieceTokenizer } from '../model/tokenizer.ts';
import { type Padding, toBatch } from './batch.ts';
import type { Example } from './data/dataset.ts';
import { type Scores, classificationScores } from './scores.ts';

export interface EvalResult extends Scores {
  loss: number;
  examples: number;
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
  { batchSize, fp16 = false, ...padding }: { batchSize: number; fp16?: boolean } & Padding,
): Promise<EvalResult> {
  const numLabels = model.config.numLabels;
  let lossSum = 0;
  const predicted: number[] = [];
  // Batch i+1 is recorded before batch i's results are awaited, so the GPU is never idle waiting.
  let previous: Promise<void> | undefined;
  for (let start = 0; start < examples.length; start += batchSize) {
    const chunk = examples.slice(start, start + batchSize);
    const reads = scoped(() =>
      noGrad(() => {
        const batch = toBatch(tokenizer, chunk, padding);
        const forward = () => model.forward(batch.ids, batch.mask, { training: false, tokenTypeIds: batch.tokenTypeIds });
        const logits = fp16 ? autocast(forward) : forward();
        const loss = crossEntropy(logits, batch.labels);
        return Promise.all([logits.toFloat32(), loss.item()]);
      }),
    );
    const done = reads.then(([logits, loss]) => {
      lossSum += loss * chunk.length;
      predicted.push(...argmaxRows(logits, numLabels));
    });
    // Awaited after the next batch is recorded; until then a failure is not an unhandled rejection.
    done.catch(() => undefined);
    await previous;
    previous = done;
  }
  await previous;
  const scores = classificationScores(
    predicted,
    examples.map((e) => e.label),
    model.config.labels,
  );
  return { loss: lossSum / examples.length, ...scores, examples: examples.length };
}
