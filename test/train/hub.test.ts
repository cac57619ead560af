// Hub downloads and the Hugging Face cache layout, against a fake hub on 127.0.0.1.
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cachedFile, hubCacheRoot, hubFile, hubSnapshot } from '../../train/hub.ts';
import {
  closedEndpoint,
  commitOf,
  etagOf,
  FAKE_COMMIT,
  withFakeHub,
  type FakeHub,
  type FakeHubOptions,
  type FakeRepoFile,
} from '../support/fake_hub.ts';

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251);
}

const config: FakeRepoFile = { content: new TextEncoder().encode('{"dim": 768}\n') };
const weights: FakeRepoFile = { content: bytes(5000, 7), lfs: true };
const parquetShard: FakeRepoFile = { content: bytes(300, 3), lfs: true };
const MODEL = 'distilbert-base-uncased';
const repos: FakeHubOptions['repos'] = {
  [`model ${MODEL}`]: { 'config.json': config, 'model.safetensors': weights },
  'dataset some-org/reviews@refs/convert/parquet': { 'default/train/0000.parquet': parquetShard },
};
const modelOpts = { repoType: 'model', hint: 'pass --model DIR' } as const;

function withHub(options: Partial<FakeHubOptions>, body: (hub: FakeHub, cache: string) => Promise<void>): Promise<void> {
  return withFakeHub({ repos, ...options }, body);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

test('cache root: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub', async () => {
  await withHub({}, async (_hub, cache) => {
    assert.is(hubCacheRoot(), cache);
    delete process.env.HF_HUB_CACHE;
    process.env.HF_HOME = '/somewhere/hf';
    assert.is(hubCacheRoot(), '/somewhere/hf/hub');
    delete process.env.HF_HOME;
    assert.ok(hubCacheRoot().endsWith('/.cache/huggingface/hub'));
  });
});

test('download lays out blobs, relative snapshot symlinks and refs like huggingface_hub', async () => {
  await withHub({}, async (hub, cache) => {
    const snapshot = await hubSnapshot(MODEL, ['config.json', 'model.safetensors'], modelOpts);
    const storage = path.join(cache, 'models--distilbert-base-uncased');
    assert.is(snapshot, path.join(storage, 'snapshots', FAKE_COMMIT));
    assert.is(readlinkSync(path.join(snapshot, 'config.json')), `../../blobs/${etagOf(config)}`);
    assert.is(readlinkSync(path.join(snapshot, 'model.safetensors')), `../../blobs/${etagOf(weights)}`);
    assert.equal(new Uint8Array(readFileSync(path.join(snapshot, 'model.safetensors'))), weights.content);
    assert.is(readFileSync(path.join(snapshot, 'config.json'), 'utf8'), '{"dim": 768}\n');
    assert.is(readFileSync(path.join(storage, 'refs', 'main'), 'utf8'), FAKE_COMMIT);
    // The LFS file is fetched from where the resolve URL's absolute redirect points.
    assert.equal(
      hub.requests.map((r) => `${r.method} ${r.url}`),
      [
        `HEAD /${MODEL}/resolve/main/config.json`,
        `GET /${MODEL}/resolve/main/config.json`,
        `HEAD /${MODEL}/resolve/${FAKE_COMMIT}/model.safetensors`,
        `GET /cdn/${etagOf(weights)}`,
      ],
    );
  });
});

test('nested dataset file at a revision with slashes', async () => {
  await withHub({}, async (hub, cache) => {
    const opts = { repoType: 'dataset', revision: 'refs/convert/parquet' } as const;
    const file = await hubFile('some-org/reviews', 'default/train/0000.parquet', opts);
    const storage = path.join(cache, 'datasets--some-org--reviews');
    const commit = commitOf('refs/convert/parquet');
    assert.is(file, path.join(storage, 'snapshots', commit, 'default', 'train', '0000.parquet'));
    assert.is(readlinkSync(file), `../../../../blobs/${etagOf(parquetShard)}`);
    assert.is(readFileSync(path.join(storage, 'refs', 'refs', 'convert', 'parquet'), 'utf8'), commit);
    assert.is(hub.requests[0].url, '/datasets/some-org/reviews/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet');
  });
});

test('a cached file is used again without any request', async () => {
  await withHub({}, async (hub) => {
    const first = await hubFile(MODEL, 'config.json', modelOpts);
    const count = hub.requests.length;
    assert.is(await hubFile(MODEL, 'config.json', modelOpts), first);
    assert.is(await hubSnapshot(MODEL, ['config.json'], modelOpts), path.dirname(first));
    assert.is(hub.requests.length, count);
  });
});

test('a cache written by huggingface_hub is found, even with the hub unreachable', async () => {
  await withHub({}, async (_hub, cache) => {
    process.env.HF_ENDPOINT = await closedEndpoint();
    const storage = path.join(cache, 'models--distilbert-base-uncased');
    mkdirSync(path.join(storage, 'blobs'), { recursive: true });
    mkdirSync(path.join(storage, 'refs'));
    mkdirSync(path.join(storage, 'snapshots', FAKE_COMMIT), { recursive: true });
    writeFileSync(path.join(storage, 'blobs', 'abc123'), 'vocab');
    writeFileSync(path.join(storage, 'refs', 'main'), FAKE_COMMIT);
    symlinkSync('../../blobs/abc123', path.join(storage, 'snapshots', FAKE_COMMIT, 'vocab.txt'));
    const file = await hubFile(MODEL, 'vocab.txt', modelOpts);
    assert.is(readFileSync(file, 'utf8'), 'vocab');
    assert.is(cachedFile(MODEL, 'vocab.txt', { repoType: 'model', revision: FAKE_COMMIT }), file);
  });
});

test('HF_HUB_OFFLINE=1 serves the cache and names what is missing', async () => {
  await withHub({}, async (hub, cache) => {
    const cached = await hubFile(MODEL, 'config.json', modelOpts);
    const count = hub.requests.length;
    process.env.HF_HUB_OFFLINE = '1';
    assert.is(await hubFile(MODEL, 'config.json', modelOpts), cached);
    const message = await rejection(hubFile(MODEL, 'model.safetensors', modelOpts));
    assert.is(
      message,
      `HF_HUB_OFFLINE is set and model.safetensors of model ${MODEL} is not in the Hugging Face cache (${cache}); pass --model DIR`,
    );
    assert.is(hub.requests.length, count);
  });
});

test('a cut download is resumed with a Range request', async () => {
  await withHub({ cutFirstDownloadAfter: 1200 }, async (hub) => {
    const file = await hubFile(MODEL, 'model.safetensors', modelOpts);
    assert.equal(new Uint8Array(readFileSync(file)), weights.content);
    const downloads = hub.requests.filter((r) => r.method === 'GET');
    assert.equal(
      downloads.map((r) => r.range),
      [undefined, 'bytes=1200-'],
    );
  });
});

test('a partial blob left by an earlier run is resumed, a corrupt one is discarded', async () => {
  await withHub({}, async (hub, cache) => {
    const incomplete = path.join(cache, 'models--distilbert-base-uncased', 'blobs', `${etagOf(weights)}.incomplete`);
    mkdirSync(path.dirname(incomplete), { recursive: true });
    writeFileSync(incomplete, new Uint8Array(700).fill(1));
    const message = await rejection(hubFile(MODEL, 'model.safetensors', modelOpts));
    assert.ok(message.includes('sha256 differs'), message);
    assert.not.ok(existsSync(incomplete));

    writeFileSync(incomplete, weights.content.subarray(0, 700));
    const file = await hubFile(MODEL, 'model.safetensors', modelOpts);
    assert.equal(new Uint8Array(readFileSync(file)), weights.content);
    assert.equal(
      hub.requests.filter((r) => r.method === 'GET').map((r) => r.range),
      ['bytes=700-', 'bytes=700-'],
    );
  });
});

test('a renamed repo (relative redirect) is followed and cached under the asked name', async () => {
  await withHub({ renamed: { 'model old-name': MODEL } }, async (hub, cache) => {
    const file = await hubFile('old-name', 'config.json', modelOpts);
    assert.is(file, path.join(cache, 'models--old-name', 'snapshots', FAKE_COMMIT, 'config.json'));
    assert.is(readFileSync(file, 'utf8'), '{"dim": 768}\n');
    assert.is(hub.requests[1].url, `/${MODEL}/resolve/main/config.json`);
  });
});

test('a missing file or repo gives one clear error', async () => {
  await withHub({}, async (hub) => {
    assert.is(
      await rejection(hubFile(MODEL, 'tokenizer.json', modelOpts)),
      `model ${MODEL} has no file tokenizer.json at revision 'main' (HTTP 404 for ${hub.endpoint}/${MODEL}/resolve/main/tokenizer.json)`,
    );
    const message = await rejection(hubFile('nobody/nothing', 'train.parquet', { repoType: 'dataset' }));
    assert.ok(message.startsWith(`dataset nobody/nothing not found on ${hub.endpoint}`), message);
  });
});

test('an unreachable hub with nothing cached says what to pass instead', async () => {
  await withHub({}, async (_hub, cache) => {
    const endpoint = await closedEndpoint();
    process.env.HF_ENDPOINT = endpoint;
    assert.is(
      await rejection(hubFile(MODEL, 'config.json', modelOpts)),
      `cannot reach ${endpoint} (ECONNREFUSED) and config.json of model ${MODEL} is not in the Hugging Face cache (${cache}); pass --model DIR`,
    );
  });
});

test('repo ids, paths and revisions that could leave the cache are refused', async () => {
  await withHub({}, async () => {
    assert.ok((await rejection(hubFile('../etc', 'passwd', modelOpts))).startsWith("invalid Hugging Face repo id '../etc'"));
    assert.ok((await rejection(hubFile(MODEL, 'a/../../x', modelOpts))).startsWith("invalid file path 'a/../../x'"));
    assert.ok((await rejection(hubFile(MODEL, 'x', { ...modelOpts, revision: '../../x' }))).startsWith("invalid revision '../../x'"));
  });
});

test.run();
