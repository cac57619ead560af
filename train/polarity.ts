// The Cornell polarity files (rt-polarity.pos, rt-polarity.neg) as Hugging Face's rotten_tomatoes
// splits them, from the files' bytes: no file access here, so a page uses it as train/data.ts does.

import type { Dataset } from './data.ts';

/** UTF-8, or Latin-1 for bytes that are not valid UTF-8 (the original Cornell archive is Latin-1). */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** Lines as Python's `for line in f` gives them: no empty line after a final newline. */
export function textLines(text: string): string[] {
  const all = text.split(/\r\n|\r|\n/);
  if (all.at(-1) === '') all.pop();
  return all;
}

/**
 * The Hugging Face split of the polarity files' texts: each line stripped, each class cut 80/10/10
 * in file order with Python's rounding int(n * 0.8 + 0.5), positives before negatives.
 */
export function splitPolarity(positive: string, negative: string): Dataset {
  const dataset: Dataset = { train: [], validation: [], test: [] };
  for (const [text, label] of [
    [positive, 1],
    [negative, 0],
  ] as const) {
    const sentences = textLines(text).map((line) => line.trim());
    const n = sentences.length;
    const i1 = Math.trunc(n * 0.8 + 0.5);
    const i2 = Math.trunc(n * 0.9 + 0.5);
    const ranges: [keyof Dataset, number, number][] = [
      ['train', 0, i1],
      ['validation', i1, i2],
      ['test', i2, n],
    ];
    for (const [split, start, end] of ranges)
      for (const sentence of sentences.slice(start, end)) dataset[split].push({ text: sentence, label });
  }
  return dataset;
}
