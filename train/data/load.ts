// `--data` and its companion flags, read into a Dataset (train/data/dataset.ts):
//   - a hub dataset id (rotten_tomatoes, stanfordnlp/sst2, fancyzhx/ag_news; --data-config for
//     multi-configuration sets): its parquet files through the HF cache (train/data/hub_dataset.ts);
//   - a local folder: the Cornell polarity files, or data files whose names give their split
//     (train.csv, dev.tsv, test.jsonl, data/train-00000-of-00001.parquet);
//   - a local file: the train split;
//   - --train-file / --validation-file / --test-file: one file per split.
// Columns are chosen on the train split (train/data/columns.ts), labels become class ids
// (train/data/labels.ts), a source without a validation split gets one held out of train
// (train/data/split.ts), and a test split that is missing or whose labels are hidden is empty.
// Everything is read and checked here, before a training run writes anything.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type ColumnFlags, type Columns, checkColumns, chooseColumns, textCell } from './columns.ts';
import { type Dataset, type Example, type HeldOut, SPLITS, type Split } from './dataset.ts';
import { DATA_EXTENSIONS, filesBySplit, listFolder, readTable, type SplitSources } from './files.ts';
import { HUB_ALIASES, hubDatasetFiles, isHubId } from './hub_dataset.ts';
import { labelIds, labelNames, unlabelled } from './labels.ts';
import { decodeText, splitPolarity } from './polarity.ts';
import { stratifiedHoldOut } from './split.ts';
import type { Table } from './table.ts';

export const DEFAULT_DATA = 'rotten_tomatoes';
export const DEFAULT_VALIDATION_PERCENTAGE = 10;
const POLARITY_FILES = ['rt-polarity.pos', 'rt-polarity.neg'];

export interface DataOptions extends ColumnFlags {
  /** A hub dataset id, a folder or a file; unused when split files are given. */
  data: string;
  dataConfig?: string;
  trainFile?: string;
  validationFile?: string;
  testFile?: string;
  /** The % of train held out as validation when the source has no validation split (default 10). */
  validationSplitPercentage?: number;
  seed: number;
}

export interface LoadOptions {
  /** The class names to map labels to (a trained model's), instead of those of the train split. */
  labels?: readonly string[];
  /** The held-out rows a checkpoint recorded: a resumed run validates on exactly those. */
  heldOut?: HeldOut;
  /** Where notes go (a held-out split, an unlabelled test split); stderr by default. */
  log?: (line: string) => void;
}

/** Where the data comes from: a description for messages, and its files by split. */
interface Source {
  description: string;
  files: SplitSources;
}

export async function loadDataset(options: DataOptions, load: LoadOptions = {}): Promise<Dataset> {
  if (isPolarityFolder(options.data) && !hasSplitFiles(options)) return readPolarityDir(options.data);
  const source = await resolveSource(options);
  const tables: Partial<Record<Split, Table[]>> = {};
  for (const split of SPLITS) {
    const files = source.files[split];
    if (files) tables[split] = await Promise.all(files.map(({ path: file, name }) => readTable(file, name)));
  }
  return datasetOf(tables, source.description, options, load);
}

const hasSplitFiles = (o: DataOptions) => o.trainFile !== undefined || o.validationFile !== undefined || o.testFile !== undefined;

function isPolarityFolder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && POLARITY_FILES.every((file) => existsSync(path.join(dir, file)));
}

/** The Hugging Face split of the Cornell polarity files in `dir` (train/data/polarity.ts). */
export function readPolarityDir(dir: string): Dataset {
  const [positive, negative] = POLARITY_FILES.map((file) => decodeText(readFileSync(path.join(dir, file))));
  const dataset = splitPolarity(positive, negative);
  for (const split of SPLITS) {
    if (dataset[split].length === 0) throw new Error(`${path.join(dir, POLARITY_FILES.join(' + '))}: the ${split} split is empty`);
  }
  return dataset;
}

