// The lab page in a real browser: Debian's Chromium, headless, WebGPU on SwiftShader (test/support/chromium.ts).
// One browser and one page for every test here; the page is built as `npm run lab` builds it and
// served by the lab's server with ../shared's data and a tiny checkpoint made below. It checks that
// the engine runs unchanged in a page: the kernel lab's validations pass for every family, training
// steps give the losses the same steps give in Node, the page's saved model folder is what Node
// loads, and the training view draws.
import '../support/setup.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLab } from '../../lab/build.ts';
import type { FineTuneRecipe, LabApi } from '../../lab/lab_api.ts';
import { type LabServer, startServer } from '../../lab/server.ts';
import { DEFAULT_TRAIN_OPTIONS, type StepRecord, Training, type TrainOptions, tokenizerAt } from '../../lab/trainer.ts';
import { initModel, loadModel, saveModel } from '../../model/checkpoint.ts';
import { readConfig } from '../../model/models.ts';
import { WordPieceTokenizer } from '../../model/tokenizer.ts';
import type { Example } from '../../train/data/dataset.ts';
import { readPolarityDir } from '../../train/data/load.ts';
import { launchChromium } from '../support/chromium.ts';
import { type FakeHub, hubParquet, startFakeHub } from '../support/fake_hub.ts';
import { baseModelDir } from '../support/tiny_run.ts';

const shared = path.resolve(baseModelDir, '..', '..');
/**
 * The tiniest model and batch that still run every kind of kernel a training step runs: both
 * hosts compile every kernel of the step cold (Chromium keeps no shader cache between profiles,
 * and CI's Mesa starts empty), and a kernel's compile time grows with its unrolled tile. Batches
 * of 2 sentences cut at 7 tokens are 14 rows and widths are 8 and 16, so the direct matmul's
 * tiles are its smallest, 4 or 8 outputs a side per thread (kernels/matmul.ts's directOptionsFor):
 * three steps cold take a Node process 18 s of CPU on lavapipe, against 170 s for the model of
 * test/support/tiny_run.ts (dim 32, batch 16 x 32 tokens), nearly all of it compiling matmuls.
 */
const TINY = { dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16 };
const OPTIONS = { ...DEFAULT_TRAIN_OPTIONS, batchSize: 2, lr: 1e-2, maxLength: 7 };
const STEPS = 3;
/**
 * Losses in the browser and in Node may differ by float32 rounding only: the same WGSL runs in
 * both, but compiled by different compilers (SwiftShader's and lavapipe's) for subgroups of 4 and
 * 8, so row reductions add in other orders. Over a few steps that stays near 1e-6 relative; 1e-4
 * leaves room and still catches any real difference (a wrong batch, dropout mask or update moves
 * the loss by 1e-3 or more).
 */
const LOSS_TOLERANCE = 1e-4;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-browser-'));
const tinyDir = path.join(work, 'checkpoints', 'tiny');
const dataset = readPolarityDir(path.join(shared, 'data', 'rotten_tomatoes'));
/**
 * The fake hub's rotten_tomatoes: sentences of more than 10 words, so that every batch is 2 x 7
 * tokens, the shapes whose kernels the steps before compiled; 2 batches to an epoch.
 */
const long = (examples: readonly Example[], n: number) => examples.filter((e) => e.text.split(' ').length > 10).slice(0, n);
const hubSplits = { train: long(dataset.train, 4), validation: long(dataset.validation, 2), test: long(dataset.test, 2) };
let hub: FakeHub;
let server: LabServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
const pageErrors: string[] = [];

/** Runs `body` with the page's `window.lab`, passing `arg`; resolves with its result. */
function inPage<A, R>(body: (lab: LabApi, arg: A) => Promise<R> | R, arg: A): Promise<R> {
  return page.evaluate(`window.lab.then((lab) => (${body.toString()})(lab, ${JSON.stringify(arg)}))`) as Promise<R>;
}

