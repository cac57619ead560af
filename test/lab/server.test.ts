// The lab's server (lab/server.ts) serves its own folders and nothing else: every way out of them
// (`..`, percent-encoded `%2e%2e`, absolute paths, symlinks, backslashes) is a 404, like a missing
// file. Requests go out through node:http with the path as written, since fetch and URL would
// normalise the dots away before they reach the server.
import * as fs from 'node:fs';
import http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type LabServer, startServer } from '../../lab/server.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-server-'));
const site = path.join(work, 'site');
const data = path.join(work, 'data');
const outside = path.join(work, 'outside');
for (const dir of [site, data, outside]) fs.mkdirSync(dir);
fs.writeFileSync(path.join(site, 'index.html'), '<p>lab</p>');
fs.writeFileSync(path.join(data, 'vocab.txt'), '[PAD]\n');
fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
fs.symlinkSync(outside, path.join(data, 'linked-folder'));
fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(site, 'linked-file.txt'));
// A symlink that stays inside its folder is served.
fs.symlinkSync(path.join(data, 'vocab.txt'), path.join(data, 'alias.txt'));

let server: LabServer;

function get(urlPath: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: urlPath, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

test.before(async () => {
  server = await startServer({ '/': site, '/data/': data }, 0);
});

test.after(async () => {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('binds 127.0.0.1 and serves its folders', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(await get('/'), { status: 200, body: '<p>lab</p>' });
  assert.equal(await get('/data/vocab.txt'), { status: 200, body: '[PAD]\n' });
  assert.equal(await get('/data/alias.txt'), { status: 200, body: '[PAD]\n' });
  assert.equal(await get('/data/vocab.txt?v=2'), { status: 200, body: '[PAD]\n' });
});

test('every path out of its folders is a 404', async () => {
  const secret = path.join(outside, 'secret.txt');
  const attempts = [
    '/../outside/secret.txt',
    '/data/../../outside/secret.txt',
    '/data/../index.html',
    '/%2e%2e/outside/secret.txt',
    '/%2E%2E/outside/secret.txt',
    '/data/%2e%2e/%2e%2e/outside/secret.txt',
    '/data/..%2f..%2foutside%2fsecret.txt',
    '/..%5c..%5coutside%5csecret.txt',
    `/${secret}`,
    `/data/${secret}`,
    `/data/${encodeURIComponent(secret)}`,
    '/data/linked-folder/secret.txt',
    '/linked-file.txt',
    '/data/vocab.txt%00.html',
    '/%zz',
    '/missing.txt',
  ];
  for (const attempt of attempts) {
    const { status, body } = await get(attempt);
    assert.is(status, 404, attempt);
    assert.is(body, 'not found\n', attempt);
  }
  assert.is((await get('/', 'POST')).status, 404);
});

test.run();
