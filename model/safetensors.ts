// Reads and writes the safetensors checkpoint format: an 8-byte little-endian header length N, N bytes of
// JSON describing each tensor (dtype, shape, data_offsets relative to the data buffer), then the data.
// Reading validates the whole header up front and then pulls single tensors from the file (in Node
// through its descriptor), so a large checkpoint is never held in memory as one buffer. Every tensor is
// returned as a Float32Array because that is what the model computes in. Writing emits F32 only, streamed
// tensor by tensor into a file that appears whole or not at all (model/files/). Typed-array views over
// file bytes assume a little-endian host, as is every platform Node, Dawn and browsers run on.
import { files } from '#model-files';
import type { ByteSource } from './files/files.ts';

const HEADER_PREFIX_BYTES = 8;
/** Same cap as the reference implementation: a larger header is a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

export type Dtype = keyof typeof DTYPE_BYTES;

export interface TensorEntry {
  dtype: Dtype;
  shape: number[];
  /** Absolute position of the tensor's first byte in the file (not relative to the data buffer). */
  byteOffset: number;
  byteLength: number;
}

export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

export type TensorsToWrite = readonly TensorToWrite[] | Readonly<Record<string, { shape: readonly number[]; data: Float32Array }>>;

function isDtype(value: string): value is Dtype {
  return Object.hasOwn(DTYPE_BYTES, value);
}

/** Element count of a shape, or a description of why the shape is invalid. */
function countElements(shape: unknown): number | string {
  if (!Array.isArray(shape)) return `shape is ${JSON.stringify(shape)}, not an array`;
  let count = 1;
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      return `shape ${JSON.stringify(shape)} has a dimension that is not a non-negative integer`;
    }
    count *= dim;
  }
  if (!Number.isSafeInteger(count)) return `shape ${JSON.stringify(shape)} has too many elements`;
  return count;
}

function readExactly(source: ByteSource, target: Uint8Array, position: number, onShortRead: () => string): void {
  if (!source.readInto(target, position)) throw new Error(onShortRead());
}

let halfToFloatBits: Uint32Array | undefined;

/** IEEE binary16 -> binary32 bit patterns for all 65536 inputs; every f16 value is exact in f32. */
function halfToFloatTable(): Uint32Array {
  if (halfToFloatBits) return halfToFloatBits;
  const table = new Uint32Array(65536);
  const asFloat = new Float32Array(table.buffer);
  for (let half = 0; half < 65536; half++) {
    const sign = (half & 0x8000) << 16;
    const exponent = (half >> 10) & 0x1f;
    const mantissa = half & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: mantissa × 2^-24, which f32 holds exactly as a normal number.
      asFloat[half] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    } else if (exponent === 0x1f) {
      table[half] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
    } else {
      table[half] = (sign | ((exponent + 127 - 15) << 23) | (mantissa << 13)) >>> 0;
    }
  }
  halfToFloatBits = table;
  return table;
}

/** Converts a tensor's raw little-endian bytes (in a buffer of their own, offset 0) to float32. */
function toFloat32(dtype: Dtype, bytes: Uint8Array): Float32Array {
  const buffer = bytes.buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, 0, bytes.byteLength / 4);
    case 'F16': {
      const table = halfToFloatTable();
      const halves = new Uint16Array(buffer, 0, bytes.byteLength / 2);
      const out = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
      return new Float32Array(out.buffer);
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32, so widening is a shift.
      const halves = new Uint16Array(buffer, 0, bytes.byteLength / 2);
      const out = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = halves[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'F64':
      return Float32Array.from(new Float64Array(buffer));
    case 'I64':
      return Float32Array.from(new BigInt64Array(buffer), Number);
    case 'U64':
      return Float32Array.from(new BigUint64Array(buffer), Number);
    case 'I32':
      return Float32Array.from(new Int32Array(buffer));
    case 'U32':
      return Float32Array.from(new Uint32Array(buffer));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer));
    case 'U16':
      return Float32Array.from(new Uint16Array(buffer));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(bytes);
  }
}