/** The share of a PNG's pixels that are not near-white, measured by the page's canvas. */
const INKED_SHARE = `async (png) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + png;
  await image.decode();
  const canvas = Object.assign(document.createElement('canvas'), { width: image.width, height: image.height });
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 600) inked++;
  return inked / (data.length / 4);
}`;

/** `steps` steps of `options` in Node from the tiny checkpoint, on `examples`. */
async function stepsInNode(examples: readonly Example[], options: TrainOptions, steps: number): Promise<StepRecord[]> {
  const training = new Training(loadModel(tinyDir, { log: () => {} }), tokenizerAt(tinyDir, options.maxLength), examples, options);
  const records: StepRecord[] = [];
  for (let i = 0; i < steps; i++) records.push(await training.next());
  training.release();
  training.model.release();
  return records;
}

/** The page's steps are Node's: the same step numbers, losses and gradient norms within LOSS_TOLERANCE. */
function assertSameSteps(page: readonly StepRecord[], node: readonly StepRecord[]): void {
  assert.equal(
    page.map((s) => s.step),
    node.map((s) => s.step),
  );
  for (const [i, p] of page.entries()) {
    const n = node[i];
    assert.ok(Math.abs(p.loss - n.loss) <= LOSS_TOLERANCE, `step ${p.step}: page loss ${p.loss}, Node ${n.loss}`);
    assert.ok(
      Math.abs(p.gradNorm - n.gradNorm) <= LOSS_TOLERANCE * n.gradNorm * 10,
      `step ${p.step}: page norm ${p.gradNorm}, Node ${n.gradNorm}`,
    );
  }
}

test.before(async () => {
  const site = path.join(work, 'site');
  const checkpoints = path.join(work, 'checkpoints');
  await buildLab(site);
  const config = readConfig(path.join(baseModelDir, 'config.json')).with(TINY);
  const model = initModel(config, 7);
  await saveModel(model, WordPieceTokenizer.fromDir(baseModelDir), tinyDir);
  model.release();
  // The hub's distilbert-base-uncased is the tiny checkpoint, its weights behind an LFS redirect as on the real hub.
  const file = (name: string) => ({ content: fs.readFileSync(path.join(tinyDir, name)), lfs: name.endsWith('.safetensors') });
  const names = ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'];
  hub = await startFakeHub({
    repos: {
      'model distilbert-base-uncased': Object.fromEntries(names.map((name) => [name, file(name)])),
      'dataset cornell-movie-review-data/rotten_tomatoes': Object.fromEntries(
        Object.entries(hubSplits).map(([split, rows]) => [
          `${split}.parquet`,
          hubParquet(
            rows.map((r) => r.text),
            rows.map((r) => r.label),
          ),
        ]),
      ),
    },
  });
  server = await startServer({ '/': site, '/data/': shared, '/test/': checkpoints }, 0);
  const chromium = await launchChromium();
  closeBrowser = chromium.close;
  browser = chromium.browser;
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.setViewport({ width: 1100, height: 900 });
  await page.goto(`${server.url}?HF_ENDPOINT=${hub.endpoint}`);
});

