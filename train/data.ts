// Loads a text-classification dataset as train/validation/test lists of {text, label}: either
// rotten_tomatoes from the Hugging Face hub (parquet, through the HF cache) or a local folder
// holding the original Cornell polarity files or one JSON-lines file per split.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, type FileMetaData, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { hubSnapshot } from './hub.ts';
import { decodeText, splitPolarity, textLines } from './polarity.ts';

export interface Example {
  text: string;
  label: number;
}

export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export type Dataset = Record<Split, Example[]>;

/**
 * Where the hub keeps rotten_tomatoes. If `main` stops holding these files, the automatic
 * conversion works too: revision 'refs/convert/parquet', files 'default/<split>/0000.parquet'.
 */
export const ROTTEN_TOMATOES = {
  name: 'rotten_tomatoes',
  repo: 'cornell-movie-review-data/rotten_tomatoes',
  revision: 'main',
  files: { train: 'train.parquet', validation: 'validation.parquet', test: 'test.parquet' } satisfies Record<Split, string>,
};

const POLARITY_FILES = { pos: 'rt-polarity.pos', neg: 'rt-polarity.neg' };
const JSONL_FILES: Record<Split, string> = { train: 'train.jsonl', validation: 'validation.jsonl', test: 'test.jsonl' };
const LOCAL_LAYOUTS = `${POLARITY_FILES.pos} and ${POLARITY_FILES.neg}, or ${Object.values(JSONL_FILES).join(', ')}`;

/** `--data rotten_tomatoes` reads the hub; anything else names a local folder. */
export async function loadDataset(spec: string): Promise<Dataset> {
  if (spec === ROTTEN_TOMATOES.name) return loadRottenTomatoesFromHub();
  return loadDatasetDir(spec);
}

/** Checks one example as read from a file; `where` names the file and line or row. */
function toExample(text: unknown, label: unknown, where: string): Example {
  if (typeof text !== 'string')
    throw new Error(`${where}: "text" must be a string, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
  const asNumber = typeof label === 'bigint' ? Number(label) : label;
  if (typeof asNumber !== 'number' || !Number.isInteger(asNumber) || asNumber < 0) {
    throw new Error(`${where}: "label" must be a non-negative integer, got ${label === undefined ? 'nothing' : String(label)}`);
  }
  return { text, label: asNumber };
}

function checkSplits(dataset: Dataset, source: (split: Split) => string): Dataset {
  for (const split of SPLITS) {
    if (dataset[split].length === 0) throw new Error(`${source(split)}: the ${split} split is empty`);
  }
  return dataset;
}

export async function readParquetSplit(file: string): Promise<Example[]> {
  const buffer = await asyncBufferFromFile(file);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file (${(err as Error).message})`);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  for (const needed of ['text', 'label']) {
    if (!columns.includes(needed)) throw new Error(`${file}: no column "${needed}" (it has ${columns.join(', ')})`);
  }
  const rows = await parquetReadObjects({ file: buffer, columns: ['text', 'label'] });
  return rows.map((row, i) => toExample(row.text, row.label, `${file} row ${i + 1}`));
}

async function loadRottenTomatoesFromHub(): Promise<Dataset> {
  const { repo, revision, files } = ROTTEN_TOMATOES;
  const snapshot = await hubSnapshot(
    repo,
    SPLITS.map((split) => files[split]),
    {
      repoType: 'dataset',
      revision,
      hint: `pass --data DIR with ${LOCAL_LAYOUTS}`,
    },
  );
  const dataset = {} as Dataset;
  for (const split of SPLITS) dataset[split] = await readParquetSplit(path.join(snapshot, files[split]));
  return checkSplits(dataset, (split) => `${repo}/${files[split]}`);
}

/** A file's text: UTF-8, or Latin-1 when it is not valid UTF-8. */
const readText = (file: string) => decodeText(readFileSync(file));

/** The Hugging Face split of the Cornell polarity files in `dir` (train/polarity.ts). */
export function readPolarityDir(dir: string): Dataset {
  const [positive, negative] = [POLARITY_FILES.pos, POLARITY_FILES.neg].map((file) => readText(path.join(dir, file)));
  return checkSplits(splitPolarity(positive, negative), () => path.join(dir, `${POLARITY_FILES.pos} + ${POLARITY_FILES.neg}`));
}

/** One {"text": ..., "label": ...} object per line; blank lines are skipped. */
export function readJsonl(file: string): Example[] {
  return textLines(readText(file)).flatMap((line, i) => {
    if (line.trim() === '') return [];
    const where = `${file} line ${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: invalid JSON (${(err as Error).message})`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new Error(`${where}: expected an object {"text": ..., "label": ...}`);
    }
    const { text, label } = record as Record<string, unknown>;
    return [toExample(text, label, where)];
  });
}

function readJsonlDir(dir: string): Dataset {
  const dataset = {} as Dataset;
  for (const split of SPLITS) dataset[split] = readJsonl(path.join(dir, JSONL_FILES[split]));
  return checkSplits(dataset, (split) => path.join(dir, JSONL_FILES[split]));
}

export function loadDatasetDir(dir: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`--data ${dir}: not a directory (nor '${ROTTEN_TOMATOES.name}', which is read from the Hugging Face hub)`);
  }
  const present = (file: string) => existsSync(path.join(dir, file));
  const polarity = Object.values(POLARITY_FILES);
  const jsonl = Object.values(JSONL_FILES);
  if (polarity.every(present)) return readPolarityDir(dir);
  if (jsonl.every(present)) return readJsonlDir(dir);
  const found = [...polarity, ...jsonl].filter(present);
  const missing = found.length === 0 ? '' : ` (found only ${found.join(', ')})`;
  throw new Error(`${dir}: expected ${LOCAL_LAYOUTS}${missing}`);
}
