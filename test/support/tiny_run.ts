// The tiny from-scratch training run that the CLI tests start as child processes: a one-layer,
// 32-wide DistilBERT on the first few hundred real rotten_tomatoes sentences from ../shared.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli_process.ts';

const shared = path.resolve(repoRoot, '..', 'shared');
/** distilbert-base-uncased's config and tokenizer (no weights): what --from-scratch starts from. */
export const baseModelDir = path.join(shared, 'models', 'distilbert-base-uncased');

/**
 * A Cornell-format folder `work/rt` with the first `perClass` sentences of each class; the
 * Hugging Face split rule gives 80% of them to train, 10% each to validation and test.
 */
export function tinyDataset(work: string, perClass: number): string {
  const dataDir = path.join(work, 'rt');
  mkdirSync(dataDir);
  for (const file of ['rt-polarity.pos', 'rt-polarity.neg']) {
    const lines = readFileSync(path.join(shared, 'data', 'rotten_tomatoes', file), 'utf8')
      .split('\n')
      .slice(0, perClass);
    writeFileSync(path.join(dataDir, file), `${lines.join('\n')}\n`);
  }
  return dataDir;
}

/** `npm run train` flags for the tiny model from scratch, sentences cut at 32 tokens. */
export const TINY_MODEL_ARGS = [
  ...['--model', baseModelDir, '--from-scratch'],
  ...['--dim', '32', '--layers', '1', '--heads', '2', '--hidden-dim', '64', '--max-length', '32'],
];

/** `npm run train` flags for the tiny model on `dataDir`. */
export function tinyTrainArgs(dataDir: string, { lr = '1e-2', batchSize = '16', epochs = '3' } = {}): string[] {
  return [...TINY_MODEL_ARGS, '--data', dataDir, '--batch-size', batchSize, '--lr', lr, '--epochs', epochs];
}