test.after(async () => {
  await closeBrowser?.();
  await server?.close();
  await hub?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('the page opens WebGPU through navigator.gpu and says what it opened', async () => {
  const adapter = await inPage((lab) => lab.adapter(), null);
  assert.ok(adapter.name.length > 0);
  assert.ok(adapter.features.includes('timestamp-query'), adapter.features.join(', '));
  const line = await page.$eval('#adapter-line', (e) => e.textContent ?? '');
  assert.ok(line.startsWith(adapter.name), line);
  assert.equal(pageErrors, []);
});

test('a browser without WebGPU gets one line on the page saying what to do', async () => {
  const bare = await browser.newPage();
  try {
    await bare.evaluateOnNewDocument('delete Navigator.prototype.gpu');
    await bare.goto(server.url);
    const line = await bare.waitForSelector('#error:not([hidden])').then((e) => e!.evaluate((p) => p.textContent ?? ''));
    assert.is(line, 'this browser has no WebGPU (navigator.gpu): use a recent Chrome, Edge or Safari, or Firefox with WebGPU enabled');
  } finally {
    await bare.close();
  }
});

let browserSteps: StepRecord[];

test(`${STEPS} training steps in the page give the losses the same steps give in Node`, async () => {
  browserSteps = await inPage((lab, args) => lab.train({ model: 'test/tiny/', ...args }), { steps: STEPS, options: OPTIONS });
  assert.is(browserSteps.length, STEPS);
  assertSameSteps(browserSteps, await stepsInNode(dataset.train, OPTIONS, STEPS));
  // The steps learned something: the loss of the last is not the first's.
  assert.not.equal(browserSteps[0].loss, browserSteps[STEPS - 1].loss);
});

test("the page's saved model folder is what Node loads, byte for byte when Node saves it again", async () => {
  const files = await inPage((lab) => lab.saveModel(), null);
  assert.equal(Object.keys(files).sort(), ['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
  const fromPage = path.join(work, 'from-page');
  fs.mkdirSync(fromPage);
  for (const [name, base64] of Object.entries(files)) fs.writeFileSync(path.join(fromPage, name), Buffer.from(base64, 'base64'));
  const model = loadModel(fromPage, { requireHead: true, log: () => {} });
  const again = path.join(work, 'saved-by-node');
  await saveModel(model, tokenizerAt(fromPage, OPTIONS.maxLength), again);
  model.release();
  for (const name of Object.keys(files)) {
    assert.ok(fs.readFileSync(path.join(fromPage, name)).equals(fs.readFileSync(path.join(again, name))), name);
  }
});

test('the training view draws: a screenshot of it is not blank', async () => {
  await inPage((lab) => lab.showTab('train'), null);
  const shot = await page.screenshot({ type: 'png', encoding: 'base64' });
  const inked = (await page.evaluate(`(${INKED_SHARE})(${JSON.stringify(shot)})`)) as number;
  assert.ok(inked > 0.01, `only ${(100 * inked).toFixed(2)}% of the screenshot is drawn`);
  const curve = await page.$eval('#train svg path', (p) => p.getAttribute('d') ?? '');
  assert.is(curve.split('L').length, STEPS, curve);
  assert.equal(pageErrors, []);
});

// The first variant of each family: on SwiftShader every distinct kernel takes seconds to compile,
// and test/bench/bench.test.ts validates every variant in Node.
test('every kernel family validates against its float64 reference in the page', async () => {
  const validations = await inPage((lab) => lab.validateKernels(undefined, true), null);
  const families = new Set(validations.map((v) => v.group));
  assert.is(families.size, validations.length);
  assert.is(families.size, 12, [...families].join(', '));
  for (const v of validations) assert.is(v.error, null, `${v.group} ${v.variant}`);
});

// Last: it reloads the page.
test('a fine-tuning run from the hub resumes in a reloaded page from its IndexedDB checkpoint, as if never stopped', async () => {
  const recipe: FineTuneRecipe = { lr: 1e-2, batchSize: 2, epochs: 2, maxLength: OPTIONS.maxLength, seed: 42 };
  // The first epoch (2 steps); its checkpoint goes into IndexedDB before the call returns.
  const first = await inPage((lab, r) => lab.fineTuneFromHub({ recipe: r, steps: 2 }), recipe);
  await page.reload();
  const resumed = await inPage((lab) => lab.resumeFineTune(), null);
  assert.equal(resumed.options, first.options);
  assertSameSteps([...first.records, ...resumed.records], await stepsInNode(hubSplits.train, first.options, 4));
  // The model and the data came from the hub, the weights through its LFS redirect.
  for (const file of [
    '/distilbert-base-uncased/resolve/main/config.json',
    '/datasets/cornell-movie-review-data/rotten_tomatoes/resolve/main/train.parquet',
  ]) {
    assert.ok(
      hub.requests.some((r) => r.url === file),
      file,
    );
  }
  assert.ok(hub.requests.some((r) => r.url.startsWith('/cdn/')));
  assert.equal(pageErrors, []);
});

test.run();
