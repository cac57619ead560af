// A stand-in for the Hugging Face hub on 127.0.0.1, answering /resolve/ URLs the way the real hub
// does (X-Repo-Commit, ETag, and for LFS files a 302 to a CDN URL carrying X-Linked-Etag and
// X-Linked-Size) and the tree API's file lists (/api/datasets/<repo>/tree/<revision>), so hub
// downloads can be tested without network. It logs every request.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FAKE_COMMIT = 'c0ffee0000000000000000000000000000000001';

/** The commit a revision points to: FAKE_COMMIT for main, another hash for other branches. */
export const commitOf = (revision: string) => (revision === 'main' ? FAKE_COMMIT : createHash('sha1').update(revision).digest('hex'));

export interface FakeRepoFile {
  content: Uint8Array;
  /** Stored with git LFS: the resolve URL redirects to a CDN path and the etag is the sha256. */
  lfs?: boolean;
}

export interface FakeHubOptions {
  /**
   * Keys like `model distilbert-base-uncased` or `dataset org/name` (branch main), or with a branch:
   * `dataset org/name@refs/convert/parquet`; values map paths to files.
   */
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
  const branches = (kind: string, repoId: string) =>
    Object.keys(options.repos)
      .filter((key) => key.split('@')[0] === `${kind} ${repoId}`)
      .map((key) => key.split('@')[1] ?? 'main');
  /** A branch name, or the branch whose commit `revision` is. */
  const revisionName = (kind: string, repoId: string, revision: string) =>
    branches(kind, repoId).find((branch) => commitOf(branch) === revision) ?? revision;
  const revisionKey = (kind: string, repoId: string, revision: string) => {
    const branch = revisionName(kind, repoId, revision);
    return branch === 'main' ? `${kind} ${repoId}` : `${kind} ${repoId}@${branch}`;
  };

  const requests: RequestLog[] = [];
  let cutPending = options.cutFirstDownloadAfter;
  const cdn = new Map<string, FakeRepoFile>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    requests.push({ method: req.method!, url: url.pathname, range: req.headers.range });
    // As the real hub does: pages of any origin may fetch its files (the lab's Fine-tune tab).
    res.setHeader('Access-Control-Allow-Origin', '*');
    const download = (file: FakeRepoFile) => {
      const cut = req.method === 'GET' ? cutPending : undefined;
      if (req.method === 'GET') cutPending = undefined;
      sendBytes(req, res, file.content, cut);
    };

    const cdnFile = url.pathname.startsWith('/cdn/') ? cdn.get(url.pathname.slice(5)) : undefined;
    if (cdnFile) return download(cdnFile);

    const tree = /^\/api\/(dataset|model)s\/(.+?)\/tree\/([^/]+)$/.exec(url.pathname);
    if (tree) {
      const [, kind, repoId, revision] = tree;
      if (!Object.keys(options.repos).some((key) => key.split('@')[0] === `${kind} ${repoId}`)) {
        return void res.writeHead(401, { 'X-Error-Code': 'RepoNotFound' }).end();
      }
      const repo = options.repos[revisionKey(kind, repoId, decodeURIComponent(revision))];
      if (repo === undefined) return void res.writeHead(404, { 'X-Error-Code': 'RevisionNotFound' }).end();
      const entries = Object.entries(repo).map(([filePath, file]) => ({ type: 'file', path: filePath, size: file.content.length }));
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(entries));
    }
    const match = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) return void res.writeHead(404).end();
    const kind = match[1] ? 'dataset' : 'model';
    const repoId = match[2];
    const revision = decodeURIComponent(match[3]);
    const filePath = match[4].split('/').map(decodeURIComponent).join('/');
    const newName = options.renamed?.[`${kind} ${repoId}`];
    if (newName !== undefined) {
      const location = url.pathname.replace(`/${repoId}/resolve/`, `/${newName}/resolve/`);
      return void res.writeHead(307, { Location: location }).end();
    }
    const repo = options.repos[revisionKey(kind, repoId, revision)];
    if (repo === undefined) return void res.writeHead(401, { 'X-Error-Code': 'RepoNotFound' }).end();
    const commit = commitOf(revisionName(kind, repoId, revision));
    const file = repo[filePath];
    if (file === undefined) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();

    const etag = etagOf(file);
    if (file.lfs) {
      cdn.set(etag, file);
      return void res
        .writeHead(302, {
          Location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cdn/${etag}`,
          'X-Repo-Commit': commit,
          'X-Linked-Etag': `"${etag}"`,
          'X-Linked-Size': String(file.content.length),
          ETag: '"0123456789abcdef0123456789abcdef01234567"',
        })
        .end();
    }
    res.setHeader('X-Repo-Commit', commit);
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

/**
 * A parquet split as the hub stores a text-classification set: a text column, int64 labels and,
 * with `names`, the ClassLabel feature in the "huggingface" metadata that the datasets library writes.
 */
export function hubParquet(texts: readonly string[], labels: readonly number[], names?: readonly string[]): FakeRepoFile {
  const features = { text: { dtype: 'string', _type: 'Value' }, label: { names, _type: 'ClassLabel' } };
  const content = parquetWriteBuffer({
    columnData: [
      { name: 'text', data: [...texts], type: 'STRING' },
      { name: 'label', data: labels.map(BigInt), type: 'INT64' },
    ],
    kvMetadata: names ? [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }] : undefined,
  });
  return { content: new Uint8Array(content), lfs: true };
}
