// model/'s file access in a page (see model/files/files.ts): folders held in memory. The page puts
// a model folder there before loading it, from the File objects a reader picks (`addFiles`) or from
// URLs (`fetchFiles`); saving a model writes its files there, and `filesIn` hands them to a download.
// Paths are POSIX-style strings ("models/tiny/config.json"), normalised as Node's path.posix does.
import type { ByteSource, FileError, ModelFiles } from './files.ts';

const stored = new Map<string, Uint8Array>();
const folders = new Set<string>(['.', '/']);

function normalize(path: string): string {
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

const dirname = (path: string) => {
  const p = normalize(path);
  const slash = p.lastIndexOf('/');
  return slash < 0 ? '.' : slash === 0 ? '/' : p.slice(0, slash);
};

function fileError(path: string, code: string, problem: string): FileError {
  return Object.assign(new Error(`${path}: ${problem}`), { code });
}

function bytesOf(path: string): Uint8Array {
  const bytes = stored.get(normalize(path));
  if (bytes) return bytes;
  throw isDirectory(path) ? fileError(path, 'EISDIR', 'is a folder') : fileError(path, 'ENOENT', 'no such file');
}

function isDirectory(path: string): boolean {
  const p = normalize(path);
  if (folders.has(p)) return true;
  const prefix = p === '/' ? '/' : `${p}/`;
  for (const name of stored.keys()) if (name.startsWith(prefix)) return true;
  return false;
}

function put(path: string, bytes: Uint8Array): void {
  const p = normalize(path);
  for (let dir = dirname(p); !folders.has(dir); dir = dirname(dir)) folders.add(dir);
  stored.set(p, bytes);
}

export const files: ModelFiles = {
  exists: (path) => stored.has(normalize(path)) || isDirectory(path),
  isDirectory,
  readText: (path) => new TextDecoder().decode(bytesOf(path)),
  open(path): ByteSource {
    const bytes = bytesOf(path);
    return {
      size: bytes.byteLength,
      readInto(target, position) {
        if (position + target.byteLength > bytes.byteLength) return false;
        target.set(bytes.subarray(position, position + target.byteLength));
        return true;
      },
      close() {},
    };
  },
  makeDirectory(path) {
    for (let dir = normalize(path); !folders.has(dir); dir = dirname(dir)) folders.add(dir);
  },
  writeText: (path, text) => put(path, new TextEncoder().encode(text)),
  writeWhole: (path, chunks) => put(path, concat([...chunks])),
  join: (...parts) => normalize(parts.filter((p) => p !== '').join('/')),
  dirname,
  basename: (path) => normalize(path).split('/').pop() ?? '',
};

/** Puts files into folder `dir`, by their names (a picked folder's files, a download's). */
export async function addFiles(dir: string, picked: Iterable<File>): Promise<string[]> {
  const names: string[] = [];
  for (const file of picked) {
    put(files.join(dir, file.name), new Uint8Array(await file.arrayBuffer()));
    names.push(file.name);
  }
  return names;
}

/**
 * Fetches `base`/NAME for each name into folder `dir` (`base` may be relative to the page). A missing `optional` file is skipped; any
 * other failure throws one line naming the URL. `progress` hears bytes as they arrive.
 */
export async function fetchFiles(
  dir: string,
  base: string,
  names: { required: readonly string[]; optional?: readonly string[] },
  progress: (name: string, received: number, total: number) => void = () => {},
): Promise<void> {
  for (const [name, required] of [
    ...names.required.map((n) => [n, true] as const),
    ...(names.optional ?? []).map((n) => [n, false] as const),
  ]) {
    // A relative `base` is the page's: resolved against its address.
    const url = new URL(
      name,
      new URL(base.endsWith('/') ? base : `${base}/`, (globalThis as { location?: { href: string } }).location?.href),
    ).href;
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`${url}: cannot fetch (${(error as Error).message})`);
    }
    if (!response.ok) {
      if (!required && response.status === 404) continue;
      throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
    }
    put(files.join(dir, name), await readBody(response, (received, total) => progress(name, received, total)));
  }
}

async function readBody(response: Response, progress: (received: number, total: number) => void): Promise<Uint8Array> {
  const total = Number(response.headers.get('content-length') ?? 0);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const parts: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.byteLength;
    progress(received, total);
  }
  return concat(parts);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return whole;
}

/** The files directly inside folder `dir`, by name (what a model folder's download holds). */
export function filesIn(dir: string): Map<string, Uint8Array> {
  const prefix = `${normalize(dir)}/`;
  const out = new Map<string, Uint8Array>();
  for (const [name, bytes] of stored) {
    if (name.startsWith(prefix) && !name.slice(prefix.length).includes('/')) out.set(name.slice(prefix.length), bytes);
  }
  return out;
}

/** Forgets folder `dir` and everything in it. */
export function removeFolder(dir: string): void {
  const p = normalize(dir);
  for (const name of [...stored.keys()]) if (name.startsWith(`${p}/`)) stored.delete(name);
  for (const folder of [...folders]) if (folder === p || folder.startsWith(`${p}/`)) folders.delete(folder);
}