/** Checks one header entry and returns its description with offsets made absolute. */
function parseEntry(name: string, value: unknown, dataStart: number, dataBytes: number): TensorEntry {
  const tensor = `tensor ${JSON.stringify(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${tensor} is described by ${JSON.stringify(value)}, not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (dtype === undefined) throw new Error(`${tensor} has no dtype`);
  if (shape === undefined) throw new Error(`${tensor} has no shape`);
  if (offsets === undefined) throw new Error(`${tensor} has no data_offsets`);
  if (typeof dtype !== 'string') throw new Error(`${tensor} has dtype ${JSON.stringify(dtype)}, not a string`);
  if (!isDtype(dtype)) {
    throw new Error(`${tensor} has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  const elements = countElements(shape);
  if (typeof elements === 'string') throw new Error(`${tensor} ${elements}`);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    throw new Error(`${tensor} has data_offsets ${JSON.stringify(offsets)}, not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new Error(`${tensor} has data_offsets [${begin}, ${end}] that end before they begin`);
  if (end > dataBytes) {
    throw new Error(`${tensor} has data_offsets [${begin}, ${end}] beyond the ${dataBytes}-byte data buffer`);
  }
  const expectedBytes = elements * DTYPE_BYTES[dtype];
  if (end - begin !== expectedBytes) {
    throw new Error(
      `${tensor} is ${dtype} ${JSON.stringify(shape)} (${expectedBytes} bytes) but data_offsets [${begin}, ${end}] span ${end - begin} bytes`,
    );
  }
  return { dtype, shape: shape as number[], byteOffset: dataStart + begin, byteLength: end - begin };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${METADATA_KEY} is ${JSON.stringify(value)}, not an object`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw new Error(`${METADATA_KEY} entry ${JSON.stringify(key)} is ${JSON.stringify(item)}, not a string`);
    }
  }
  return value as Record<string, string>;
}

/** The tensors must tile the data buffer exactly: no gaps, no overlaps, no trailing bytes. */
function checkTiling(tensors: Map<string, TensorEntry>, dataStart: number, dataBytes: number): void {
  const ordered = [...tensors].sort(([, a], [, b]) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let covered = 0;
  let previous = 'the start of the data buffer';
  for (const [name, entry] of ordered) {
    const begin = entry.byteOffset - dataStart;
    const tensor = `tensor ${JSON.stringify(name)}`;
    if (begin < covered) throw new Error(`${tensor} at data offset ${begin} overlaps ${previous}, which ends at ${covered}`);
    if (begin > covered)
      throw new Error(`${tensor} starts at data offset ${begin}, leaving a gap after ${previous}, which ends at ${covered}`);
    covered = begin + entry.byteLength;
    previous = tensor;
  }
  if (covered !== dataBytes) {
    throw new Error(`data buffer has ${dataBytes - covered} trailing bytes after ${previous}, which ends at ${covered}`);
  }
}

export class SafetensorsFile {
  readonly path: string;
  readonly tensors: Map<string, TensorEntry>;
  readonly metadata: Record<string, string>;
  private source: ByteSource | null;

  private constructor(path: string, source: ByteSource, tensors: Map<string, TensorEntry>, metadata: Record<string, string>) {
    this.path = path;
    this.source = source;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens a file and validates its header; tensor bytes stay on disk until read(). */
  static open(path: string): SafetensorsFile {
    const source = files.open(path);
    try {
      const { tensors, metadata } = readHeader(source);
      return new SafetensorsFile(path, source, tensors, metadata);
    } catch (error) {
      source.close();
      throw new Error(`${path}: ${(error as Error).message}`);
    }
  }

  /** Reads one tensor from disk and converts it to float32. */
  read(name: string): Float32Array {
    const entry = this.tensors.get(name);
    if (!entry) throw new Error(`${this.path}: no tensor named ${JSON.stringify(name)}`);
    if (this.source === null) throw new Error(`${this.path}: read of tensor ${JSON.stringify(name)} after close()`);
    const bytes = new Uint8Array(entry.byteLength);
    readExactly(
      this.source,
      bytes,
      entry.byteOffset,
      () => `${this.path}: file ended while reading tensor ${JSON.stringify(name)} (was it changed after opening?)`,
    );
    return toFloat32(entry.dtype, bytes);
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }
}

/** Reads and validates the header; errors here get the file path prefixed by the caller. */
function readHeader(source: ByteSource): { tensors: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const fileBytes = source.size;
  if (fileBytes < HEADER_PREFIX_BYTES) {
    throw new Error(`file is ${fileBytes} bytes, shorter than the ${HEADER_PREFIX_BYTES}-byte header length`);
  }
  const prefix = new Uint8Array(HEADER_PREFIX_BYTES);
  readExactly(source, prefix, 0, () => 'file ended while reading the header length');
  const declared = new DataView(prefix.buffer).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`header length ${declared} is over the ${MAX_HEADER_BYTES}-byte (100 MB) limit`);
  }
  const headerBytes = Number(declared);
  if (HEADER_PREFIX_BYTES + headerBytes > fileBytes) {
    throw new Error(`header length ${headerBytes} runs past the end of the ${fileBytes}-byte file`);
  }
  const headerRaw = new Uint8Array(headerBytes);
  readExactly(source, headerRaw, HEADER_PREFIX_BYTES, () => 'file ended while reading the header');

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerRaw));
  } catch (error) {
    throw new Error(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error(`header is ${Array.isArray(header) ? 'an array' : JSON.stringify(header)}, not a JSON object`);
  }

  const dataStart = HEADER_PREFIX_BYTES + headerBytes;
  const dataBytes = fileBytes - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else tensors.set(name, parseEntry(name, value, dataStart, dataBytes));
  }
  checkTiling(tensors, dataStart, dataBytes);
  return { tensors, metadata };
}

