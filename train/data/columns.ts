// Which columns hold the text, the optional second sentence of a pair, and the label. Flags name
// them; otherwise the first of run_glue's GLUE keys that the train file has, pairs before single
// sentences (a file with "question" and "sentence" is QNLI, not a single-sentence task).
import { type Table, cellError } from './table.ts';

export interface Columns {
  text: string;
  /** The second sentence of a pair task; absent for single sentences. */
  pair?: string;
  label: string;
}

export interface ColumnFlags {
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
}

/** run_glue's task_to_keys: MRPC, RTE, STS-B and WNLI; MNLI; QNLI; QQP. */
const PAIR_KEYS: [string, string][] = [
  ['sentence1', 'sentence2'],
  ['premise', 'hypothesis'],
  ['question', 'sentence'],
  ['question1', 'question2'],
];
/** SST-2 and CoLA's "sentence", then the "text" of most hub sets (imdb, ag_news, rotten_tomatoes). */
const TEXT_KEYS = ['sentence', 'text'];
const LABEL_KEYS = ['label', 'labels'];

/** The columns of `table` (a train file) to read, from the flags or the defaults. */
export function chooseColumns(table: Table, flags: ColumnFlags): Columns {
  const has = (name: string) => table.columns.includes(name);
  const found = `${table.file} has columns ${table.columns.map((c) => JSON.stringify(c)).join(', ')}`;
  for (const [flag, name] of [
    ['--text-column', flags.textColumn],
    ['--text-pair-column', flags.textPairColumn],
    ['--label-column', flags.labelColumn],
  ] as const) {
    if (name !== undefined && !has(name)) throw new Error(`${flag} ${name}: no such column (${found})`);
  }
  const label = flags.labelColumn ?? LABEL_KEYS.find(has);
  if (label === undefined) throw new Error(`no label column: ${found}; name it with --label-column`);
  if (flags.textColumn !== undefined) return { text: flags.textColumn, pair: flags.textPairColumn, label };
  const pair = PAIR_KEYS.find(([a, b]) => has(a) && has(b));
  if (pair) return { text: pair[0], pair: pair[1], label };
  const text = TEXT_KEYS.find(has);
  if (text === undefined) throw new Error(`no text column: ${found}; name it with --text-column (and --text-pair-column for pairs)`);
  return { text, label };
}

/** Every file of every split must have the chosen columns (a test file may lack the label). */
export function checkColumns(table: Table, columns: Columns, labelOptional: boolean): void {
  const needed = [columns.text, ...(columns.pair ? [columns.pair] : []), ...(labelOptional ? [] : [columns.label])];
  const missing = needed.find((name) => !table.columns.includes(name));
  if (missing !== undefined) {
    throw new Error(`${table.file}: no column "${missing}" (it has ${table.columns.map((c) => JSON.stringify(c)).join(', ')})`);
  }
}

/** The text cell of a row: a string, else an error naming the cell. */
export function textCell(table: Table, row: number, column: string): string {
  const value = table.rows[row][column];
  if (typeof value === 'string') return value;
  const got = value === undefined ? 'nothing' : typeof value === 'object' ? JSON.stringify(value).slice(0, 40) : String(value);
  throw cellError(table, row, column, `expected text, got ${got}`);
}
