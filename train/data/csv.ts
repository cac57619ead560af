// CSV and TSV with a header row, as RFC 4180 writes them: fields separated by the delimiter,
// records by CRLF or LF; a field in double quotes may hold delimiters, quotes (doubled: "") and
// line breaks. A byte order mark is dropped when the bytes are decoded (train/data/text.ts).
// Like pandas, blank lines are skipped and a quote inside an unquoted field is a plain character;
// unlike it, a record with more or fewer fields than the header is an error naming its line, as is
// text after a closing quote or a quote that never closes: each usually means a broken file.
import { type Table, atLines } from './table.ts';

export type Delimiter = ',' | '\t';

/** The table in `text` (a whole CSV or TSV file); `file` names it in errors. */
export function parseDelimited(text: string, file: string, delimiter: Delimiter): Table {
  const records = splitRecords(text, file, delimiter);
  if (records.length === 0) throw new Error(`${file}: empty file (expected a header row naming the columns)`);
  const [header, ...body] = records;
  const columns = header.fields;
  const duplicate = columns.find((name, i) => columns.indexOf(name) !== i);
  if (duplicate !== undefined) throw new Error(`${file} line 1: the header names column "${duplicate}" twice`);
  const rows = body.map(({ fields, line }) => {
    if (fields.length !== columns.length) {
      const hint = delimiter === ',' ? ' (a field holding a comma or a line break must be in double quotes)' : '';
      throw new Error(`${file} line ${line}: ${fields.length} fields where the header has ${columns.length}${hint}`);
    }
    return Object.fromEntries(columns.map((name, i) => [name, fields[i]]));
  });
  return { file, columns, rows, where: atLines(body.map((r) => r.line)), classNames: {} };
}

interface RawRecord {
  fields: string[];
  /** The line the record starts on (1-based). */
  line: number;
}

/** The records of the file, blank lines left out. */
function splitRecords(text: string, file: string, delimiter: Delimiter): RawRecord[] {
  const records: RawRecord[] = [];
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: recordLine });
    fields = [];
    recordLine = line;
  };
  while (i <= text.length) {
    // At the start of a field.
    let field: string;
    if (text[i] === '"') {
      const openedOn = line;
      field = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error(`${file} line ${openedOn}: a quoted field opens here and never closes`);
        const part = text.slice(i, quote);
        line += countNewlines(part);
        field += part;
        if (text[quote + 1] !== '"') {
          i = quote + 1;
          break;
        }
        field += '"';
        i = quote + 2;
      }
      const next = text[i];
      if (i < text.length && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new Error(`${file} line ${line}: text after a closing quote (a quote inside a quoted field is written "")`);
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== delimiter && text[end] !== '\n' && text[end] !== '\r') end++;
      field = text.slice(i, end);
      i = end;
    }
    fields.push(field);
    if (i >= text.length) {
      endRecord();
      break;
    }
    if (text[i] === delimiter) {
      i++;
      continue;
    }
    // A line break: CRLF, LF or a lone CR.
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    line++;
    endRecord();
  }
  return records;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let at = s.indexOf('\n'); at >= 0; at = s.indexOf('\n', at + 1)) n++;
  return n;
}
