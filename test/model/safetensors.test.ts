// Tests the safetensors reader and writer: round trips, half-precision decoding, the reference byte
// layout, interoperability with files written and read by an independent Python implementation, and
// that every malformed file is rejected with one line naming the file and the problem.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { openSafetensors, writeSafetensors } from '../../model/safetensors.ts';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-test-'));
let fileCounter = 0;

function tempPath(label: string): string {
  return path.join(workDir, `${fileCounter++}-${label}.safetensors`);
}

/** A safetensors file from a header (a value, raw text or raw bytes) and data, with an optional forged length. */
function buildFile(header: unknown, data: Uint8Array | number, declaredHeaderBytes?: bigint): Uint8Array {
  const json = header instanceof Uint8Array ? header : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const dataBytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + dataBytes.length);
  new DataView(out.buffer).setBigUint64(0, declaredHeaderBytes ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(dataBytes, 8 + json.length);
  return out;
}

function writeTemp(label: string, bytes: Uint8Array): string {
  const file = tempPath(label);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Runs `action`, which must throw one line that starts with `file: ` and matches `problem`. */
function assertFails(file: string, action: () => unknown, problem: RegExp): void {
  let message: string | undefined;
  try {
    action();
  } catch (error) {
    message = (error as Error).message;
  }
  assert.ok(message !== undefined, `expected an error for ${file}`);
  assert.ok(message.startsWith(`${file}: `), `message does not start with the file path: ${message}`);
  assert.not.match(message, /\n/);
  assert.match(message, problem);
}

function assertRejected(label: string, bytes: Uint8Array, problem: RegExp): void {
  const file = writeTemp(label, bytes);
  assertFails(file, () => openSafetensors(file), problem);
}

/** Same value, treating NaN as equal to NaN and telling -0 from +0. */
function assertSameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const same = Number.isNaN(expected[i]) ? Number.isNaN(actual[i]) : Object.is(actual[i], expected[i]);
    assert.ok(same, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

function python(script: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' });
}

test.after(() => fs.rmSync(workDir, { recursive: true, force: true }));

test('round trip keeps names, shapes, metadata and exact bits', () => {
  const file = tempPath('roundtrip');
  const weights = Float32Array.from([1.5, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -7]);
  const scalar = Float32Array.from([42]);
  const tensors = [
    { name: 'encoder.weight', shape: [2, 4], data: weights },
    { name: 'scalar', shape: [], data: scalar },
    { name: 'empty', shape: [0, 3], data: new Float32Array(0) },
    { name: 'odd.bias', shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) },
  ];
  writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode ✓' });
  assert.equal(
    fs.readdirSync(workDir).filter((f) => f.includes('.tmp-')),
    [],
  );

  const st = openSafetensors(file);
  try {
    assert.equal(
      [...st.tensors.keys()],
      tensors.map((t) => t.name),
    );
    assert.equal(st.metadata, { format: 'pt', note: 'ünïcode ✓' });
    for (const { name, shape, data } of tensors) {
      const entry = st.tensors.get(name)!;
      assert.is(entry.dtype, 'F32');
      assert.equal(entry.shape, shape);
      assert.is(entry.byteLength, data.byteLength);
      assertSameFloats(st.read(name), data, name);
    }
  } finally {
    st.close();
  }
});

test('writer accepts a record, subarray views, and replaces an existing file', () => {
  const file = tempPath('record');
  writeSafetensors(file, { old: { shape: [1], data: Float32Array.from([9]) } });
  const backing = Float32Array.from([0, 1, 2, 3, 4, 5]);
  writeSafetensors(file, { view: { shape: [2, 2], data: backing.subarray(1, 5) } });
  const st = openSafetensors(file);
  assert.equal([...st.tensors.keys()], ['view']);
  assert.equal(st.metadata, {});
  assertSameFloats(st.read('view'), [1, 2, 3, 4], 'view');
  st.close();
});

test('writer output follows the reference layout', () => {
  const file = tempPath('layout');
  writeSafetensors(
    file,
    [
      { name: 'b', shape: [3], data: Float32Array.from([1, 2, 3]) },
      { name: 'a', shape: [1, 2], data: Float32Array.from([4, 5]) },
    ],
    { format: 'pt' },
  );
  const bytes = fs.readFileSync(file);
  const headerBytes = Number(bytes.readBigUInt64LE(0));
  assert.is((8 + headerBytes) % 8, 0, 'data buffer starts 8-byte aligned');
  const headerText = bytes.subarray(8, 8 + headerBytes).toString('utf8');
  assert.match(headerText, /^\{.*\} *$/);
  const header = JSON.parse(headerText);
  assert.equal(Object.keys(header), ['__metadata__', 'b', 'a']);
  assert.equal(header.__metadata__, { format: 'pt' });
  assert.equal(header.b, { dtype: 'F32', shape: [3], data_offsets: [0, 12] });
  assert.equal(header.a, { dtype: 'F32', shape: [1, 2], data_offsets: [12, 20] });
  assert.is(bytes.length, 8 + headerBytes + 20);
  const data = bytes.subarray(8 + headerBytes);
  assert.equal([...new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + 20))], [1, 2, 3, 4, 5]);

  const bare = tempPath('no-metadata');
  writeSafetensors(bare, [{ name: 'x', shape: [1], data: Float32Array.from([1]) }]);
  const bareHeader = fs.readFileSync(bare).subarray(8).toString('utf8');
  assert.not.match(bareHeader, /__metadata__/);
});

