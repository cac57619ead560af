// model/'s file access in Node: the file system (see model/files/files.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ByteSource, ModelFiles } from './files.ts';

/** Node's fs calls refuse lengths of 2 GiB or more, so big tensors move in chunks. */
const IO_CHUNK_BYTES = 1 << 30;

/** A file read through its descriptor, so only the bytes asked for are in memory. */
function openFile(file: string): ByteSource {
  let fd: number | null = fs.openSync(file, 'r');
  return {
    size: fs.fstatSync(fd).size,
    readInto(target, position) {
      if (fd === null) throw new Error(`${file}: read after close()`);
      for (let done = 0; done < target.byteLength; ) {
        const got = fs.readSync(fd, target, done, Math.min(IO_CHUNK_BYTES, target.byteLength - done), position + done);
        if (got === 0) return false;
        done += got;
      }
      return true;
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

function writeFully(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += fs.writeSync(fd, bytes, done, Math.min(IO_CHUNK_BYTES, bytes.byteLength - done));
}

/** Streams the chunks into a temporary file, synced, then renamed over `file`. */
function writeWhole(file: string, chunks: Iterable<Uint8Array>): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, 'w');
  try {
    try {
      for (const chunk of chunks) writeFully(fd, chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

export const files: ModelFiles = {
  exists: (file) => fs.existsSync(file),
  isDirectory: (file) => fs.existsSync(file) && fs.statSync(file).isDirectory(),
  readText: (file) => fs.readFileSync(file, 'utf8'),
  open: openFile,
  makeDirectory: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  writeText: (file, text) => fs.writeFileSync(file, text),
  writeWhole,
  join: path.join,
  dirname: path.dirname,
  basename: path.basename,
};
