// The file access model/ needs, as an interface with one implementation per host. Reading a
// checkpoint folder, a tokenizer's vocab.txt or a safetensors file's tensors, and writing a model
// folder, go through `files` and nothing else, so the same code loads and saves models in Node and
// in a page:
//   - Node (model/files/node.ts): the file system, through node:fs.
//   - A page (model/files/browser.ts): folders held in memory, filled from File objects the reader
//     picks or from URLs fetched; what a page saves lands there too, ready to download.
// package.json's "imports" map picks one: `#model-files` is the browser side under a bundler's
// "browser" condition (lab/build.ts) and the Node side everywhere else.

/** Random access to one file's bytes, so a large safetensors file is read one tensor at a time. */
export interface ByteSource {
  readonly size: number;
  /** Fills `target` with the bytes at `position`; false when the file ends first. */
  readInto(target: Uint8Array, position: number): boolean;
  close(): void;
}

export interface ModelFiles {
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  /** The file as UTF-8 text; throws a `FileError` (with Node's code, e.g. ENOENT) when it cannot. */
  readText(path: string): string;
  open(path: string): ByteSource;
  /** Creates the folder and its parents, when missing. */
  makeDirectory(path: string): void;
  writeText(path: string, text: string): void;
  /** Writes the chunks as one file that appears whole or not at all (a crash never leaves half of it). */
  writeWhole(path: string, chunks: Iterable<Uint8Array>): void;
  join(...parts: string[]): string;
  dirname(path: string): string;
  basename(path: string): string;
}

/** An error reading a file, with the code Node gives it ("ENOENT", "EISDIR", …). */
export interface FileError extends Error {
  code?: string;
}