/** Stores each 16-bit pattern as one tensor of `dtype` and checks it reads back as the paired value. */
function assertHalfDecoding(dtype: 'F16' | 'BF16', cases: [bits: number, value: number][]): void {
  const file = writeTemp(
    dtype,
    buildFile(
      { t: { dtype, shape: [cases.length], data_offsets: [0, 2 * cases.length] } },
      new Uint8Array(Uint16Array.from(cases.map(([bits]) => bits)).buffer),
    ),
  );
  const st = openSafetensors(file);
  assertSameFloats(
    st.read('t'),
    cases.map(([, value]) => value),
    dtype,
  );
  st.close();
}

test('F16 decodes zeros, subnormals, normals, extremes, infinities and NaN', () => {
  assertHalfDecoding('F16', [
    [0x0000, 0],
    [0x8000, -0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x0001, 2 ** -24],
    [0x8001, -(2 ** -24)],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x7bff, 65504],
    [0xfbff, -65504],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x7e00, NaN],
    [0xfe01, NaN],
  ]);
});

test('BF16 decodes zeros, subnormals, normals, infinities and NaN', () => {
  assertHalfDecoding('BF16', [
    [0x0000, 0],
    [0x8000, -0],
    [0x3f80, 1],
    [0xc2f7, -123.5],
    [0x4049, 3.140625],
    [0x0001, 2 ** -133],
    [0x8080, -(2 ** -126)],
    [0x7f7f, 3.3895313892515355e38],
    [0x7f80, Infinity],
    [0xff80, -Infinity],
    [0x7fc0, NaN],
  ]);
});

