// Data files on disk, and which split each file of a folder (or of a hub repo) holds. A file's
// split comes from the words of its path, as the Hugging Face `datasets` library assigns them:
// "train", "validation"/"dev"/"valid", "test" (train.csv, dev.tsv, data/test-00000-of-00001.parquet,
// default/train/0000.parquet); files whose folders differ otherwise belong to different
// configurations (GLUE's cola/..., mrpc/...), of which --data-config picks one.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile } from 'hyparquet';
import { parseDelimited } from './csv.ts';
import { SPLITS, type Split } from './dataset.ts';
import { parseJson, parseJsonLines } from './json.ts';
import { readParquet } from './parquet.ts';
import type { Table } from './table.ts';
import { decodeUtf8 } from './text.ts';

const TEXT_READERS: Record<string, (text: string, file: string) => Table> = {
  '.csv': (text, file) => parseDelimited(text, file, ','),
  '.tsv': (text, file) => parseDelimited(text, file, '\t'),
  '.jsonl': parseJsonLines,
  '.json': parseJson,
};
export const DATA_EXTENSIONS = [...Object.keys(TEXT_READERS), '.parquet'];

/** The table in a data file, read by its extension; `name` names it in errors (default: the path). */
export async function readTable(file: string, name = file): Promise<Table> {
  const extension = path.extname(file).toLowerCase();
  const readText = TEXT_READERS[extension];
  if (readText === undefined && extension !== '.parquet') {
    throw new Error(`${name}: not a data file (expected ${DATA_EXTENSIONS.join(', ')})`);
  }
  let table: Table;
  try {
    table = readText ? readText(decodeUtf8(readFileSync(file), name), name) : await readParquet(await asyncBufferFromFile(file), name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${name}: no such file`);
    if (code === 'EISDIR') throw new Error(`${name}: a folder, not a data file`);
    throw err;
  }
  if (table.rows.length === 0) throw new Error(`${name}: empty file (no rows)`);
  return table;
}

/** Words of a path: split at '/', '-', '_', '.', spaces and digits, lower-cased. */
const words = (part: string) =>
  part
    .toLowerCase()
    .split(/[\s/\\._\-\d]+/)
    .filter(Boolean);

const SPLIT_WORDS: Record<Split, string[]> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'val', 'dev'],
  test: ['test', 'testing', 'eval', 'evaluation'],
};

/** The split a path names: its file name's words first, then its folders', nearest first. */
export function splitOfPath(relative: string): Split | undefined {
  const parts = relative.split('/').reverse();
  for (const part of parts) {
    const found = SPLITS.find((split) => words(part).some((w) => SPLIT_WORDS[split].includes(w)));
    if (found) return found;
  }
  return undefined;
}

/** The configuration a file belongs to: its folders, less those that name a split. */
const configOfPath = (relative: string) =>
  relative
    .split('/')
    .slice(0, -1)
    .filter((folder) => splitOfPath(folder) === undefined)
    .join('/');

/** Relative paths of data files, by split. */
export type SplitFiles = Partial<Record<Split, string[]>>;

/** Data files by split: where each is read from, and the name messages give it. */
export type SplitSources = Partial<Record<Split, { path: string; name: string }[]>>;

/**
 * The data files among `paths` (relative, '/'-separated) by split, within one configuration:
 * `config`, or the only one there is. `source` names the folder or repo in errors.
 */
export function filesBySplit(paths: readonly string[], source: string, config?: string): SplitFiles {
  const data = paths.filter((p) => DATA_EXTENSIONS.includes(path.extname(p).toLowerCase()) && splitOfPath(p) !== undefined);
  const configs = [...new Set(data.map(configOfPath))];
  let chosen: string;
  if (config !== undefined) {
    const matching = configs.filter((c) => c.split('/').includes(config));
    if (matching.length !== 1) {
      const known = configs.length > 0 ? configs.map((c) => c || '(top folder)').join(', ') : 'none';
      throw new Error(`--data-config ${config}: ${source} has no configuration of that name (its data folders: ${known})`);
    }
    chosen = matching[0];
  } else if (configs.length > 1) {
    const names = configs.map((c) => c.split('/').at(-1) || '(top folder)');
    throw new Error(`${source} has several configurations (${names.join(', ')}); choose one with --data-config`);
  } else chosen = configs[0] ?? '';
  const out: SplitFiles = {};
  for (const split of SPLITS) {
    const paths = data.filter((p) => configOfPath(p) === chosen && splitOfPath(p) === split);
    if (paths.length > 0) out[split] = paths;
  }
  return out;
}

/** Every file under `dir`, as relative '/'-separated paths; hidden files and folders left out. */
export function listFolder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => !entry.split(path.sep).some((part) => part.startsWith('.')) && statSync(path.join(dir, entry)).isFile())
    .map((entry) => entry.split(path.sep).join('/'))
    .sort();
}
