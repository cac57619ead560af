// A stand-in for the Hugging Face hub on 127.0.0.1, answering /resolve/ URLs the way the real hub
// does (X-Repo-Commit, ETag, and for LFS files a 302 to a CDN URL carrying X-Linked-Etag and
// X-Linked-Size), so hub downloads can be tested without network. It logs every request.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FAKE_COMMIT = 'c0ffee0000000000000000000000000000000001';

export interface FakeRepoFile {
  content: Uint8Array;
  /** Stored with git LFS: the resolve URL redirects to a CDN path and the etag is the sha256. */
  lfs?: boolean;
}

export interface FakeHubOptions {
  /** Keys like `model distilbert-base-uncased` or `dataset org/name`; values map paths to files. */
  repos: Record<string, Record<string, FakeRepoFile>>;
  /** Repos renamed on the hub: old `kind id` -> new id, answered with a relative redirect. */
  renamed?: Record<string, string>;
  /** The first GET of a file's bytes is cut after this many bytes. */
  cutFirstDownloadAfter?: number;
}

export interface RequestLog {
  method: string;
  url: string;
  range: string | undefined;
}

export interface FakeHub {
  endpoint: string;
  requests: RequestLog[];
  close(): Promise<void>;
}

export function etagOf(file: FakeRepoFile): string {
  if (file.lfs) return createHash('sha256').update(file.content).digest('hex');
  return createHash('sha1').update(`blob ${file.content.length}\0`).update(file.content).digest('hex');
}

function sendBytes(req: http.IncomingMessage, res: http.ServerResponse, content: Uint8Array, cutAfter: number | undefined): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const headers = { 'Content-Length': String(content.length - start) };
  if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${content.length - 1}/${content.length}` });
  else res.writeHead(200, headers);
  if (req.method === 'HEAD') return void res.end();
  if (cutAfter === undefined) return void res.end(content.subarray(start));
  res.write(content.subarray(start, start + cutAfter), () => res.socket?.destroy());
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const requests: RequestLog[] = [];
  let cutPending = options.cutFirstDownloadAfter;
  const cdn = new Map<string, FakeRepoFile>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    requests.push({ method: req.method!, url: url.pathname, range: req.headers.range });
    const download = (file: FakeRepoFile) => {
      const cut = req.method === 'GET' ? cutPending : undefined;
      if (req.method === 'GET') cutPending = undefined;
      sendBytes(req, res, file.content, cut);
    };

    const cdnFile = url.pathname.startsWith('/cdn/') ? cdn.get(url.pathname.slice(5)) : undefined;
    if (cdnFile) return download(cdnFile);

    const match = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) return void res.writeHead(404).end();
    const kind = match[1] ? 'dataset' : 'model';
    const repoId = match[2];
    const filePath = match[4].split('/').map(decodeURIComponent).join('/');
    const newName = options.renamed?.[`${kind} ${repoId}`];
    if (newName !== undefined) {
      const location = url.pathname.replace(`/${repoId}/resolve/`, `/${newName}/resolve/`);
      return void res.writeHead(307, { Location: location }).end();
    }
    const repo = options.repos[`${kind} ${repoId}`];
    if (repo === undefined) return void res.writeHead(401, { 'X-Error-Code': 'RepoNotFound' }).end();
    const file = repo[filePath];
    if (file === undefined) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();

    const etag = etagOf(file);
    if (file.lfs) {
      cdn.set(etag, file);
      return void res
        .writeHead(302, {
          Location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cdn/${etag}`,
          'X-Repo-Commit': FAKE_COMMIT,
          'X-Linked-Etag': `"${etag}"`,
          'X-Linked-Size': String(file.content.length),
          ETag: '"0123456789abcdef0123456789abcdef01234567"',
        })
        .end();
    }
    res.setHeader('X-Repo-Commit', FAKE_COMMIT);
    res.setHeader('ETag', `"${etag}"`);
    download(file);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** An endpoint where nothing listens: a port that was just free. */
export async function closedEndpoint(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const HUB_VARIABLES = ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_HOME', 'HF_HUB_OFFLINE'] as const;

/**
 * Runs `body` with a fake hub as HF_ENDPOINT and a fresh temporary HF_HUB_CACHE, then stops the
 * hub, deletes the cache and restores the hub variables as they were.
 */
export async function withFakeHub(options: FakeHubOptions, body: (hub: FakeHub, cache: string) => Promise<void>): Promise<void> {
  const saved = HUB_VARIABLES.map((name) => process.env[name]);
  const cache = mkdtempSync(path.join(tmpdir(), 'hub-test-'));
  const hub = await startFakeHub(options);
  try {
    for (const name of HUB_VARIABLES) delete process.env[name];
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.HF_HUB_CACHE = cache;
    await body(hub, cache);
  } finally {
    HUB_VARIABLES.forEach((name, i) => {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    });
    await hub.close();
    rmSync(cache, { recursive: true, force: true });
  }
}
