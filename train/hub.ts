// Fetches files of a Hugging Face hub repo (model or dataset) through the standard Hugging Face
// cache, laid out exactly as huggingface_hub lays it out, so that a model transformers already
// cached is found here and whatever we download is usable by transformers:
//   <cache>/models--<org>--<name>/blobs/<etag>                    the file's bytes
//   <cache>/models--<org>--<name>/snapshots/<commit>/<path>       relative symlink to the blob
//   <cache>/models--<org>--<name>/refs/<revision>                 the commit hash
// Unlike huggingface_hub, a file already cached for the revision is used without asking the
// server whether the branch moved: training runs must start offline and reproducibly.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';

export type RepoType = 'model' | 'dataset';

export interface HubOptions {
  repoType: RepoType;
  /** Branch, tag or commit hash; default `main`. */
  revision?: string;
  /** What the user can do instead when the file can be neither downloaded nor found in the cache. */
  hint?: string;
}

const DEFAULT_REVISION = 'main';
const COMMIT_HASH = /^[0-9a-f]{40}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const IDLE_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 10;
const DOWNLOAD_ATTEMPTS = 4;
const PROGRESS_MIN_BYTES = 10 * 1024 * 1024;

export function hubEndpoint(): string {
  return (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

export function hubCacheRoot(): string {
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  if (process.env.HF_HOME) return path.join(process.env.HF_HOME, 'hub');
  return path.join(homedir(), '.cache', 'huggingface', 'hub');
}

/** huggingface_hub reads its boolean variables this way: 1, ON, YES or TRUE in any case. */
function hubOffline(): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((process.env.HF_HUB_OFFLINE ?? '').toUpperCase());
}

/** Relative, and without '.' or '..' parts, so that it cannot point outside the cache. */
function isPlainRelativePath(value: string): boolean {
  return value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function checkNames(repo: string, file: string, revision: string): void {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repo) || repo.includes('--') || repo.includes('..')) {
    throw new Error(`invalid Hugging Face repo id '${repo}': expected 'name' or 'org/name'`);
  }
  if (!isPlainRelativePath(file)) throw new Error(`invalid file path '${file}' in Hugging Face repo ${repo}`);
  if (!isPlainRelativePath(revision)) throw new Error(`invalid revision '${revision}' of Hugging Face repo ${repo}`);
}

/** `<cache>/models--org--name`, or `datasets--org--name`: the folder name huggingface_hub uses. */
export function repoCacheDir(repo: string, repoType: RepoType): string {
  return path.join(hubCacheRoot(), [`${repoType}s`, ...repo.split('/')].join('--'));
}

function describe(repo: string, file: string, repoType: RepoType): string {
  return `${file} of ${repoType} ${repo}`;
}

/** The cached snapshot folder of this revision, found without any request, or undefined. */
function cachedSnapshot(repo: string, opts: HubOptions): string | undefined {
  const revision = opts.revision ?? DEFAULT_REVISION;
  const storage = repoCacheDir(repo, opts.repoType);
  let commit = revision;
  if (!COMMIT_HASH.test(revision)) {
    const ref = path.join(storage, 'refs', revision);
    if (!existsSync(ref)) return undefined;
    commit = readFileSync(ref, 'utf8').trim();
  }
  return path.join(storage, 'snapshots', commit);
}

/** The cached file for this revision, found without any request, or undefined. */
export function cachedFile(repo: string, file: string, opts: HubOptions): string | undefined {
  checkNames(repo, file, opts.revision ?? DEFAULT_REVISION);
  const snapshot = cachedSnapshot(repo, opts);
  const pointer = snapshot && path.join(snapshot, ...file.split('/'));
  return pointer && existsSync(pointer) ? pointer : undefined;
}

/** The paths of the files cached for this revision ('/'-separated, relative to the repo). */
export function cachedFiles(repo: string, opts: HubOptions): string[] {
  checkNames(repo, 'x', opts.revision ?? DEFAULT_REVISION);
  const snapshot = cachedSnapshot(repo, opts);
  if (snapshot === undefined || !existsSync(snapshot)) return [];
  return readdirSync(snapshot, { recursive: true, encoding: 'utf8' })
    .filter((entry) => statSync(path.join(snapshot, entry)).isFile())
    .map((entry) => entry.split(path.sep).join('/'))
    .sort();
}

