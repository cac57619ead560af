// A data file as a reader gives it, before columns and labels are chosen: its column names, its
// rows, how to name a row in a message, and the class names a parquet file's metadata declares.

export interface Table {
  /** The file, as messages name it (a path, or repo/path for a hub file). */
  file: string;
  columns: string[];
  /** One object per row, keyed by column name; a key may be missing (a JSON object without it). */
  rows: Record<string, unknown>[];
  /** Where row i (0-based) is: "line 12" in text formats, "row 12" otherwise. */
  where: (row: number) => string;
  /** ClassLabel names by column, from the Hugging Face features in a parquet file's metadata. */
  classNames: Record<string, string[]>;
}

/** Row i is on line `lines[i]`. */
export const atLines =
  (lines: readonly number[]) =>
  (row: number): string =>
    `line ${lines[row]}`;

/** Row i is the (i+1)-th data row. */
export const atRows = (row: number): string => `row ${row + 1}`;

/** An error about one cell: file, row and column in one line. */
export function cellError(table: Table, row: number, column: string, problem: string): Error {
  return new Error(`${table.file} ${table.where(row)}, column "${column}": ${problem}`);
}
