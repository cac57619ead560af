// Class labels as run_glue / run_classification make them: the label column holds integers or
// strings; the classes are the training split's distinct values in sorted order (numbers by value),
// unless the file declares a ClassLabel feature, whose names win and whose integers are ids (-1:
// no label). Every other split's labels must be classes of the training split.
import { type Table, cellError } from './table.ts';

/** A label cell: a class value, or null where the row has none. */
type LabelCell = number | string | null;

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The label of each row of `table`; a float (or a column of them) is an error naming its cell. */
export function labelCells(table: Table, column: string): LabelCell[] {
  const classNames = table.classNames[column];
  const raw = table.rows.map((row) => row[column]);
  // CSV and TSV cells are strings: a column of number strings holds numbers, as pandas reads it.
  const numberStrings = raw.every((v) => typeof v === 'string' && (v === '' || NUMBER.test(v.trim())));
  const floats = `is not a class label: labels are integers or strings (regression is not supported)`;
  return raw.map((value, row) => {
    const fail = (problem: string) => cellError(table, row, column, problem);
    if (value === null || value === undefined || value === '') return null;
    if (typeof value === 'bigint') value = Number(value);
    if (typeof value === 'string') {
      if (!numberStrings) return value;
      if (!INTEGER.test(value.trim())) throw fail(`${value} ${floats}`);
      value = Number(value);
    }
    if (typeof value !== 'number') throw fail(`${JSON.stringify(value)} is not a class label: labels are integers or strings`);
    if (!Number.isInteger(value)) throw fail(`${value} ${floats}`);
    if (classNames === undefined) return value;
    if (value === -1) return null;
    if (value < 0 || value >= classNames.length) {
      throw fail(`${value} is not a class of its ClassLabel feature (0..${classNames.length - 1}: ${classNames.join(', ')})`);
    }
    return classNames[value];
  });
}

/** The class names: the first train file's ClassLabel names, else the distinct values of all train files, sorted. */
export function labelNames(train: readonly Table[], column: string): string[] {
  const declared = train[0].classNames[column];
  if (declared !== undefined) return [...declared];
  const values = [...new Set(train.flatMap((table) => labelCells(table, column)).filter((v) => v !== null))];
  if (values.every((v) => typeof v === 'number')) return (values as number[]).sort((a, b) => a - b).map(String);
  return values.map(String).sort();
}

/** Whether no row of these files has a label (a test split whose labels are hidden, as GLUE's). */
export function unlabelled(tables: readonly Table[], column: string): boolean {
  return tables.every((table) => !table.columns.includes(column) || labelCells(table, column).every((v) => v === null));
}

/**
 * Each row's class id in `names`, the classes of `whose` (the train split, or a trained model). A
 * value is matched by name; an integer also indexes `names` directly when no name is an integer
 * (a model whose classes are NEGATIVE, POSITIVE on 0/1 data).
 */
export function labelIds(table: Table, column: string, names: readonly string[], whose: string): number[] {
  const byInteger = !names.some((name) => INTEGER.test(name));
  return labelCells(table, column).map((value, row) => {
    if (value === null) throw cellError(table, row, column, 'no label');
    const id = names.indexOf(String(value));
    if (id >= 0) return id;
    if (typeof value === 'number' && byInteger && value >= 0 && value < names.length) return value;
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw cellError(table, row, column, `label ${shown} is not a class of ${whose} (${names.join(', ')})`);
  });
}