interface FileMetadata {
  commit: string;
  etag: string;
  size: number | undefined;
  /** Where the bytes are: the resolve URL itself, or the CDN it redirects to for LFS files. */
  location: string;
}

class HubUnreachable extends Error {}

function resolveUrl(repo: string, file: string, opts: HubOptions, revision: string): string {
  const prefix = opts.repoType === 'dataset' ? 'datasets/' : '';
  const encodedPath = file.split('/').map(encodeURIComponent).join('/');
  return `${hubEndpoint()}/${prefix}${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}

/** ETags come quoted and sometimes weak (W/"..."); the cache names blobs by the bare value. */
function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const bare = etag.replace(/^W\//, '').replace(/^"|"$/g, '');
  return /^[\w.+=-]+$/.test(bare) && !bare.startsWith('.') ? bare : undefined;
}

function header(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One request with node's http/https rather than fetch: its body arrives as 'data' events that
 * are written as they come, so a cut connection loses nothing already received and the resume
 * offset is exact. A failure to connect becomes HubUnreachable so callers can give the hint.
 */
function send(url: string, method: 'HEAD' | 'GET', headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).request(url, { method, headers }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new HubUnreachable(err.code ?? err.message)));
    req.end();
  });
}

function isRedirect(res: IncomingMessage): boolean {
  return res.statusCode! >= 300 && res.statusCode! < 400 && header(res, 'location') !== undefined;
}

function httpError(res: IncomingMessage, repo: string, file: string, opts: HubOptions, revision: string, url: string): Error {
  const what = `${opts.repoType} ${repo}`;
  const code = header(res, 'x-error-code');
  if (code === 'RepoNotFound' || code === 'GatedRepo' || res.statusCode === 401) {
    return new Error(`${what} not found on ${hubEndpoint()} or not accessible without a login (HTTP ${res.statusCode} for ${url})`);
  }
  if (code === 'RevisionNotFound') return new Error(`${what} has no revision '${revision}' (HTTP ${res.statusCode} for ${url})`);
  if (res.statusCode === 404) return new Error(`${what} has no file ${file} at revision '${revision}' (HTTP 404 for ${url})`);
  return new Error(`cannot fetch ${file} of ${what}: HTTP ${res.statusCode} for ${url}`);
}

/**
 * Learns commit, etag and size from a HEAD request, as huggingface_hub does: relative redirects
 * (a renamed repo) are followed, an absolute one (LFS files on a CDN) is where the bytes are, and
 * its headers already hold the metadata (X-Linked-Etag, X-Linked-Size).
 */
async function fileMetadata(repo: string, file: string, opts: HubOptions, revision: string): Promise<FileMetadata> {
  let url = resolveUrl(repo, file, opts, revision);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await send(url, 'HEAD', { 'Accept-Encoding': 'identity' });
    res.resume();
    const target = header(res, 'location');
    if (isRedirect(res) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(target!)) {
      url = new URL(target!, url).href;
      continue;
    }
    if (res.statusCode! >= 400) throw httpError(res, repo, file, opts, revision, url);
    const commit = header(res, 'x-repo-commit');
    const etag = normalizeEtag(header(res, 'x-linked-etag') ?? header(res, 'etag'));
    if (commit === undefined || !COMMIT_HASH.test(commit) || etag === undefined) {
      throw new Error(`${url} answered without a commit hash (X-Repo-Commit) or ETag; is ${hubEndpoint()} a Hugging Face hub?`);
    }
    const size = Number(header(res, 'x-linked-size') ?? header(res, 'content-length') ?? NaN);
    return { commit, etag, size: Number.isFinite(size) ? size : undefined, location: isRedirect(res) ? target! : url };
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects for ${file} of ${opts.repoType} ${repo}`);
}

/** GET that follows every redirect (the CDN may redirect again). */
async function get(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await send(url, 'GET', headers);
    if (!isRedirect(res)) return res;
    res.resume();
    url = new URL(header(res, 'location')!, url).href;
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
}