async function resolveSource(options: DataOptions): Promise<Source> {
  const { data } = options;
  const local = (file: string) => [{ path: file, name: file }];
  if (hasSplitFiles(options)) {
    const files: SplitSources = {};
    for (const [split, file] of [
      ['train', options.trainFile],
      ['validation', options.validationFile],
      ['test', options.testFile],
    ] as const) {
      if (file !== undefined) files[split] = local(file);
    }
    return { description: Object.values(files)[0][0].name, files };
  }
  if (existsSync(data)) {
    if (!statSync(data).isDirectory()) return { description: data, files: { train: local(data) } };
    const splits = filesBySplit(listFolder(data), data, options.dataConfig);
    if (!splits.train) {
      throw new Error(
        `${data}: no training data (expected files named by split, such as train.csv, validation.csv, test.csv, or ${POLARITY_FILES.join(' and ')})`,
      );
    }
    const files: SplitSources = {};
    for (const split of SPLITS) files[split] = splits[split]?.flatMap((p) => local(path.join(data, p)));
    return { description: data, files };
  }
  const looksLikeFile = data.startsWith('.') || path.isAbsolute(data) || DATA_EXTENSIONS.includes(path.extname(data).toLowerCase());
  if (looksLikeFile || !isHubId(data)) throw new Error(`--data ${data}: no such file or folder (nor a Hugging Face dataset id)`);
  return { description: `dataset ${HUB_ALIASES[data] ?? data}`, files: await hubDatasetFiles(data, options.dataConfig) };
}

/**
 * The examples of every split. Without `load.labels` the classes are the train split's, which
 * must then be given; with them (evaluating a trained model) a source may hold only the split evaluated.
 */
function datasetOf(tables: Partial<Record<Split, Table[]>>, description: string, options: DataOptions, load: LoadOptions): Dataset {
  const log = load.log ?? ((line: string) => console.error(line));
  const first = (tables.train ?? tables.validation ?? tables.test)![0];
  if (!tables.train && !load.labels) throw new Error(`${description}: no train split`);
  const columns = chooseColumns(first, options);
  const labels = load.labels ? [...load.labels] : labelNames(tables.train!, columns.label);
  if (labels.length < 2) {
    throw new Error(`${description}: the train split has only one label (${labels}); classification needs two or more`);
  }
  const dataset: Dataset = { train: [], validation: [], test: [], labels };
  const whose = load.labels ? 'the model' : 'the train split';
  for (const split of SPLITS) {
    const given = tables[split];
    if (given === undefined) continue;
    if (split === 'test' && unlabelled(given, columns.label)) {
      log(`${description}: the test split has no labels; it is not evaluated`);
      continue;
    }
    dataset[split] = given.flatMap((table) => examples(table, columns, labels, whose));
  }
  if (tables.train && !tables.validation) holdOut(dataset, description, options, load.heldOut, log);
  return dataset;
}

function examples(table: Table, columns: Columns, labels: readonly string[], whose: string): Example[] {
  checkColumns(table, columns, false);
  const ids = labelIds(table, columns.label, labels, whose);
  return table.rows.map((_, row) => {
    const text = textCell(table, row, columns.text);
    return columns.pair === undefined ? { text, label: ids[row] } : { text, textPair: textCell(table, row, columns.pair), label: ids[row] };
  });
}

/** Moves the held-out rows of train into validation: those recorded, else a fresh stratified choice. */
function holdOut(dataset: Dataset, description: string, options: DataOptions, recorded: HeldOut | undefined, log: (line: string) => void) {
  const { validationSplitPercentage: percentage = DEFAULT_VALIDATION_PERCENTAGE, seed } = options;
  const train = dataset.train;
  const labels = train.map((e) => e.label);
  const rows = recorded?.rows ?? stratifiedHoldOut(labels, percentage, seed);
  if (rows.some((row) => !Number.isInteger(row) || row < 0 || row >= train.length)) {
    throw new Error(
      `${description}: the checkpoint's held-out validation rows do not fit its ${train.length} train rows; has the data changed?`,
    );
  }
  if (rows.length === 0) throw new Error(`${description}: no validation split, and ${train.length} train rows are too few to hold one out`);
  const held = new Set(rows);
  dataset.validation = rows.map((row) => train[row]);
  dataset.train = train.filter((_, row) => !held.has(row));
  dataset.heldOut = { percentage: recorded?.percentage ?? percentage, seed: recorded?.seed ?? seed, rows };
  log(
    `${description}: no validation split; ${rows.length} of ${train.length} train rows held out as validation ` +
      `(${dataset.heldOut.percentage}%, stratified by label, seed ${dataset.heldOut.seed})`,
  );
}
