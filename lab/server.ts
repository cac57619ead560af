// The lab's web server: static files from a few folders, each mounted at a URL prefix, on
// 127.0.0.1 only. A page needs a secure context for `navigator.gpu`, and a loopback address is one.
//
// What it will not serve. A request names a file inside one of its folders or gets a 404: a path
// with a `..` segment (plain or percent-encoded, which is decoded first), a backslash or a NUL, and
// a path whose real location (symlinks resolved) lies outside the folder's own real location. The
// server answers GET and HEAD only, and says nothing about what exists outside its folders (every
// refusal is the same 404). test/lab_server.test.ts tries each of these.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** URL prefix ("/", "/data/") -> the folder served there. The longest matching prefix wins. */
export type Mounts = Record<string, string>;

export interface LabServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves `mounts` on 127.0.0.1:`port` (0: any free port) until `close`. */
export async function startServer(mounts: Mounts, port: number): Promise<LabServer> {
  const roots = await Promise.all(Object.entries(mounts).map(async ([prefix, dir]) => ({ prefix, root: await realpath(dir) })));
  roots.sort((a, b) => b.prefix.length - a.prefix.length);
  const server = createServer((request, response) => {
    serve(roots, request, response).catch(() => notFound(response));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The real path of the file a URL path names inside one of the roots, or null. */
export async function resolveRequest(roots: readonly { prefix: string; root: string }[], urlPath: string): Promise<string | null> {
  const mount = roots.find(({ prefix }) => urlPath.startsWith(prefix));
  if (!mount) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.slice(mount.prefix.length));
  } catch {
    return null; // a malformed percent-encoding
  }
  if (relative === '' || relative.endsWith('/')) relative += 'index.html';
  const segments = relative.split('/');
  if (relative.includes('\\') || relative.includes('\0') || segments.some((s) => s === '..' || s === '.')) return null;
  const real = await realpath(path.join(mount.root, ...segments)).catch(() => null);
  if (real === null || !real.startsWith(mount.root + path.sep)) return null;
  return (await stat(real)).isFile() ? real : null;
}

async function serve(roots: { prefix: string; root: string }[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return notFound(response);
  const urlPath = (request.url ?? '/').split(/[?#]/)[0];
  const file = await resolveRequest(roots, urlPath);
  if (!file) return notFound(response);
  const { size } = await stat(file);
  response.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-store',
  });
  if (request.method === 'HEAD') return void response.end();
  createReadStream(file).pipe(response);
}

function notFound(response: ServerResponse): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found\n');
}