function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** A progress bar on stderr for large files, only on a terminal so logs and tests stay clean. */
function progressBar(label: string, total: number | undefined): cliProgress.SingleBar | undefined {
  if (total === undefined || total < PROGRESS_MIN_BYTES || !process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} |{bar}| {percentage}% of ${(total / 2 ** 20).toFixed(0)} MB`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

/** Appends the body to the open file, each chunk as it arrives. */
function saveBody(res: IncomingMessage, fd: number, onChunk: (bytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    res.on('data', (chunk: Buffer) => {
      try {
        writeSync(fd, chunk);
        onChunk(chunk.length);
      } catch (err) {
        res.destroy(err as Error);
      }
    });
    res.on('end', resolve);
    res.on('error', reject);
  });
}

/**
 * Streams the bytes into `<blob>.incomplete`, resuming with a Range request from what an earlier
 * cut attempt (in this call or a previous run) left there.
 */
async function downloadTo(incomplete: string, meta: FileMetadata, label: string): Promise<void> {
  let lastFailure = '';
  const bar = progressBar(label, meta.size);
  try {
    for (let attempt = 0; attempt < DOWNLOAD_ATTEMPTS; attempt++) {
      let have = fileSize(incomplete);
      if (meta.size !== undefined && have > meta.size) have = 0;
      if (meta.size !== undefined && have === meta.size) return;
      let res: IncomingMessage;
      try {
        res = await get(meta.location, have > 0 ? { Range: `bytes=${have}-` } : {});
      } catch (err) {
        if (!(err instanceof HubUnreachable)) throw err;
        lastFailure = err.message;
        continue;
      }
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        res.resume();
        throw new Error(`cannot download ${label}: HTTP ${res.statusCode} for ${meta.location}`);
      }
      // A 200 to a Range request means the server sends the whole file again: start over.
      let done = res.statusCode === 206 ? have : 0;
      bar?.start(meta.size!, done);
      const fd = openSync(incomplete, done > 0 ? 'a' : 'w');
      try {
        await saveBody(res, fd, (bytes) => {
          done += bytes;
          bar?.update(done);
        });
        return;
      } catch (err) {
        lastFailure = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    bar?.stop();
  }
  throw new Error(`download of ${label} from ${meta.location} failed ${DOWNLOAD_ATTEMPTS} times (${lastFailure}); run again to resume it`);
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** A cut or resumed download must yield exactly the bytes the hub announced. */
async function verifyDownload(incomplete: string, meta: FileMetadata, label: string): Promise<void> {
  const size = fileSize(incomplete);
  let problem: string | undefined;
  if (meta.size !== undefined && size !== meta.size) problem = `${size} bytes instead of ${meta.size}`;
  // An LFS file's etag is the sha256 of its bytes (a git file's is its git blob sha1).
  else if (SHA256_HEX.test(meta.etag) && (await sha256OfFile(incomplete)) !== meta.etag) problem = 'sha256 differs from its etag';
  if (problem !== undefined) {
    rmSync(incomplete, { force: true });
    throw new Error(`download of ${label} is corrupt (${problem}); removed it, run again to download it anew`);
  }
}

/** snapshots/<commit>/<file> -> ../../blobs/<etag>, made atomically so no reader sees it half done. */
function linkSnapshot(storage: string, commit: string, file: string, blob: string): string {
  const pointer = path.join(storage, 'snapshots', commit, ...file.split('/'));
  mkdirSync(path.dirname(pointer), { recursive: true });
  const temporary = `${pointer}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  symlinkSync(path.relative(path.dirname(pointer), blob), temporary);
  renameSync(temporary, pointer);
  return pointer;
}

function recordRevision(storage: string, revision: string, commit: string): void {
  if (revision === commit) return;
  const ref = path.join(storage, 'refs', revision);
  mkdirSync(path.dirname(ref), { recursive: true });
  if (!existsSync(ref) || readFileSync(ref, 'utf8') !== commit) writeFileSync(ref, commit);
}

function notCachedError(repo: string, file: string, opts: HubOptions, reason: string): Error {
  const hint = opts.hint ?? 'run once with network access, or point HF_HUB_CACHE at a cache that has it';
  return new Error(`${reason} and ${describe(repo, file, opts.repoType)} is not in the Hugging Face cache (${hubCacheRoot()}); ${hint}`);
}