// The Python side uses only struct and json, so it shares no code or assumptions with the reader.
const pythonWriter = `
import json, struct, sys
halves = range(65536)
f16 = struct.pack('<65536H', *halves)
f16_as_f32 = b''.join(struct.pack('<f', struct.unpack('<e', struct.pack('<H', h))[0]) for h in halves)
bf16_values = [1.0, -2.5, 3.140625, -0.0, float('inf')]
bf16 = b''.join(struct.pack('<f', v)[2:4] for v in bf16_values)
parts = [
  ('f16', 'F16', [256, 256], f16),
  ('f16_as_f32', 'F32', [65536], f16_as_f32),
  ('bf16', 'BF16', [5], bf16),
  ('f64', 'F64', [2], struct.pack('<2d', 0.1, -2.5)),
  ('i64', 'I64', [3], struct.pack('<3q', -3, 0, 1 << 40)),
  ('i32', 'I32', [2], struct.pack('<2i', -7, 123456)),
  ('u8', 'U8', [2], bytes([0, 255])),
  ('bool', 'BOOL', [1, 3], bytes([1, 0, 1])),
]
header, data = {'__metadata__': {'source': 'python'}}, b''
for name, dtype, shape, raw in parts:
  header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}
  data += raw
header = dict(reversed(list(header.items())))  # key order unlike data order, as real files have
text = json.dumps(header).encode()
with open(sys.argv[1], 'wb') as f:
  f.write(struct.pack('<Q', len(text)) + text + data)
`;

test('reads a file written by an independent Python implementation', () => {
  const file = tempPath('python-written');
  python(pythonWriter, file);
  const st = openSafetensors(file);
  assert.equal(st.metadata, { source: 'python' });
  assert.equal(st.tensors.get('f16')!.shape, [256, 256]);
  assertSameFloats(st.read('f16'), st.read('f16_as_f32'), 'every F16 bit pattern vs Python');
  assertSameFloats(st.read('bf16'), [1, -2.5, 3.140625, -0, Infinity], 'bf16');
  assertSameFloats(st.read('f64'), [Math.fround(0.1), -2.5], 'f64');
  assertSameFloats(st.read('i64'), [-3, 0, 2 ** 40], 'i64');
  assertSameFloats(st.read('i32'), [-7, 123456], 'i32');
  assertSameFloats(st.read('u8'), [0, 255], 'u8');
  assertSameFloats(st.read('bool'), [1, 0, 1], 'bool');
  st.close();
});

const pythonReader = `
import json, struct, sys
blob = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', blob[:8])
header = json.loads(blob[8:8 + n])
out = {}
for name, info in header.items():
  if name == '__metadata__':
    out[name] = info
    continue
  begin, end = info['data_offsets']
  raw = blob[8 + n + begin:8 + n + end]
  out[name] = {'dtype': info['dtype'], 'shape': info['shape'], 'values': list(struct.unpack('<%df' % (len(raw) // 4), raw))}
print(json.dumps(out))
`;

test('an independent Python implementation reads the written file', () => {
  const file = tempPath('python-read');
  const weight = Float32Array.from({ length: 12 }, (_, i) => Math.fround(i * 0.37 - 2));
  writeSafetensors(
    file,
    { weight: { shape: [3, 4], data: weight }, bias: { shape: [2], data: Float32Array.from([0.5, -0]) } },
    { format: 'pt' },
  );
  const decoded = JSON.parse(python(pythonReader, file));
  assert.equal(decoded, {
    __metadata__: { format: 'pt' },
    weight: { dtype: 'F32', shape: [3, 4], values: [...weight] },
    bias: { dtype: 'F32', shape: [2], values: [0.5, -0] },
  });
});

test('reads a tensor that lies beyond 2 GiB without reading the data before it', () => {
  // The file is sparse: only its header and last tensor occupy disk.
  const bigBytes = 2_400_000_000;
  const header = Buffer.from(
    JSON.stringify({
      big: { dtype: 'F32', shape: [bigBytes / 4], data_offsets: [0, bigBytes] },
      tail: { dtype: 'F32', shape: [2], data_offsets: [bigBytes, bigBytes + 8] },
    }),
  );
  const file = tempPath('sparse');
  const fd = fs.openSync(file, 'w');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  fs.writeSync(fd, prefix);
  fs.writeSync(fd, header);
  fs.writeSync(fd, new Uint8Array(Float32Array.from([6.5, -1]).buffer), 0, 8, 8 + header.length + bigBytes);
  fs.closeSync(fd);
  const st = openSafetensors(file);
  assert.is(st.tensors.get('big')!.byteLength, bigBytes);
  assertSameFloats(st.read('tail'), [6.5, -1], 'tail');
  st.close();
  fs.rmSync(file);
});

