// Dataset loading: the Hugging Face split of the Cornell polarity files, JSON lines, and parquet
// files of rotten_tomatoes fetched from a fake hub.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDataset, readJsonl, readParquetSplit, ROTTEN_TOMATOES, type Example } from '../../train/data.ts';
import { closedEndpoint, FAKE_COMMIT, withFakeHub } from '../support/fake_hub.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharedRottenTomatoes = path.resolve(repoRoot, '..', 'shared', 'data', 'rotten_tomatoes');
const scratch = mkdtempSync(path.join(tmpdir(), 'data-test-'));
let dirCount = 0;

/** A fresh folder holding the given files. */
function folder(files: Record<string, string | Uint8Array>): string {
  const dir = path.join(scratch, String(dirCount++));
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

function parquetOf(examples: Example[]): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'text', data: examples.map((e) => e.text), type: 'STRING' },
        // The hub stores ClassLabel columns as int64, which hyparquet reads as bigint.
        { name: 'label', data: examples.map((e) => BigInt(e.label)), type: 'INT64' },
      ],
    }),
  );
}

test('the shared Cornell files split like Hugging Face: 8530/1066/1066', async () => {
  const data = await loadDataset(sharedRottenTomatoes);
  assert.equal([data.train.length, data.validation.length, data.test.length], [8530, 1066, 1066]);
  const pick = (examples: Example[], i: number) => `${examples[i].label} ${examples[i].text}`;
  assert.is(
    pick(data.train, 0),
    `1 the rock is destined to be the 21st century's new " conan " and that he's going to make a splash even greater than arnold schwarzenegger , jean-claud van damme or steven segal .`,
  );
  assert.is(
    pick(data.train, 4264),
    "1 it's clear that mehta simply wanted to update her beloved genre for the thousands of indians who fancy themselves too sophisticated for the cheese-laced spectacles that pack 'em in on the subcontinent .",
  );
  assert.is(pick(data.train, 4265), '0 simplistic , silly and tedious .');
  assert.is(
    pick(data.train, 8529),
    '0 things really get weird , though not particularly scary : the movie is all portent and no content .',
  );
  assert.is(
    pick(data.validation, 0),
    '1 compassionately explores the seemingly irreconcilable situation between conservative christian parents and their estranged gay and lesbian children .',
  );
  assert.is(
    pick(data.validation, 532),
    "1 the unique niche of self-critical , behind-the-scenes navel-gazing kaufman has carved from orleans' story and his own infinite insecurity is a work of outstanding originality .",
  );
  assert.is(
    pick(data.validation, 533),
    "0 it's difficult to discern if this is a crazy work of disturbed genius or merely 90 minutes of post-adolescent electra rebellion .",
  );
  assert.is(pick(data.validation, 1065), "0 the feature-length stretch . . . strains the show's concept .");
  assert.is(
    pick(data.test, 0),
    '1 lovingly photographed in the manner of a golden book sprung to life , stuart little 2 manages sweetness largely without stickiness .',
  );
  assert.is(pick(data.test, 532), '1 provides a porthole into that noble , trembling incoherence that defines us all .');
  assert.is(pick(data.test, 533), '0 this slender plot feels especially thin stretched over the nearly 80-minute running time .');
  assert.is(pick(data.test, 1065), "0 enigma is well-made , but it's just too dry and too placid .");
});

test('polarity files: lines stripped, CRLF and Latin-1 accepted, 80/10/10 per class', async () => {
  const pos = Array.from({ length: 10 }, (_, i) => `  good ${i} \r\n`).join('');
  const neg = new Uint8Array([...Buffer.from('caf'), 0xe9, ...Buffer.from(' bad\n'), ...Buffer.from('bad\n'.repeat(9))]);
  const data = await loadDataset(folder({ 'rt-polarity.pos': pos, 'rt-polarity.neg': neg }));
  assert.equal([data.train.length, data.validation.length, data.test.length], [16, 2, 2]);
  assert.equal(data.train[0], { text: 'good 0', label: 1 });
  assert.equal(data.train[8], { text: 'café bad', label: 0 });
  assert.equal(data.validation, [
    { text: 'good 8', label: 1 },
    { text: 'bad', label: 0 },
  ]);
  assert.equal(data.test, [
    { text: 'good 9', label: 1 },
    { text: 'bad', label: 0 },
  ]);
});

test('polarity files too short for a test split are refused, naming the split', async () => {
  const dir = folder({ 'rt-polarity.pos': 'a\nb\nc\n', 'rt-polarity.neg': 'd\ne\nf\n' });
  const message = await loadDataset(dir).then(
    () => '',
    (err: Error) => err.message,
  );
  assert.is(message, `${dir}/rt-polarity.pos + rt-polarity.neg: the test split is empty`);
});

test('jsonl: one {"text","label"} per line, blank lines skipped', async () => {
  const line = (text: string, label: number) => JSON.stringify({ text, label, id: 7 });
  const dir = folder({
    'train.jsonl': `${line('fine', 1)}\n\n${line('awful', 0)}\n`,
    'validation.jsonl': line('ok', 1),
    'test.jsonl': `${line('meh', 2)}\r\n`,
  });
  assert.equal(await loadDataset(dir), {
    train: [
      { text: 'fine', label: 1 },
      { text: 'awful', label: 0 },
    ],
    validation: [{ text: 'ok', label: 1 }],
    test: [{ text: 'meh', label: 2 }],
  });
});