/** Local path of one file of a hub repo: from the cache, else downloaded into it. */
export async function hubFile(repo: string, file: string, opts: HubOptions): Promise<string> {
  const cached = cachedFile(repo, file, opts);
  if (cached !== undefined) return cached;
  if (hubOffline()) throw notCachedError(repo, file, opts, 'HF_HUB_OFFLINE is set');

  const revision = opts.revision ?? DEFAULT_REVISION;
  let meta: FileMetadata;
  try {
    meta = await fileMetadata(repo, file, opts, revision);
  } catch (err) {
    if (err instanceof HubUnreachable) throw notCachedError(repo, file, opts, `cannot reach ${hubEndpoint()} (${err.message})`);
    throw err;
  }

  const storage = repoCacheDir(repo, opts.repoType);
  const blob = path.join(storage, 'blobs', meta.etag);
  if (!existsSync(blob)) {
    mkdirSync(path.dirname(blob), { recursive: true });
    const incomplete = `${blob}.incomplete`;
    const label = describe(repo, file, opts.repoType);
    await downloadTo(incomplete, meta, label);
    await verifyDownload(incomplete, meta, label);
    renameSync(incomplete, blob);
  }
  const pointer = linkSnapshot(storage, meta.commit, file, blob);
  recordRevision(storage, revision, meta.commit);
  return pointer;
}

/**
 * Several files of one repo, all from the same commit (the first file pins the revision), as the
 * snapshot folder transformers-style loaders expect: `<cache>/.../snapshots/<commit>`.
 */
export async function hubSnapshot(repo: string, files: string[], opts: HubOptions): Promise<string> {
  if (files.length === 0) throw new Error(`hubSnapshot of ${opts.repoType} ${repo} needs at least one file`);
  const snapshots = path.join(repoCacheDir(repo, opts.repoType), 'snapshots');
  const commit = path.relative(snapshots, await hubFile(repo, files[0], opts)).split(path.sep)[0];
  const pinned: HubOptions = { ...opts, revision: commit };
  for (const file of files.slice(1)) await hubFile(repo, file, pinned);
  return path.join(snapshots, commit);
}

/**
 * The paths of every file of a repo at a revision, from the hub's tree API (recursive, page by
 * page, as huggingface_hub's list_repo_tree); an empty list for a revision the repo does not have.
 * Offline, or when the hub cannot be reached, an error that says so.
 */
export async function hubFileList(repo: string, opts: HubOptions): Promise<string[]> {
  const revision = opts.revision ?? DEFAULT_REVISION;
  checkNames(repo, 'x', revision);
  const what = `${opts.repoType} ${repo}`;
  const unavailable = (reason: string) =>
    new Error(`${reason} and the files of ${what} are not in the Hugging Face cache (${hubCacheRoot()})`);
  if (hubOffline()) throw unavailable('HF_HUB_OFFLINE is set');
  const files: string[] = [];
  let url: string | undefined =
    `${hubEndpoint()}/api/${opts.repoType}s/${repo}/tree/${encodeURIComponent(revision)}?recursive=true&expand=false`;
  while (url !== undefined) {
    let res: IncomingMessage;
    try {
      res = await get(url, { Accept: 'application/json' });
    } catch (err) {
      if (err instanceof HubUnreachable) throw unavailable(`cannot reach ${hubEndpoint()} (${err.message})`);
      throw err;
    }
    const body = await readBody(res);
    const code = header(res, 'x-error-code');
    if (code === 'RevisionNotFound') return [];
    if (code === 'RepoNotFound' || code === 'GatedRepo' || res.statusCode === 401 || res.statusCode === 404) {
      throw new Error(`${what} not found on ${hubEndpoint()} or not accessible without a login (HTTP ${res.statusCode} for ${url})`);
    }
    if (res.statusCode !== 200) throw new Error(`cannot list the files of ${what}: HTTP ${res.statusCode} for ${url}`);
    let entries: { type?: string; path?: string }[];
    try {
      entries = JSON.parse(body);
    } catch {
      throw new Error(`${url} did not answer with JSON; is ${hubEndpoint()} a Hugging Face hub?`);
    }
    for (const entry of entries) if (entry.type === 'file' && typeof entry.path === 'string') files.push(entry.path);
    url = nextPage(header(res, 'link'), url);
  }
  return files.sort();
}

/** The rel="next" URL of a Link header, resolved against the request's URL. */
function nextPage(link: string | undefined, base: string): string | undefined {
  const next = link?.split(',').find((part) => /;\s*rel="?next"?/.test(part));
  const target = next && /<([^>]+)>/.exec(next)?.[1];
  return target ? new URL(target, base).href : undefined;
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => resolve(body));
    res.on('error', reject);
  });
}