test('rejects truncated files and bad header lengths', () => {
  assertRejected('empty', new Uint8Array(0), /file is 0 bytes, shorter than the 8-byte header length/);
  assertRejected('short', new Uint8Array(5), /file is 5 bytes/);
  assertRejected('past-end', buildFile({}, 0, 3n), /header length 3 runs past the end of the 10-byte file/);
  assertRejected('truncated-header', buildFile({}, 0).subarray(0, 9), /header length 2 runs past the end/);
  assertRejected('over-limit', buildFile({}, 0, 100_000_001n), /header length 100000001 is over the .*100 MB.* limit/);
  assertRejected('huge-length', buildFile({}, 0, 0xffffffffffffffffn), /header length 18446744073709551615 is over/);
});

test('rejects headers that are not a JSON object', () => {
  assertRejected('not-json', buildFile('{"a": ', 0), /header is not valid UTF-8 JSON/);
  assertRejected('bad-utf8', buildFile(Uint8Array.from([0x7b, 0xff, 0x7d]), 0), /header is not valid UTF-8 JSON/);
  assertRejected('array', buildFile([], 0), /header is an array, not a JSON object/);
  assertRejected('null', buildFile(null, 0), /header is null, not a JSON object/);
  assertRejected('number', buildFile(7, 0), /header is 7, not a JSON object/);
});

test('rejects malformed tensor entries', () => {
  const entry = (fields: Record<string, unknown>) => buildFile({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 4], ...fields } }, 4);
  const cases: [string, Uint8Array, RegExp][] = [
    ['not-object', buildFile({ t: 5 }, 0), /tensor "t" is described by 5, not an object/],
    ['no-dtype', entry({ dtype: undefined }), /tensor "t" has no dtype/],
    ['no-shape', entry({ shape: undefined }), /tensor "t" has no shape/],
    ['no-offsets', entry({ data_offsets: undefined }), /tensor "t" has no data_offsets/],
    ['dtype-type', entry({ dtype: 4 }), /tensor "t" has dtype 4, not a string/],
    ['unknown-dtype', entry({ dtype: 'F8_E4M3' }), /tensor "t" has unsupported dtype "F8_E4M3" \(supported: F64, F32, F16, BF16/],
    ['shape-type', entry({ shape: '1' }), /tensor "t" shape is "1", not an array/],
    ['shape-negative', entry({ shape: [-1] }), /tensor "t" shape \[-1\] has a dimension that is not a non-negative integer/],
    ['shape-fraction', entry({ shape: [0.5] }), /tensor "t" shape \[0.5\] has a dimension/],
    ['shape-overflow', entry({ shape: [2 ** 30, 2 ** 30, 2 ** 30] }), /tensor "t" shape .* has too many elements/],
    [
      'offsets-type',
      entry({ data_offsets: { begin: 0 } }),
      /tensor "t" has data_offsets \{"begin":0\}, not a pair of non-negative integers/,
    ],
    ['offsets-length', entry({ data_offsets: [0, 4, 8] }), /not a pair of non-negative integers/],
    ['offsets-negative', entry({ data_offsets: [-4, 0] }), /not a pair of non-negative integers/],
    ['offsets-reversed', entry({ data_offsets: [4, 0] }), /tensor "t" has data_offsets \[4, 0\] that end before they begin/],
    ['offsets-beyond', entry({ data_offsets: [4, 8] }), /tensor "t" has data_offsets \[4, 8\] beyond the 4-byte data buffer/],
    ['size-mismatch', entry({ shape: [2] }), /tensor "t" is F32 \[2\] \(8 bytes\) but data_offsets \[0, 4\] span 4 bytes/],
    [
      'f16-size-mismatch',
      entry({ dtype: 'F16', shape: [1] }),
      /tensor "t" is F16 \[1\] \(2 bytes\) but data_offsets \[0, 4\] span 4 bytes/,
    ],
    ['metadata-type', buildFile({ __metadata__: [] }, 0), /__metadata__ is \[\], not an object/],
    ['metadata-value', buildFile({ __metadata__: { epoch: 3 } }, 0), /__metadata__ entry "epoch" is 3, not a string/],
  ];
  for (const [label, bytes, problem] of cases) assertRejected(label, bytes, problem);
});