test('jsonl: a malformed line is named by file and line', () => {
  const cases: [string, string][] = [
    ['{"text": "a", "label": 1}\n{"text": "b", "label": 0', 'line 2: invalid JSON'],
    ['{"text": "a"}', 'line 1: "label" must be a non-negative integer, got nothing'],
    ['{"text": "a", "label": 1.5}', 'line 1: "label" must be a non-negative integer, got 1.5'],
    ['{"text": "a", "label": "1"}', 'line 1: "label" must be a non-negative integer, got 1'],
    ['\n{"label": 1}', 'line 2: "text" must be a string, got nothing'],
    ['[1, 2]', 'line 1: expected an object {"text": ..., "label": ...}'],
  ];
  for (const [content, expected] of cases) {
    const file = path.join(folder({ 'train.jsonl': content }), 'train.jsonl');
    const message = failure(() => readJsonl(file));
    assert.ok(message.startsWith(`${file} ${expected}`), message);
  }
});

test('jsonl: an empty split is named', async () => {
  const dir = folder({ 'train.jsonl': '{"text": "a", "label": 0}', 'validation.jsonl': '\n', 'test.jsonl': '{"text": "b", "label": 1}' });
  const message = await loadDataset(dir).then(
    () => '',
    (err: Error) => err.message,
  );
  assert.is(message, `${dir}/validation.jsonl: the validation split is empty`);
});

test('a folder with neither layout says which files are expected', async () => {
  const expected = 'expected rt-polarity.pos and rt-polarity.neg, or train.jsonl, validation.jsonl, test.jsonl';
  const empty = folder({});
  assert.is(
    await loadDataset(empty).then(
      () => '',
      (err: Error) => err.message,
    ),
    `${empty}: ${expected}`,
  );
  const partial = folder({ 'rt-polarity.pos': 'a\n', 'train.jsonl': '' });
  assert.is(
    await loadDataset(partial).then(
      () => '',
      (err: Error) => err.message,
    ),
    `${partial}: ${expected} (found only rt-polarity.pos, train.jsonl)`,
  );
  const missing = path.join(scratch, 'no-such-dir');
  assert.ok(
    (
      await loadDataset(missing).then(
        () => '',
        (err: Error) => err.message,
      )
    ).startsWith(`--data ${missing}: not a directory`),
  );
});

test('rotten_tomatoes comes from the hub as parquet, through the HF cache', async () => {
  const splits = {
    train: [
      { text: 'a gem', label: 1 },
      { text: 'a mess', label: 0 },
      { text: 'élan', label: 1 },
    ],
    validation: [{ text: 'fine', label: 1 }],
    test: [{ text: 'dull', label: 0 }],
  };
  const files = Object.fromEntries(
    Object.entries(splits).map(([split, examples]) => [
      ROTTEN_TOMATOES.files[split as keyof typeof splits],
      { content: parquetOf(examples), lfs: true },
    ]),
  );
  await withFakeHub({ repos: { [`dataset ${ROTTEN_TOMATOES.repo}`]: files } }, async (hub, cache) => {
    assert.equal(await loadDataset('rotten_tomatoes'), splits);
    assert.is(hub.requests[0].url, `/datasets/${ROTTEN_TOMATOES.repo}/resolve/main/train.parquet`);
    const cachedTrain = path.join(cache, 'datasets--cornell-movie-review-data--rotten_tomatoes', 'snapshots', FAKE_COMMIT, 'train.parquet');
    assert.equal(await readParquetSplit(cachedTrain), splits.train);
  });
});

test('without the hub and without a cache, rotten_tomatoes points to --data DIR', async () => {
  await withFakeHub({ repos: {} }, async () => {
    process.env.HF_ENDPOINT = await closedEndpoint();
    const message = await loadDataset('rotten_tomatoes').then(
      () => '',
      (err: Error) => err.message,
    );
    assert.ok(
      message.startsWith(`cannot reach ${process.env.HF_ENDPOINT} (ECONNREFUSED) and train.parquet of dataset ${ROTTEN_TOMATOES.repo}`),
      message,
    );
    assert.ok(
      message.endsWith('pass --data DIR with rt-polarity.pos and rt-polarity.neg, or train.jsonl, validation.jsonl, test.jsonl'),
      message,
    );
  });
});

test('parquet: a missing column, a bad label or a non-parquet file is named', async () => {
  const dir = folder({
    'no-label.parquet': new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: ['a'], type: 'STRING' }] })),
    'float-label.parquet': new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'text', data: ['a', 'b'], type: 'STRING' },
          { name: 'label', data: [1, 0.5], type: 'DOUBLE' },
        ],
      }),
    ),
    'not.parquet': 'text,label\n',
  });
  const message = (file: string) =>
    readParquetSplit(path.join(dir, file)).then(
      () => '',
      (err: Error) => err.message,
    );
  assert.is(await message('no-label.parquet'), `${dir}/no-label.parquet: no column "label" (it has text)`);
  assert.is(await message('float-label.parquet'), `${dir}/float-label.parquet row 2: "label" must be a non-negative integer, got 0.5`);
  assert.ok((await message('not.parquet')).startsWith(`${dir}/not.parquet: not a readable parquet file`));
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
