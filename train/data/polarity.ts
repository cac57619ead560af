// The Cornell polarity files (rt-polarity.pos, rt-polarity.neg) as Hugging Face's rotten_tomatoes
// splits them, from the files' bytes: no file access here, so a page uses it as train/data/load.ts
// does. The class names are the hub dataset's ClassLabel names, so both sources train one model.

import type { Dataset, Split } from './dataset.ts';
import { textLines } from './text.ts';

/** rotten_tomatoes' ClassLabel names on the hub: id 0 is neg, 1 is pos. */
export const POLARITY_LABELS = ['neg', 'pos'];

/** UTF-8, or Latin-1 for bytes that are not valid UTF-8 (the original Cornell archive is Latin-1). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/**
 * The Hugging Face split of the polarity files' texts: each line stripped, each class cut 80/10/10
 * in file order with Python's rounding int(n * 0.8 + 0.5), positives before negatives.
 */
export function splitPolarity(positive: string, negative: string): Dataset {
  const dataset: Dataset = { train: [], validation: [], test: [], labels: [...POLARITY_LABELS] };
  for (const [text, label] of [
    [positive, 1],
    [negative, 0],
  ] as const) {
    const sentences = textLines(text).map((line) => line.trim());
    const n = sentences.length;
    const i1 = Math.trunc(n * 0.8 + 0.5);
    const i2 = Math.trunc(n * 0.9 + 0.5);
    const ranges: [Split, number, number][] = [
      ['train', 0, i1],
      ['validation', i1, i2],
      ['test', i2, n],
    ];
    for (const [split, start, end] of ranges)
      for (const sentence of sentences.slice(start, end)) dataset[split].push({ text: sentence, label });
  }
  return dataset;
}
