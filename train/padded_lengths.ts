// The padded lengths an epoch's batches will have, before any is made: what `--tune` and
// `npm run tune` tune the kernels at (tune/tuner.ts `representativeLengths`).
import { type WordPieceTokenizer, paddedLength } from '../model/tokenizer.ts';
import { type Padding, encodeExample } from './batch.ts';
import type { Example } from './data/dataset.ts';
import { batchesOf, epochOrder } from './shuffle.ts';

/** The padded length of each training batch of the first epoch, as train/train.ts makes them. */
export function paddedBatchLengths(
  examples: readonly Example[],
  tokenizer: WordPieceTokenizer,
  { maxLength, padToMultipleOf }: Padding,
  batchSize: number,
  seed: number,
): number[] {
  const lengths = examples.map((e) => encodeExample(tokenizer, e, maxLength).ids.length);
  return batchesOf(epochOrder(examples.length, seed, 0, true), batchSize).map((batch) =>
    paddedLength(Math.max(...batch.map((i) => lengths[i])), padToMultipleOf),
  );
}
