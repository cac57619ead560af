// The data file readers, without a GPU: CSV and TSV (RFC 4180 quoting, embedded line breaks, BOM,
// CRLF), JSON lines, JSON arrays and parquet (with a ClassLabel feature in its Hugging Face
// metadata), and the one-line errors that name a file's line (or row) and column.
import { parquetWriteBuffer } from 'hyparquet-writer';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDelimited } from '../../train/data/csv.ts';
import { parseJson, parseJsonArray, parseJsonLines } from '../../train/data/json.ts';
import { readParquet } from '../../train/data/parquet.ts';
import type { Table } from '../../train/data/table.ts';
import { decodeUtf8, firstInvalidUtf8 } from '../../train/data/text.ts';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

const rowsAndPlaces = (table: Table) => ({ rows: table.rows, places: table.rows.map((_, i) => table.where(i)) });

test('CSV: quoted fields hold commas, doubled quotes and line breaks; CRLF, blank lines and a BOM', () => {
  const text = decodeUtf8(bytes([0xef, 0xbb, 0xbf], 'text,label\r\n"a, ""quoted""\r\nline",pos\r\n\r\nplain,neg\r\n"",neu'), 'f.csv');
  const table = parseDelimited(text, 'f.csv', ',');
  assert.equal(table.columns, ['text', 'label']);
  assert.equal(rowsAndPlaces(table), {
    rows: [
      { text: 'a, "quoted"\r\nline', label: 'pos' },
      { text: 'plain', label: 'neg' },
      { text: '', label: 'neu' },
    ],
    places: ['line 2', 'line 5', 'line 6'],
  });
});

test('CSV: a quote inside an unquoted field is a character; LF and lone CR end records', () => {
  const table = parseDelimited('a,b\nsay "hi",1\rx,2', 'f.csv', ',');
  assert.equal(table.rows, [
    { a: 'say "hi"', b: '1' },
    { a: 'x', b: '2' },
  ]);
});

test('TSV: tabs separate, commas do not', () => {
  const table = parseDelimited('sentence1\tsentence2\tlabel\nA, b\t"c\td"\t1\n', 'f.tsv', '\t');
  assert.equal(table.rows, [{ sentence1: 'A, b', sentence2: 'c\td', label: '1' }]);
});

test('CSV: broken files are one line naming the file and line', () => {
  const cases: [string, string][] = [
    ['', 'f.csv: empty file (expected a header row naming the columns)'],
    ['\n\n', 'f.csv: empty file (expected a header row naming the columns)'],
    ['a,b\n1,2\n3\n', 'f.csv line 3: 1 fields where the header has 2 (a field holding a comma or a line break must be in double quotes)'],
    ['a,b\n1,2,3\n', 'f.csv line 2: 3 fields where the header has 2 (a field holding a comma or a line break must be in double quotes)'],
    ['a,b\n1,"2\n\n', 'f.csv line 2: a quoted field opens here and never closes'],
    ['a,b\n"1"x,2\n', 'f.csv line 2: text after a closing quote (a quote inside a quoted field is written "")'],
    ['a,a\n1,2\n', 'f.csv line 1: the header names column "a" twice'],
  ];
  for (const [text, expected] of cases)
    assert.is(
      failure(() => parseDelimited(text, 'f.csv', ',')),
      expected,
    );
});

test('bytes that are not UTF-8: the line and column of the first bad sequence', () => {
  const latin1 = bytes('text,label\n', 'caf', [0xe9], ',1\n');
  assert.is(
    failure(() => decodeUtf8(latin1, 'f.csv')),
    'f.csv line 2, column 4: byte 0xE9 is not UTF-8; save the file as UTF-8',
  );
  // A sequence cut short: the column is where it starts; a BOM is a character of line 1.
  assert.equal(firstInvalidUtf8(bytes([0xef, 0xbb, 0xbf], 'é', [0xe2, 0x82], 'x')), { line: 1, column: 3, byte: 0xe2 });
  assert.equal(firstInvalidUtf8(bytes([0xff])), { line: 1, column: 1, byte: 0xff });
});

test('JSON lines: one object per line, blank lines skipped, columns in order of appearance', () => {
  const table = parseJsonLines('{"text": "a", "label": 1}\n\n{"label": 0, "text": "b", "id": 7}\r\n', 'f.jsonl');
  assert.equal(table.columns, ['text', 'label', 'id']);
  assert.equal(rowsAndPlaces(table), {
    rows: [
      { text: 'a', label: 1 },
      { label: 0, text: 'b', id: 7 },
    ],
    places: ['line 1', 'line 3'],
  });
  assert.ok(failure(() => parseJsonLines('{"text": "a"}\n{"text": ', 'f.jsonl')).startsWith('f.jsonl line 2: invalid JSON ('));
  assert.is(
    failure(() => parseJsonLines('[1, 2]', 'f.jsonl')),
    'f.jsonl line 1: expected an object such as {"text": ..., "label": ...}, got an array',
  );
});

test('JSON arrays: rows are the items; a .json file is an array or JSON lines', () => {
  const array = parseJsonArray(' [{"text": "a", "label": "x"}, {"text": "b", "label": "y"}]', 'f.json');
  assert.equal(rowsAndPlaces(array), {
    rows: [
      { text: 'a', label: 'x' },
      { text: 'b', label: 'y' },
    ],
    places: ['row 1', 'row 2'],
  });
  assert.equal(parseJson('\n[{"a": 1}]', 'f.json').rows, [{ a: 1 }]);
  assert.equal(parseJson('{"a": 1}\n{"a": 2}', 'f.json').rows, [{ a: 1 }, { a: 2 }]);
  assert.is(
    failure(() => parseJsonArray('{"a": 1}', 'f.json')),
    'f.json: expected an array of objects [{...}, ...]',
  );
  assert.is(
    failure(() => parseJsonArray('[{"a": 1}, 5]', 'f.json')),
    'f.json row 2: expected an object such as {"text": ..., "label": ...}, got 5',
  );
});

test('parquet: columns, rows (int64 as bigint) and the ClassLabel names of the Hugging Face features', async () => {
  const features = { text: { dtype: 'string', _type: 'Value' }, label: { names: ['neg', 'pos'], _type: 'ClassLabel' } };
  const file = parquetWriteBuffer({
    columnData: [
      { name: 'text', data: ['a gem', 'a mess'], type: 'STRING' },
      { name: 'label', data: [1n, 0n], type: 'INT64' },
    ],
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  });
  const table = await readParquet(file, 'f.parquet');
  assert.equal(table.columns, ['text', 'label']);
  assert.equal(rowsAndPlaces(table), {
    rows: [
      { text: 'a gem', label: 1n },
      { text: 'a mess', label: 0n },
    ],
    places: ['row 1', 'row 2'],
  });
  assert.equal(table.classNames, { label: ['neg', 'pos'] });
  const message = await readParquet(new TextEncoder().encode('text,label\n').buffer, 'not.parquet').then(
    () => '',
    (err: Error) => err.message,
  );
  assert.ok(message.startsWith('not.parquet: not a readable parquet file ('), message);
});

test.run();