test('rejects data offsets that overlap, leave gaps or leave trailing bytes', () => {
  const f32 = (begin: number, end: number) => ({ dtype: 'F32', shape: [(end - begin) / 4], data_offsets: [begin, end] });
  assertRejected(
    'overlap',
    buildFile({ a: f32(0, 8), b: f32(4, 12) }, 12),
    /tensor "b" at data offset 4 overlaps tensor "a", which ends at 8/,
  );
  assertRejected('duplicate-range', buildFile({ a: f32(0, 4), b: f32(0, 4) }, 4), /tensor "b" at data offset 0 overlaps tensor "a"/);
  assertRejected(
    'gap',
    buildFile({ a: f32(0, 4), b: f32(8, 12) }, 12),
    /tensor "b" starts at data offset 8, leaving a gap after tensor "a", which ends at 4/,
  );
  assertRejected(
    'leading-gap',
    buildFile({ a: f32(4, 8) }, 8),
    /tensor "a" starts at data offset 4, leaving a gap after the start of the data buffer/,
  );
  assertRejected('trailing', buildFile({ a: f32(0, 4) }, 7), /data buffer has 3 trailing bytes after tensor "a", which ends at 4/);
  assertRejected('data-without-tensors', buildFile({}, 1), /data buffer has 1 trailing bytes after the start of the data buffer/);
});

test('read rejects unknown names and use after close', () => {
  const file = tempPath('closed');
  writeSafetensors(file, [{ name: 'x', shape: [1], data: Float32Array.from([1]) }]);
  const st = openSafetensors(file);
  assertFails(file, () => st.read('y'), /no tensor named "y"/);
  st.close();
  st.close();
  assertFails(file, () => st.read('x'), /read of tensor "x" after close\(\)/);
});

test('writer rejects bad input and leaves an existing file untouched', () => {
  const file = tempPath('writer-errors');
  writeSafetensors(file, [{ name: 'keep', shape: [1], data: Float32Array.from([3]) }]);
  const before = fs.readFileSync(file);
  const one = Float32Array.from([1]);
  const cases: [() => void, RegExp][] = [
    [
      () =>
        writeSafetensors(file, [
          { name: 'a', shape: [1], data: one },
          { name: 'a', shape: [1], data: one },
        ]),
      /tensor "a" appears more than once/,
    ],
    [() => writeSafetensors(file, [{ name: 'a', shape: [2, 2], data: one }]), /tensor "a" has shape \[2,2\] \(4 elements\) but 1 values/],
    [() => writeSafetensors(file, [{ name: 'a', shape: [-1], data: one }]), /tensor "a" shape \[-1\] has a dimension that is not/],
    [
      () => writeSafetensors(file, [{ name: 'a', shape: [1], data: Float64Array.from([1]) as unknown as Float32Array }]),
      /tensor "a" data is not a Float32Array/,
    ],
    [() => writeSafetensors(file, [{ name: '__metadata__', shape: [1], data: one }]), /tensor "__metadata__" is not a usable tensor name/],
    [() => writeSafetensors(file, [{ name: '', shape: [1], data: one }]), /tensor "" is not a usable tensor name/],
    [() => writeSafetensors(file, [], { step: 5 as unknown as string }), /__metadata__ entry "step" is 5, not a string/],
  ];
  for (const [action, problem] of cases) assertFails(file, action, problem);
  assert.ok(fs.readFileSync(file).equals(before), 'existing file unchanged');
  assert.equal(
    fs.readdirSync(workDir).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test.run();
