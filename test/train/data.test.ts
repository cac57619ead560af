// Data sources, without a GPU: the Cornell polarity files, folders whose file names give the
// splits, --train-file and friends, hub dataset ids (parquet on main or refs/convert/parquet,
// through the HF cache) served by a fake hub; the columns chosen, string and integer labels and
// ClassLabel names, the seeded stratified validation split of a train-only source, and the
// one-line errors for bad input.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Dataset } from '../../train/data/dataset.ts';
import { filesBySplit, splitOfPath } from '../../train/data/files.ts';
import { HUB_ALIASES } from '../../train/data/hub_dataset.ts';
import { type DataOptions, type LoadOptions, loadDataset } from '../../train/data/load.ts';
import { stratifiedHoldOut } from '../../train/data/split.ts';
import { FAKE_COMMIT, closedEndpoint, hubParquet, withFakeHub } from '../support/fake_hub.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharedRottenTomatoes = path.resolve(repoRoot, '..', 'shared', 'data', 'rotten_tomatoes');
const scratch = mkdtempSync(path.join(tmpdir(), 'data-test-'));
let dirCount = 0;

/** A fresh folder holding the given files (subfolders made as needed). */
function folder(files: Record<string, string | Uint8Array>): string {
  const dir = path.join(scratch, String(dirCount++));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Loads with notes collected rather than printed. */
async function load(options: Partial<DataOptions> & { data: string }, loadOptions: LoadOptions = {}) {
  const notes: string[] = [];
  const dataset = await loadDataset({ seed: 42, ...options }, { ...loadOptions, log: (line) => notes.push(line) });
  return { dataset, notes };
}

const failure = (options: Partial<DataOptions> & { data: string }) =>
  load(options).then(
    () => 'no error',
    (err: Error) => err.message,
  );

/** Label names of each split's examples, for compact comparisons. */
const named = (d: Dataset, split: 'train' | 'validation' | 'test') => d[split].map((e) => `${d.labels[e.label]}:${e.text}`);

const csv = (rows: string[][]) => `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;

const parquet = (texts: string[], labels: number[], names?: string[]) => hubParquet(texts, labels, names).content;

test('the shared Cornell files split like Hugging Face: 8530/1066/1066, classes neg and pos', async () => {
  const { dataset } = await load({ data: sharedRottenTomatoes });
  assert.equal([dataset.train.length, dataset.validation.length, dataset.test.length], [8530, 1066, 1066]);
  assert.equal(dataset.labels, ['neg', 'pos']);
  assert.is(named(dataset, 'train')[4265], 'neg:simplistic , silly and tedious .');
  assert.is(named(dataset, 'test')[1065], "neg:enigma is well-made , but it's just too dry and too placid .");
  assert.is(
    named(dataset, 'validation')[0],
    'pos:compassionately explores the seemingly irreconcilable situation between conservative christian parents and their estranged gay and lesbian children .',
  );
});

test('polarity files: lines stripped, CRLF and Latin-1 accepted, 80/10/10 per class; too few lines named', async () => {
  const pos = Array.from({ length: 10 }, (_, i) => `  good ${i} \r\n`).join('');
  const neg = new Uint8Array([...Buffer.from('caf'), 0xe9, ...Buffer.from(' bad\n'), ...Buffer.from('bad\n'.repeat(9))]);
  const { dataset } = await load({ data: folder({ 'rt-polarity.pos': pos, 'rt-polarity.neg': neg }) });
  assert.equal([dataset.train.length, dataset.validation.length, dataset.test.length], [16, 2, 2]);
  assert.equal(dataset.train[8], { text: 'café bad', label: 0 });
  assert.equal(named(dataset, 'test'), ['pos:good 9', 'neg:bad']);
  const short = folder({ 'rt-polarity.pos': 'a\nb\nc\n', 'rt-polarity.neg': 'd\ne\nf\n' });
  assert.is(await failure({ data: short }), `${short}/rt-polarity.pos + rt-polarity.neg: the test split is empty`);
});

test('a folder of CSVs named by split: string labels become ids in sorted order', async () => {
  const dir = folder({
    'train.csv': csv([
      ['text', 'label'],
      ['"great, truly"', 'pos'],
      ['meh', 'neutral'],
      ['awful', 'neg'],
      ['fine', 'pos'],
    ]),
    'dev.csv': csv([
      ['label', 'text'],
      ['neg', 'bad'],
    ]),
    'test.csv': csv([
      ['text', 'label'],
      ['ok', 'neutral'],
    ]),
    'notes.csv': csv([['x'], ['ignored: its name names no split']]),
  });
  const { dataset, notes } = await load({ data: dir });
  assert.equal(dataset.labels, ['neg', 'neutral', 'pos']);
  assert.equal(dataset.train, [
    { text: 'great, truly', label: 2 },
    { text: 'meh', label: 1 },
    { text: 'awful', label: 0 },
    { text: 'fine', label: 2 },
  ]);
  assert.equal(named(dataset, 'validation'), ['neg:bad']);
  assert.equal(named(dataset, 'test'), ['neutral:ok']);
  assert.equal(notes, []);
});

test('sentence pairs: GLUE column names are found, pairs before single sentences; flags override', async () => {
  const line = (o: object) => JSON.stringify(o);
  const dir = folder({
    'train.jsonl': [
      line({ question: 'who?', sentence: 'me.', label: 'entailment', idx: 0 }),
      line({ question: 'why?', sentence: 'no.', label: 'not_entailment', idx: 1 }),
    ].join('\n'),
    'validation.jsonl': line({ question: 'how?', sentence: 'so.', label: 'entailment', idx: 2 }),
  });
  const { dataset } = await load({ data: dir });
  assert.equal(dataset.train[0], { text: 'who?', textPair: 'me.', label: 0 });
  assert.equal(dataset.validation, [{ text: 'how?', textPair: 'so.', label: 0 }]);
  const swapped = (await load({ data: dir, textColumn: 'sentence', textPairColumn: 'question' })).dataset;
  assert.equal(swapped.train[1], { text: 'no.', textPair: 'why?', label: 1 });
  const single = (await load({ data: dir, textColumn: 'sentence' })).dataset;
  assert.equal(single.train[1], { text: 'no.', label: 1 });
});

test('integer labels are classes by value (sorted numerically); --label-column picks another column', async () => {
  const dir = folder({
    'train.tsv': 'stars\ttext\tlabel\n10\ta\tx\n2\tb\ty\n5\tc\tx\n2\td\ty\n',
    'validation.tsv': 'stars\ttext\tlabel\n5\te\tx\n',
  });
  const { dataset } = await load({ data: dir, labelColumn: 'stars' });
  assert.equal(dataset.labels, ['2', '5', '10']);
  assert.equal(
    dataset.train.map((e) => e.label),
    [2, 0, 1, 0],
  );
});

test('--train-file, --validation-file and --test-file name the splits; JSON arrays and parquet mix', async () => {
  const dir = folder({
    'a.json': JSON.stringify([
      { text: 'x', label: 'b' },
      { text: 'y', label: 'a' },
    ]),
    'b.parquet': parquet(['z'], [0]),
  });
  const { dataset } = await load({
    data: 'ignored',
    trainFile: path.join(dir, 'a.json'),
    validationFile: path.join(dir, 'a.json'),
    testFile: path.join(dir, 'b.parquet'),
  });
  assert.equal(dataset.labels, ['a', 'b']);
  assert.equal(named(dataset, 'test'), ['a:z']);
  // Evaluating a model, whose classes are known, a file of the split evaluated is enough.
  const evaluated = (await load({ data: 'ignored', testFile: path.join(dir, 'a.json') }, { labels: ['b', 'a'] })).dataset;
  assert.equal(named(evaluated, 'test'), ['b:x', 'a:y']);
  assert.equal([evaluated.train, evaluated.validation], [[], []]);
  const message = await load({ data: 'ignored', testFile: path.join(dir, 'a.json') }, { labels: ['b', 'c'] }).catch(
    (e: Error) => e.message,
  );
  assert.is(message, `${dir}/a.json row 2, column "label": label "a" is not a class of the model (b, c)`);
});

test('parquet ClassLabel names win over the values seen, and a test split of -1 labels is not evaluated', async () => {
  const names = ['World', 'Sports', 'Business', 'Sci/Tech'];
  const dir = folder({
    'data/train-00000-of-00001.parquet': parquet(['a', 'b', 'c'], [3, 0, 3], names),
    'data/validation-00000-of-00001.parquet': parquet(['d'], [1], names),
    'data/test-00000-of-00001.parquet': parquet(['e', 'f'], [-1, -1], names),
  });
  const { dataset, notes } = await load({ data: dir });
  assert.equal(dataset.labels, names);
  assert.equal(named(dataset, 'train'), ['Sci/Tech:a', 'World:b', 'Sci/Tech:c']);
  assert.equal(named(dataset, 'validation'), ['Sports:d']);
  assert.equal(dataset.test, []);
  assert.equal(notes, [`${dir}: the test split has no labels; it is not evaluated`]);
});

test('a train-only source holds out a seeded, stratified validation split, and a recorded one is reused', async () => {
  const rows = [['text', 'label']];
  for (let i = 0; i < 60; i++) rows.push([`s${i}`, ['a', 'b', 'c'][i % 3 === 2 ? 2 : i % 2]]);
  const file = path.join(folder({ 'reviews.csv': csv(rows) }), 'reviews.csv');
  const { dataset, notes } = await load({ data: file, validationSplitPercentage: 20, seed: 7 });
  const count = (examples: Dataset['train'], label: number) => examples.filter((e) => e.label === label).length;
  const perClass = [0, 1, 2].map((label) => count(dataset.train, label) + count(dataset.validation, label));
  assert.equal(
    [0, 1, 2].map((label) => count(dataset.validation, label)),
    perClass.map((n) => Math.round(n * 0.2)),
  );
  assert.is(dataset.train.length + dataset.validation.length, 60);
  assert.equal(
    dataset.heldOut!.rows,
    [...dataset.heldOut!.rows].sort((a, b) => a - b),
  );
  assert.equal(
    dataset.validation.map((e) => e.text),
    dataset.heldOut!.rows.map((row) => `s${row}`),
  );
  assert.equal(notes, [`${file}: no validation split; 12 of 60 train rows held out as validation (20%, stratified by label, seed 7)`]);
  const again = (await load({ data: file, validationSplitPercentage: 20, seed: 7 })).dataset;
  assert.equal(again.heldOut, dataset.heldOut);
  const otherSeed = (await load({ data: file, validationSplitPercentage: 20, seed: 8 })).dataset;
  assert.not.equal(otherSeed.heldOut!.rows, dataset.heldOut!.rows);
  // A resumed run takes the checkpoint's rows, whatever its flags say now.
  const resumed = (await load({ data: file, seed: 8 }, { heldOut: dataset.heldOut })).dataset;
  assert.equal(resumed.validation, dataset.validation);
  assert.equal(resumed.heldOut, dataset.heldOut);
});

test('stratifiedHoldOut: round(p%) of each class, at least one of a class of two or more, never a whole class', () => {
  const labels = [...Array(9).fill(0), ...Array(2).fill(1), 2];
  const rows = stratifiedHoldOut(labels, 10, 42);
  assert.equal(
    [0, 1, 2].map((c) => rows.filter((r) => labels[r] === c).length),
    [1, 1, 0],
  );
  assert.equal(stratifiedHoldOut(labels, 10, 42), rows);
});

test("split names in paths, as the datasets library's patterns read them; one configuration at a time", () => {
  const cases: [string, string | undefined][] = [
    ['train.csv', 'train'],
    ['dev.tsv', 'validation'],
    ['valid.jsonl', 'validation'],
    ['data/test-00000-of-00001.parquet', 'test'],
    ['default/train/0000.parquet', 'train'],
    ['default/partial-train/0001.parquet', 'train'],
    ['sst2_validation.json', 'validation'],
    ['contest.csv', undefined],
    ['plain_text/unsupervised-00000-of-00001.parquet', undefined],
  ];
  for (const [p, split] of cases) assert.is(splitOfPath(p), split, p);
  const glue = ['cola/train-0.parquet', 'cola/test-0.parquet', 'mrpc/train-0.parquet', 'mrpc/validation-0.parquet', 'README.md'];
  assert.equal(filesBySplit(glue, 'glue', 'mrpc'), { train: ['mrpc/train-0.parquet'], validation: ['mrpc/validation-0.parquet'] });
  assert.throws(() => filesBySplit(glue, 'glue'), /^glue has several configurations \(cola, mrpc\); choose one with --data-config$/);
  assert.throws(
    () => filesBySplit(glue, 'glue', 'qqp'),
    /^--data-config qqp: glue has no configuration of that name \(its data folders: cola, mrpc\)$/,
  );
});

test('bad data: one line naming the file, and the row and column where there is one', async () => {
  const train = csv([
    ['text', 'label'],
    ['a', 'x'],
    ['b', 'y'],
  ]);
  const cases: [Record<string, string | Uint8Array>, Partial<DataOptions>, (dir: string) => string][] = [
    [
      {
        'train.csv': train,
        'validation.csv': csv([
          ['text', 'label'],
          ['c', 'x'],
          ['d', 'z'],
        ]),
      },
      {},
      (d) => `${d}/validation.csv line 3, column "label": label "z" is not a class of the train split (x, y)`,
    ],
    [
      {
        'train.csv': train,
        'validation.csv': csv([
          ['body', 'label'],
          ['c', 'x'],
        ]),
      },
      {},
      (d) => `${d}/validation.csv: no column "text" (it has "body", "label")`,
    ],
    [
      {
        'train.csv': csv([
          ['body', 'label'],
          ['c', 'x'],
        ]),
      },
      {},
      (d) => `no text column: ${d}/train.csv has columns "body", "label"; name it with --text-column (and --text-pair-column for pairs)`,
    ],
    [
      {
        'train.csv': csv([
          ['text', 'stars'],
          ['c', '5'],
        ]),
      },
      {},
      (d) => `no label column: ${d}/train.csv has columns "text", "stars"; name it with --label-column`,
    ],
    [
      { 'train.csv': train },
      { labelColumn: 'rating' },
      (d) => `--label-column rating: no such column (${d}/train.csv has columns "text", "label")`,
    ],
    [
      {
        'train.csv': csv([
          ['text', 'label'],
          ['a', '1'],
          ['b', '0.5'],
        ]),
      },
      {},
      (d) =>
        `${d}/train.csv line 3, column "label": 0.5 is not a class label: labels are integers or strings (regression is not supported)`,
    ],
    [
      { 'train.jsonl': '{"text": "a", "label": 1}\n{"text": "b", "label": 2.5}\n' },
      {},
      (d) =>
        `${d}/train.jsonl line 2, column "label": 2.5 is not a class label: labels are integers or strings (regression is not supported)`,
    ],
    [
      { 'train.jsonl': '{"text": "a", "label": 1}\n{"text": 3, "label": 2}\n' },
      {},
      (d) => `${d}/train.jsonl line 2, column "text": expected text, got 3`,
    ],
    [
      {
        'train.csv': csv([
          ['text', 'label'],
          ['a', 'x'],
          ['b', 'y'],
          ['c', ''],
        ]),
      },
      {},
      (d) => `${d}/train.csv line 4, column "label": no label`,
    ],
    [{ 'train.csv': '' }, {}, (d) => `${d}/train.csv: empty file (expected a header row naming the columns)`],
    [{ 'train.jsonl': '\n' }, {}, (d) => `${d}/train.jsonl: empty file (no rows)`],
    [
      { 'train.csv': new Uint8Array([...Buffer.from('text,label\n\xff,x\n', 'latin1')]) },
      {},
      (d) => `${d}/train.csv line 2, column 1: byte 0xFF is not UTF-8; save the file as UTF-8`,
    ],
    [
      {
        'train.csv': csv([
          ['text', 'label'],
          ['a', 'x'],
          ['b', 'x'],
        ]),
      },
      {},
      (d) => `${d}: the train split has only one label (x); classification needs two or more`,
    ],
    [
      { 'validation.csv': train },
      {},
      (d) =>
        `${d}: no training data (expected files named by split, such as train.csv, validation.csv, test.csv, or rt-polarity.pos and rt-polarity.neg)`,
    ],
  ];
  for (const [files, flags, expected] of cases) {
    const dir = folder(files);
    assert.is(await failure({ data: dir, ...flags }), expected(dir));
  }
  assert.is(await failure({ data: './no/such/folder' }), '--data ./no/such/folder: no such file or folder (nor a Hugging Face dataset id)');
});

test('a hub id: parquet files listed on main, downloaded into the HF cache, then read from it offline', async () => {
  const names = ['neg', 'pos'];
  const repo = HUB_ALIASES.rotten_tomatoes;
  const files = {
    'train.parquet': hubParquet(['a gem', 'a mess'], [1, 0], names),
    'validation.parquet': hubParquet(['fine'], [1], names),
    'test.parquet': hubParquet(['dull'], [0], names),
    'README.md': { content: new TextEncoder().encode('# rotten tomatoes') },
  };
  await withFakeHub({ repos: { [`dataset ${repo}`]: files } }, async (hub, cache) => {
    const { dataset } = await load({ data: 'rotten_tomatoes' });
    assert.equal(dataset.labels, names);
    assert.equal(named(dataset, 'train'), ['pos:a gem', 'neg:a mess']);
    assert.is(hub.requests[0].url, `/api/datasets/${repo}/tree/main`);
    assert.not.ok(hub.requests.some((r) => r.url.includes('README')));
    const snapshot = path.join(cache, `datasets--${repo.replace('/', '--')}`, 'snapshots', FAKE_COMMIT, 'train.parquet');
    assert.ok((await import('node:fs')).existsSync(snapshot));
    const before = hub.requests.length;
    process.env.HF_HUB_OFFLINE = '1';
    assert.equal((await load({ data: 'rotten_tomatoes' })).dataset, dataset);
    assert.is(hub.requests.length, before, 'no request once cached');
  });
});

test('a hub id without parquet on main reads refs/convert/parquet; --data-config picks a configuration', async () => {
  const converted = {
    'cola/train/0000.parquet': hubParquet(['x', 'y'], [0, 1], ['unacceptable', 'acceptable']),
    'cola/validation/0000.parquet': hubParquet(['z'], [1], ['unacceptable', 'acceptable']),
    'sst2/train/0000.parquet': hubParquet(['p', 'q'], [0, 1], ['negative', 'positive']),
  };
  const main = { 'glue.py': { content: new TextEncoder().encode('# a loading script') } };
  const repos = { 'dataset org/glue': main, 'dataset org/glue@refs/convert/parquet': converted, 'dataset org/empty': main };
  await withFakeHub({ repos }, async (hub) => {
    assert.is(
      await failure({ data: 'org/glue' }),
      'dataset org/glue (refs/convert/parquet) has several configurations (cola, sst2); choose one with --data-config',
    );
    assert.ok(hub.requests.some((r) => r.url === '/api/datasets/org/glue/tree/refs%2Fconvert%2Fparquet'));
    const { dataset, notes } = await load({ data: 'org/glue', dataConfig: 'cola' });
    assert.equal(dataset.labels, ['unacceptable', 'acceptable']);
    assert.equal(named(dataset, 'validation'), ['acceptable:z']);
    assert.equal(notes, []);
    assert.is(
      await failure({ data: 'org/empty' }),
      'dataset org/empty has no parquet files with a train split on main or refs/convert/parquet',
    );
    assert.ok((await failure({ data: 'org/missing' })).startsWith('dataset org/missing not found on http://127.0.0.1:'));
  });
});

test('without the hub and without a cache, a hub id says so in one line', async () => {
  await withFakeHub({ repos: {} }, async () => {
    process.env.HF_ENDPOINT = await closedEndpoint();
    const message = await failure({ data: 'rotten_tomatoes' });
    assert.is(
      message,
      `cannot reach ${process.env.HF_ENDPOINT} (ECONNREFUSED) and the files of dataset ${HUB_ALIASES.rotten_tomatoes} are not in the Hugging Face cache (${process.env.HF_HUB_CACHE})`,
    );
  });
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