export function openSafetensors(path: string): SafetensorsFile {
  return SafetensorsFile.open(path);
}

/** Checks the tensors to write and returns them as a list in output order. */
function validateForWrite(tensors: TensorsToWrite, metadata: Record<string, string>): TensorToWrite[] {
  const list: TensorToWrite[] = Array.isArray(tensors)
    ? [...tensors]
    : Object.entries(tensors).map(([name, { shape, data }]) => ({ name, shape, data }));
  const seen = new Set<string>();
  for (const { name, shape, data } of list) {
    const tensor = `tensor ${JSON.stringify(name)}`;
    if (typeof name !== 'string' || name === '' || name === METADATA_KEY) {
      throw new Error(`${tensor} is not a usable tensor name`);
    }
    if (seen.has(name)) throw new Error(`${tensor} appears more than once`);
    seen.add(name);
    if (!(data instanceof Float32Array)) throw new Error(`${tensor} data is not a Float32Array`);
    const elements = countElements(shape);
    if (typeof elements === 'string') throw new Error(`${tensor} ${elements}`);
    if (elements !== data.length) {
      throw new Error(`${tensor} has shape ${JSON.stringify(shape)} (${elements} elements) but ${data.length} values`);
    }
  }
  parseMetadata(metadata);
  return list;
}

/** The padded JSON header, keys in output order, metadata first as the reference writer does. */
function encodeHeader(list: readonly TensorToWrite[], metadata: Record<string, string>): Uint8Array {
  const fields: string[] = [];
  if (Object.keys(metadata).length > 0) fields.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const { name, shape, data } of list) {
    const entry = { dtype: 'F32', shape: [...shape], data_offsets: [offset, offset + data.byteLength] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  // Padding to 8 bytes keeps the data buffer aligned for readers that map it directly.
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(HEADER_PREFIX_BYTES + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, HEADER_PREFIX_BYTES);
  return out;
}

/** Writes F32 tensors to `path` atomically, streaming each tensor's bytes straight from its array. */
export function writeSafetensors(path: string, tensors: TensorsToWrite, metadata: Record<string, string> = {}): void {
  let list: TensorToWrite[];
  try {
    list = validateForWrite(tensors, metadata);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const data = list.map(({ data }) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  files.writeWhole(path, [encodeHeader(list, metadata), ...data]);
}
