// Dropout and its counter-based RNG: Philox known answers, keep rate, reproducibility, gradient,
// and a step read from the device when the kernel runs.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { launchOn } from '../../engine/autograd/launch_on.ts';
import { record } from '../../engine/gpu/dispatch.ts';
import { RNG_WGSL } from '../../kernels/rng.ts';
import { u32, uniformBlock, type KernelLaunch } from '../../kernels/launch.ts';
import { gradcheck, scopedAsync } from '../../reference/check.ts';
import { philox4x32, randn, rngUniform } from '../../reference/float64.ts';

// Random123's known-answer vectors for philox4x32_10: [counter, key, output].
const PHILOX_KAT: [number[], number[], number[]][] = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

/** A one-thread kernel writing philox4x32_10(counter, key) as four u32 words. */
function philoxProbe(counter: number[], key: number[]): KernelLaunch {
  const uniforms = {
    c0: u32(counter[0]),
    c1: u32(counter[1]),
    c2: u32(counter[2]),
    c3: u32(counter[3]),
    k0: u32(key[0]),
    k1: u32(key[1]),
  };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read_write> output: array<u32>;
${RNG_WGSL}
@compute @workgroup_size(1)
fn main() {
  let words = philox4x32_10(vec4u(p.c0, p.c1, p.c2, p.c3), vec2u(p.k0, p.k1));
  for (var i = 0u; i < 4u; i++) { output[i] = words[i]; }
}`;
  return { name: 'philox_probe', code, workgroups: [1, 1, 1], uniforms };
}

test('Philox-4x32-10 matches the Random123 known answers on the GPU and in the reference', async () => {
  for (const [counter, key, expected] of PHILOX_KAT) {
    assert.equal(philox4x32(counter, key), expected, 'reference');
    const words = await scopedAsync(async () => {
      const out = new E.Tensor([4], 'i32');
      launchOn(philoxProbe(counter, key), out);
      return Array.from(await out.toArray(), (w) => w >>> 0);
    });
    assert.equal(words, expected, 'GPU');
  }
});

/** A stream by numbers; the op takes its step as a tensor, the reference as the offset step · 2^32 + stream. */
interface Stream {
  seed: number;
  step: number;
  stream: number;
}
const onDevice = ({ seed, step, stream }: Stream): E.RngState => ({ seed, stream, step: E.Tensor.fromArray([step], [1], 'i32') });
const offsetOf = ({ step, stream }: Stream) => step * 2 ** 32 + stream;

/** Dropout of a tensor of ones: each element is 0 or 1/(1-p). */
async function maskOf(n: number, p: number, rng: Stream): Promise<Float32Array> {
  return scopedAsync(() => E.dropout(E.filled([n], 1), p, onDevice(rng)).toFloat32());
}

test('keep rate is 1 - p over 100k elements, kept values are scaled by 1/(1-p), and the mask is the reference draw', async () => {
  const n = 100_000;
  for (const p of [0.1, 0.5, 0.9]) {
    const rng = { seed: 1234, step: 0, stream: 7 };
    const mask = await maskOf(n, p, rng);
    const scale = Math.fround(1 / (1 - p));
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const keep = rngUniform(rng.seed, offsetOf(rng), i) >= Math.fround(p);
      if (mask[i] !== (keep ? scale : 0)) assert.unreachable(`p ${p}: element ${i} is ${mask[i]}, expected ${keep ? scale : 0}`);
      if (keep) kept++;
    }
    // Binomial standard deviation is at most 0.0016 here; allow 4 of them.
    const rate = kept / n;
    assert.ok(Math.abs(rate - (1 - p)) < 0.0064, `p ${p}: keep rate ${rate}`);
  }
});

test('the same (seed, step, stream) reproduces the mask; another stream, step or seed gives a different one', async () => {
  const n = 10_000;
  const p = 0.5;
  const base = await maskOf(n, p, { seed: 42, step: 0, stream: 3 });
  assert.equal(await maskOf(n, p, { seed: 42, step: 0, stream: 3 }), base);
  const differing = (other: Float32Array) => other.reduce((acc, v, i) => acc + (v !== base[i] ? 1 : 0), 0) / n;
  // Independent masks at p = 0.5 differ in about half the elements.
  for (const rng of [
    { seed: 42, step: 0, stream: 4 },
    { seed: 43, step: 0, stream: 3 },
    { seed: 42 + 2 ** 32, step: 0, stream: 3 },
    { seed: 42, step: 1, stream: 3 },
  ]) {
    const d = differing(await maskOf(n, p, rng));
    assert.ok(d > 0.45 && d < 0.55, `${JSON.stringify(rng)}: ${d} of elements differ`);
  }
});

test('backward multiplies the gradient by the forward mask / (1-p)', async () => {
  const shape = [3, 37];
  const n = 3 * 37;
  const p = 0.3;
  const rng = { seed: 9, step: 256, stream: 5 };
  const scale = 1 / (1 - p);
  await gradcheck({
    inputs: [{ shape, data: randn(n, 5) }],
    gpu: ([x]) => E.dropout(x, p, onDevice(rng)),
    cpu: ([x]) => x.map((v, i) => (rngUniform(rng.seed, offsetOf(rng), i) >= Math.fround(p) ? v * scale : 0)),
  });
});

test("the step is read when the kernel runs: a recorded launch draws the next step's mask once the step tensor holds it", async () => {
  const n = 1000;
  const expected = (step: number) =>
    Float32Array.from({ length: n }, (_, i) => (rngUniform(42, offsetOf({ seed: 42, step, stream: 3 }), i) >= 0.5 ? 2 : 0));
  await scopedAsync(async () => {
    const step = E.Tensor.fromArray([0], [1], 'i32');
    const x = E.filled([n], 1);
    let masked: E.Tensor | undefined;
    const recording = record(() => {
      masked = E.dropout(x, 0.5, { seed: 42, stream: 3, step });
    });
    assert.equal(await masked!.toFloat32(), expected(0), 'recorded at step 0');
    step.write([1]);
    recording.replay();
    assert.equal(await masked!.toFloat32(), expected(1), 'replayed at step 1');
    recording.release();
  });
});

test('a gradient in two parts (the output used twice) goes through the same mask', async () => {
  const rng = { seed: 9, step: 1, stream: 4 };
  const keep = (i: number) => rngUniform(rng.seed, offsetOf(rng), i) >= Math.fround(0.3);
  await gradcheck({
    inputs: [{ shape: [40], data: randn(40, 15) }],
    gpu: ([x]) => {
      const d = E.dropout(x, 0.3, onDevice(rng));
      return E.add(d, E.mulScalar(d, 2));
    },
    cpu: ([x]) => x.map((v, i) => (keep(i) ? (3 * v) / 0.7 : 0)),
  });
});

test('p = 0 returns x itself, p = 1 drops everything', async () => {
  await scopedAsync(async () => {
    const x = E.Tensor.fromArray([1, -2, 3], [3]);
    assert.is(E.dropout(x, 0, onDevice({ seed: 1, step: 0, stream: 0 })), x);
    assert.equal(Array.from(await E.dropout(x, 1, onDevice({ seed: 1, step: 0, stream: 0 })).toFloat32()), [0, 0, 0]);
  });
});

test('bad probabilities and rng states are named', () => {
  E.scoped(() => {
    const x = E.filled([4], 1);
    const rng = (seed: number, stream: number) => onDevice({ seed, step: 0, stream });
    assert.throws(() => E.dropout(x, 1.5, rng(1, 0)), /dropout: probability must be in \[0, 1\], got 1.5/);
    assert.throws(() => E.dropout(x, Number.NaN, rng(1, 0)), /dropout: probability must be in \[0, 1\], got NaN/);
    assert.throws(() => E.dropout(x, 0.1, rng(-1, 0)), /rng: seed must be a non-negative integer below 2\^53, got -1/);
    assert.throws(() => E.dropout(x, 0.1, rng(1, 0.5)), /rng: stream must be a non-negative integer below 2\^32, got 0.5/);
    assert.throws(() => E.dropout(x, 0.1, { seed: 1, stream: 0, step: x }), /dropout: rng.step must be an i32 \[1\] tensor, got f32 \[4\]/);
  });
});

test.run();
