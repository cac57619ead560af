// JSON data files as the Hugging Face `json` loader reads them: JSON lines (one object per line,
// blank lines skipped) or one JSON array of objects. A `.json` file may be either, as there: an
// array when its first character is '['.
import { type Table, atLines, atRows } from './table.ts';

/** One JSON object per line; `file` names it in errors. */
export function parseJsonLines(text: string, file: string): Table {
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${file} line ${i + 1}: invalid JSON (${(err as Error).message})`);
    }
    rows.push(asObject(value, `${file} line ${i + 1}`));
    lines.push(i + 1);
  });
  return tableOf(file, rows, atLines(lines));
}

/** A JSON array of objects; `file` names it in errors. */
export function parseJsonArray(text: string, file: string): Table {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value)) throw new Error(`${file}: expected an array of objects [{...}, ...]`);
  return tableOf(
    file,
    value.map((item, i) => asObject(item, `${file} ${atRows(i)}`)),
    atRows,
  );
}

/** A `.json` file: an array if it starts with '[', else JSON lines. */
export function parseJson(text: string, file: string): Table {
  return text.trimStart().startsWith('[') ? parseJsonArray(text, file) : parseJsonLines(text, file);
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : JSON.stringify(value).slice(0, 40);
    throw new Error(`${where}: expected an object such as {"text": ..., "label": ...}, got ${got}`);
  }
  return value as Record<string, unknown>;
}

/** Columns are every key any row has, in the order they first appear. */
function tableOf(file: string, rows: Record<string, unknown>[], where: Table['where']): Table {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return { file, columns: [...columns], rows, where, classNames: {} };
}
