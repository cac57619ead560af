// Mixed precision (engine/ops/autocast.ts, engine/optim/grad_scaler.ts): f16 tensors and the f32 -> f16
// cast against torch's rounding; every f16 kernel (matmul variants 3 and 4, attention) against the
// float64 reference on f16-rounded inputs, forward and backward by finite differences; GradScaler's
// skip, backoff and growth against torch's algorithm; and a short training trajectory under
// autocast and loss scaling against the f32 one. Needs an adapter with shader-f16 (lavapipe);
// the OpenGL fallback has none, so this file is not in its smoke set.
//
// Tolerances: inputs (and output gradients) are f16 values, so every product of two operands is
// exact in f32 (11 + 11 significant bits < 24) and the only rounding left is the f32 accumulation
// of the f32 kernels: the f16 kernels must meet the f32 tests' tolerances (gradcheck's defaults,
// 1e-5 absolute + 1e-4 relative, ten times that for gradients). The float64 finite differences are
// taken on the unrounded reference at those f16 points, where it is smooth.
import '../support/setup.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { withSettings } from '../../engine/env.ts';
import { halfBits, halfValue, roundToHalf } from '../../engine/autograd/float16.ts';
import { launchOn } from '../../engine/autograd/launch_on.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { matmulVariants } from '../../kernels/matmul_variants.ts';
import { openCheckpoint } from '../../model/checkpoint.ts';
import { repoRoot } from '../support/cli_process.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { testEachKernel } from '../support/matmul_kernels.ts';
import { attentionRef, gradScalerUpdate, matmul as matmulRef, randn, type F64, type GradScalerRef } from '../../reference/float64.ts';

/** Normal samples rounded to f16: inputs every f16 kernel reads exactly. */
const halfRandn = (n: number, seed: number, scale = 1): F64 => randn(n, seed, scale).map(roundToHalf);

test('f16 bits: every f16 value round-trips, midpoints round to even, overflow is inf, tiny values flush', () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    const value = halfValue(bits);
    if (!Number.isNaN(value)) assert.is(halfBits(value), bits, `bits ${bits.toString(16)}`);
  }
  for (let bits = 0; bits < 0x7bff; bits++) {
    const midpoint = (halfValue(bits) + halfValue(bits + 1)) / 2;
    assert.is(halfBits(midpoint), bits & 1 ? bits + 1 : bits, `midpoint above ${bits.toString(16)}`);
  }
  assert.equal([65519, 65520, -1e6, 2 ** -25, 3 * 2 ** -26].map(roundToHalf), [65504, Infinity, -Infinity, 0, 2 ** -24]);
  assert.ok(Number.isNaN(roundToHalf(NaN)));
});

test('f16 tensors: written and read back exactly, odd lengths padded to whole words', async () => {
  await scopedAsync(async () => {
    for (const n of [1, 3, 6, 257]) {
      const values = halfRandn(n, n);
      assert.equal(Array.from(await E.Tensor.fromArray(values, [n], 'f16').toFloat32()), Array.from(values));
    }
  });
});

test("toHalf rounds as torch's .half() (nearest even, ±inf from ±65520 on whatever the adapter's own conversion does, subnormals, NaN) and passes its gradient through", async () => {
  const special = [
    0,
    -0,
    1,
    65504,
    65519,
    65520,
    -65520,
    1e5,
    -1e6,
    3e38,
    2 ** -14,
    2 ** -24,
    2 ** -25,
    3 * 2 ** -26,
    1 / 3,
    0.1,
    NaN,
    Infinity,
    -Infinity,
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    -3e-6,
  ];
  const values = [...special, ...randn(100, 1, 100)]; // odd length: the last word is half padding
  await scopedAsync(async () => {
    const x = E.Tensor.fromArray(values, [values.length], 'f32', { requiresGrad: true });
    const half = E.toHalf(x);
    assert.is(half.dtype, 'f16');
    const actual = await half.toFloat32();
    values.forEach((v, i) => assert.ok(Object.is(actual[i], roundToHalf(v)), `${v}: got ${actual[i]}, expected ${roundToHalf(v)}`));
    const seed = randn(values.length, 2);
    E.backward(half, E.Tensor.fromArray(seed, half.shape));
    assert.equal(Array.from(await x.grad!.toFloat32()), Array.from(Float32Array.from(seed)));
    x.grad!.release();
  });
});

const LAYOUTS = [false, true].flatMap((transA) => [false, true].map((transB) => ({ transA, transB })));
// The f16 paths are the operand loads; batching, shared operands and the (f32) bias epilogue are
// the f32 kernels' and tested with them (matmul.test.ts), so one shape covers them here.
const KERNEL_SHAPES = [
  { batch: 3, m: 37, k: 20, n: 44, sharedB: true, bias: true }, // aligned K and N: vec4<f16> loads
  { batch: 2, m: 33, k: 19, n: 21 }, // nothing aligned: scalar f16 loads
];

// Variants 1 and 2 (the literal teaching kernels) are f32 only.
for (const variant of [3, 4] as const) {
  test(`matmul variant ${variant} (${matmulVariants[variant].name}) on f16 operands, every layout, aligned or not, shared operands, bias`, async () => {
    for (const shape of KERNEL_SHAPES) {
      for (const layout of LAYOUTS) {
        const s: MatmulShape = { ...shape, ...layout, half: true };
        const aLength = (s.sharedA ? 1 : s.batch) * s.m * s.k;
        const bLength = (s.sharedB ? 1 : s.batch) * s.k * s.n;
        const a = halfRandn(aLength, 6);
        const b = halfRandn(bLength, 7);
        const bias = s.bias ? randn(s.n, 8) : null;
        const repeat = (x: F64, shared?: boolean) =>
          shared ? Float64Array.from({ length: x.length * s.batch }, (_, i) => x[i % x.length]) : x;
        const expected = matmulRef(repeat(a, s.sharedA), repeat(b, s.sharedB), s.batch, s.m, s.k, s.n, s.transA, s.transB);
        if (bias) expected.forEach((v, i) => (expected[i] = v + bias[i % s.n]));
        const kernel = matmulVariants[variant].kernel(s);
        const actual = await scopedAsync(async () => {
          const out = new E.Tensor([s.batch * s.m * s.n]);
          const operands = [E.Tensor.fromArray(a, [aLength], 'f16'), E.Tensor.fromArray(b, [bLength], 'f16'), out];
          if (bias) operands.push(E.Tensor.fromArray(bias, [s.n]));
          launchOn(kernel, ...operands);
          return out.toFloat32();
        });
        assertClose(actual, expected, 1e-5, 1e-4, kernel.name);
      }
    }
  });
}

// roundA and roundB: f32 operands rounded to f16 as the kernel loads them, as autocast's backward
// products take the f32 gradient. The same numbers as casting them first (kernels/cast.ts) and
// multiplying the f16 copies, bit for bit: overflow to ±inf and NaN included, in either operand.
for (const variant of [3, 4] as const) {
  test(`matmul variant ${variant}: operands rounded to f16 as they load give the bits of cast, then product`, async () => {
    const { batch, m, k, n } = KERNEL_SHAPES[1]; // compiled above unrounded, NT and TN
    const a = randn(batch * m * k, 11, 10);
    const b = randn(batch * k * n, 12, 10);
    a.set([70000, -1e6, 65519, 65520, NaN]);
    b.set([2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11, -65520]);
    for (const s of [
      { transA: true, transB: false, roundA: true },
      { transA: false, transB: true, roundA: true, roundB: true },
    ]) {
      const shape: MatmulShape = { batch, m, k, n, half: true, ...s };
      const [rounded, cast] = await scopedAsync(async () => {
        const [a32, b32] = [E.Tensor.fromArray(a, [a.length]), E.Tensor.fromArray(b, [b.length])];
        const [aHalf, bHalf] = [E.toHalf(a32), E.toHalf(b32)];
        const outs = [new E.Tensor([batch * m * n]), new E.Tensor([batch * m * n])];
        launchOn(matmulVariants[variant].kernel(shape), a32, s.roundB ? b32 : bHalf, outs[0]);
        launchOn(matmulVariants[variant].kernel({ ...shape, roundA: false, roundB: false }), aHalf, bHalf, outs[1]);
        return Promise.all(outs.map((t) => t.toFloat32()));
      });
      assert.ok(rounded.some((v) => !Number.isFinite(v)) && rounded.some(Number.isFinite), 'overflows and finite values');
      rounded.forEach((v, i) => assert.ok(Object.is(v, cast[i]), `${JSON.stringify(s)} element ${i}: ${v}, cast first ${cast[i]}`));
    }
  });
}

test('matmul under autocast: f16 operands (the output is the product of the rounded inputs), f32 gradients', async () => {
  // Unrounded inputs: the result must be the product of their f16 roundings, which differs from
  // the unrounded product by ~1e-3 relative, far above the tolerance.
  const [m, k, n] = [7, 24, 9];
  const a = randn(m * k, 1);
  const b = randn(k * n, 2);
  const actual = await scopedAsync(() =>
    E.autocast(() => E.matmul(E.Tensor.fromArray(a, [m, k]), E.Tensor.fromArray(b, [k, n]))).toFloat32(),
  );
  assertClose(actual, matmulRef(a.map(roundToHalf), b.map(roundToHalf), 1, m, k, n), 1e-5, 1e-4, 'autocast matmul');
  assert.ok(
    actual.some((v, i) => Math.abs(v - matmulRef(a, b, 1, m, k, n)[i]) > 1e-3),
    'the operands were rounded to f16',
  );
  for (const { transA, transB } of LAYOUTS) {
    await gradcheck({
      inputs: [
        { shape: [2, ...(transA ? [k, m] : [m, k])], data: halfRandn(2 * m * k, 3) },
        { shape: transB ? [n, k] : [k, n], data: halfRandn(k * n, 4) },
      ],
      gpu: ([x, y]) => E.autocast(() => E.matmul(x, y, { transA, transB })),
      cpu: ([x, y]) =>
        matmulRef(
          x,
          Float64Array.from({ length: 2 * k * n }, (_, i) => y[i % (k * n)]),
          2,
          m,
          k,
          n,
          transA,
          transB,
        ),
      seed: halfRandn(2 * m * n, 5),
    });
  }
});

// The bias gradient comes from the f16 weight gradient's launch (its biasGrad epilogue), checked
// here under both kernels the ops launch (blocked for GPUs, direct for CPU adapters).
testEachKernel('linear under autocast: f16 input and weight, f32 bias, gradients by finite differences', async () => {
  const [rows, inF, outF] = [6, 20, 12];
  await gradcheck({
    inputs: [
      { shape: [2, 3, inF], data: halfRandn(rows * inF, 6) },
      { shape: [outF, inF], data: halfRandn(outF * inF, 7, 0.2) },
      { shape: [outF], data: randn(outF, 8) },
    ],
    gpu: ([x, w, bias]) => E.autocast(() => E.linear(x, w, bias)),
    cpu: ([x, w, bias]) => matmulRef(x, w, 1, rows, inF, outF, false, true).map((v, i) => v + bias[i % outF]),
    seed: halfRandn(rows * outF, 9),
  });
});

test('linear under autocast: one launch forward, two backward (dX, and dW with db): its products round x, W and the gradient as they load them', async () => {
  await scopedAsync(async () => {
    const [rows, inF, outF] = [6, 20, 12]; // the kernels of the test above
    const x = E.Tensor.fromArray(randn(rows * inF, 6), [rows, inF], 'f32', { requiresGrad: true });
    const w = E.Tensor.fromArray(randn(outF * inF, 7), [outF, inF], 'f32', { requiresGrad: true });
    const bias = E.Tensor.fromArray(randn(outF, 8), [outF], 'f32', { requiresGrad: true });
    const seed = E.Tensor.fromArray(randn(rows * outF, 9), [rows, outF]);
    let before = E.dispatchStats.dispatches;
    const out = E.autocast(() => E.linear(x, w, bias));
    assert.is(E.dispatchStats.dispatches - before, 1, 'forward');
    before = E.dispatchStats.dispatches;
    E.backward(out, seed);
    assert.is(E.dispatchStats.dispatches - before, 2, 'backward');
    for (const t of [x, w, bias]) t.grad!.release();
  });
});

const ATTENTION_CASES = [
  { batch: 2, seq: 7, heads: 2, headDim: 8, lengths: [7, 4], dropout: undefined },
  { batch: 2, seq: 6, heads: 3, headDim: 5, lengths: [6, 2], dropout: { probability: 0.3, seed: 1234, offset: 5 } },
];
type AttentionCase = (typeof ATTENTION_CASES)[number];

/** The adapter's default form on both cases; the other forms (ENGINE_ATTENTION) on the first. */
function attentionRuns(): { c: AttentionCase; i: number; form?: E.AttentionForm }[] {
  const others = (['blocks', 'rows', 'cpu'] as const).filter((form) => form !== E.defaultAttentionForm());
  return [...ATTENTION_CASES.map((c, i) => ({ c, i })), ...others.map((form) => ({ c: ATTENTION_CASES[0], i: 0, form }))];
}

/** A case's tensor shape, element count, key mask (1 keep, 0 padding) and dropout stream. */
function attentionInputs(c: AttentionCase) {
  const mask = Float64Array.from({ length: c.batch * c.seq }, (_, j) => (j % c.seq < c.lengths[Math.floor(j / c.seq)] ? 1 : 0));
  const rng = c.dropout && { seed: c.dropout.seed, stream: c.dropout.offset, step: E.Tensor.fromArray([0], [1], 'i32') };
  return { shape: [c.batch, c.seq, c.heads * c.headDim], n: c.batch * c.seq * c.heads * c.headDim, mask, rng };
}

test('attention under autocast: q, k, v on f16 values (vec4 and scalar rows), padding, dropout, every form; f32 gradients', async () => {
  for (const { c, i, form } of attentionRuns()) {
    const { shape, n, mask, rng } = attentionInputs(c);
    await withSettings({ ENGINE_ATTENTION: form }, () =>
      gradcheck({
        inputs: [
          { shape, data: halfRandn(n, 10 * i) },
          { shape, data: halfRandn(n, 10 * i + 1) },
          { shape, data: halfRandn(n, 10 * i + 2) },
          { shape: [c.batch, c.seq], data: mask, dtype: 'i32', noGrad: true },
        ],
        gpu: ([q, k, v, m]) => E.autocast(() => E.attention(q, k, v, m, c.heads, c.dropout ? { dropout: c.dropout.probability, rng } : {})),
        cpu: ([q, k, v, m]) => attentionRef(q, k, v, m, c.batch, c.seq, c.heads, c.headDim, c.dropout),
      }),
    );
  }
});

// Under autocast the kernels read the f32 q, k and v and round them as they load them; casting them
// first (toHalf) and launching the kernels on the f16 copies must give the same bits. Values off
// the f16 grid, so that every load rounds; the cases above, scalar rows in the default form and
// vec4 rows in the block form or, where that is the default, the row form.
test('attention under autocast rounds q, k, v as it loads them: the bits of toHalf then attention', async () => {
  const other: E.AttentionForm = E.defaultAttentionForm() === 'blocks' ? 'cpu' : 'blocks';
  for (const { c, form } of [{ c: ATTENTION_CASES[1] }, { c: ATTENTION_CASES[0], form: other }]) {
    const { shape, n, mask, rng } = attentionInputs(c);
    const bits = (rounded: boolean) =>
      scopedAsync(async () => {
        const [q, k, v] = [0, 1, 2].map((z) => E.Tensor.fromArray(randn(n, 50 + z, 3), shape, 'f32', { requiresGrad: true }));
        const keys = E.Tensor.fromArray(mask, [c.batch, c.seq], 'i32');
        const opts = c.dropout ? { dropout: c.dropout.probability, rng } : {};
        const out = rounded
          ? E.autocast(() => E.attention(q, k, v, keys, c.heads, opts))
          : E.attention(E.toHalf(q), E.toHalf(k), E.toHalf(v), keys, c.heads, opts);
        E.backward(out, E.Tensor.fromArray(randn(n, 60), shape));
        const results = await Promise.all([out, q.grad!, k.grad!, v.grad!].map((t) => t.toFloat32()));
        return results.map((r) => Array.from(new Uint32Array(r.buffer)));
      });
    const [rounded, cast] = [
      await withSettings({ ENGINE_ATTENTION: form }, () => bits(true)),
      await withSettings({ ENGINE_ATTENTION: form }, () => bits(false)),
    ];
    for (const [t, name] of ['context', 'dq', 'dk', 'dv'].entries())
      assert.equal(rounded[t], cast[t], `${name}, ${form ?? 'default form'}, head dim ${c.headDim}`);
  }
});

// selfAttention launches q, k and v as one slotted product (engine/ops/self_attention.ts); under
// autocast it must compute what three linears and attention compute there, from the same f16
// values (its kernels are checked against float64 in test/ops/matmul.test.ts, and their f16 loads
// above). Only dx's sum over q, k and v runs in another order (one K loop instead of two adds).
test('selfAttention under autocast: the numbers of three linears and attention under autocast', async () => {
  const [batch, seq, heads, features] = [2, 5, 2, 8];
  const rows = batch * seq;
  const run = (form: 'fused' | 'linears' | 'f32') =>
    scopedAsync(async () => {
      const x = E.Tensor.fromArray(randn(rows * features, 1), [batch, seq, features], 'f32', { requiresGrad: true });
      const projections = [0, 1, 2].map((z) => ({
        weight: E.Tensor.fromArray(randn(features * features, 10 + z, 0.5), [features, features], 'f32', { requiresGrad: true }),
        bias: E.Tensor.fromArray(randn(features, 20 + z, 0.5), [features], 'f32', { requiresGrad: true }),
      })) as [E.Projection, E.Projection, E.Projection];
      const mask = E.Tensor.fromArray([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [batch, seq], 'i32');
      const forward = () =>
        form === 'linears'
          ? E.attention(...(projections.map((p) => E.linear(x, p.weight, p.bias)) as [E.Tensor, E.Tensor, E.Tensor]), mask, heads)
          : E.selfAttention(x, projections, mask, heads);
      const out = form === 'f32' ? forward() : E.autocast(forward);
      E.backward(out, E.Tensor.fromArray(randn(rows * features, 30), out.shape));
      const results = [out, x.grad!, ...projections.flatMap((p) => [p.weight.grad!, p.bias.grad!])];
      return Promise.all(results.map((t) => t.toFloat32()));
    });
  const [fused, linears, f32] = [await run('fused'), await run('linears'), await run('f32')];
  const names = ['output', 'dx', 'dWq', 'dbq', 'dWk', 'dbk', 'dWv', 'dbv'];
  fused.forEach((actual, i) => assertClose(actual, Float64Array.from(linears[i]), 1e-6, 1e-5, names[i]));
  assert.ok(
    fused[0].some((v, i) => Math.abs(v - f32[0][i]) > 1e-4 * Math.max(1, Math.abs(v))),
    'the projections ran on f16 operands',
  );
});

test("GradScaler: unscale, skip, backoff and growth follow torch's algorithm step by step", async () => {
  // Growth every 3 clean steps (torch's default is 2000) so that both growth and backoff happen.
  const options = { initScale: 2 ** 10, growthInterval: 3 };
  const scaler = new E.GradScaler(options);
  const param = E.Tensor.fromArray([1, 2, 3], [3], 'f32', { requiresGrad: true, persistent: true });
  const optimizer = new E.AdamW([param], { lr: 0.1 });
  let expected: GradScalerRef = { scale: options.initScale, growthTracker: 0 };
  let steps = 0;
  // Which steps see an inf or a NaN among the scaled gradients.
  const bad = [false, true, false, false, false, false, true, true, false, false, false];
  for (const [i, poison] of bad.entries()) {
    const scaled = [expected.scale * 0.5, -expected.scale * 0.25, i % 2 ? NaN : Infinity].map((g, j) =>
      j === 2 && !poison ? expected.scale : g,
    );
    const before = Array.from(await param.toFloat32());
    param.grad = E.Tensor.fromArray(scaled, [3], 'f32', { persistent: true });
    scaler.unscale([param]);
    if (!poison) assert.equal(Array.from(await param.grad.toFloat32()), [0.5, -0.25, 1], `step ${i}: unscaled gradients`);
    scaler.step(optimizer);
    scaler.update();
    E.zeroGrad([param]);
    if (!poison) steps++;
    assert.is(await optimizer.steps.item(), steps, `step ${i}: AdamW's step count`);
    assert.is(await scaler.foundInf.item(), 0, `step ${i}: the flag is cleared for the next step`);
    const after = Array.from(await param.toFloat32());
    if (poison) assert.equal(after, before, `step ${i}: a skipped step leaves the parameters`);
    else
      assert.ok(
        after.every((p, j) => p !== before[j]),
        `step ${i}: a clean step updates the parameters`,
      );
    expected = gradScalerUpdate(expected, poison, 2, 0.5, options.growthInterval);
    assert.equal(await scaler.state(), expected, `step ${i}: scale and growth tracker`);
  }
  assert.is(await scaler.skippedSteps(), 3);
  // Defaults are torch's, and the state survives a checkpoint round trip.
  const fresh = new E.GradScaler();
  assert.equal(await fresh.state(), { scale: 65536, growthTracker: 0 });
  fresh.loadState(expected);
  assert.equal(await fresh.state(), expected);
  for (const t of [scaler, fresh, optimizer, param]) t.release();
});

const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'parity');
const TRAJECTORY_STEPS = 24;

/**
 * The parity fixture's model (2 layers, 6 heads of 16) trained on its batch of 8 sentences for
 * TRAJECTORY_STEPS steps as train.ts steps (cross-entropy, backward, clip to 1, AdamW with a
 * linear decay, without dropout), in f32 or under autocast with a GradScaler. Each step's loss.
 */
async function trajectory(fp16: boolean): Promise<number[]> {
  const batch = JSON.parse(readFileSync(path.join(fixtureDir, 'batch.json'), 'utf8'));
  const shape = [batch.input_ids.length, batch.input_ids[0].length];
  const model = openCheckpoint(fixtureDir).createModel();
  const params = model.parameters();
  const optimizer = new E.AdamW(params, { lr: { steps: TRAJECTORY_STEPS, at: (step) => 1e-3 * (1 - step / TRAJECTORY_STEPS) } });
  const scaler = fp16 ? new E.GradScaler() : undefined;
  const losses: number[] = [];
  for (let step = 0; step < TRAJECTORY_STEPS; step++) {
    losses.push(
      await scopedAsync(async () => {
        const ids = E.Tensor.fromArray(batch.input_ids.flat(), shape, 'i32');
        const mask = E.Tensor.fromArray(batch.attention_mask.flat(), shape, 'i32');
        const forward = () => model.forward(ids, mask);
        const loss = E.crossEntropy(fp16 ? E.autocast(forward) : forward(), E.Tensor.fromArray(batch.labels, [shape[0]], 'i32'));
        E.backward(loss, scaler?.scale);
        scaler?.unscale(params);
        const { clipCoef } = E.gradNorm(params, 1);
        if (scaler) {
          scaler.step(optimizer, clipCoef);
          scaler.update();
        } else {
          optimizer.step(clipCoef);
        }
        E.zeroGrad(params);
        return loss.item();
      }),
    );
  }
  assert.is((await scaler?.skippedSteps()) ?? 0, 0, 'no step skipped');
  for (const t of [model, optimizer, scaler]) t?.release();
  return losses;
}

// The bound: f16 operands carry a relative rounding error of up to 2^-11 (5e-4); here the two
// trajectories' losses stay within 3e-4 of each other over the 24 steps. 2e-3 leaves room for
// other adapters' accumulation orders while still failing if, say, a backward product lost its
// loss scale (small gradients flushed to zero) or a skipped step advanced the schedule.
test(`training trajectory: ${TRAJECTORY_STEPS} steps under autocast and loss scaling stay within 2e-3 of f32's losses`, async () => {
  const f32 = await trajectory(false);
  const f16 = await trajectory(true);
  assert.ok(f32[TRAJECTORY_STEPS - 1] < f32[0] - 0.3, `the f32 loss falls: ${f32[0]} -> ${f32[TRAJECTORY_STEPS - 1]}`);
  assert.ok(
    f16.some((l, i) => l !== f32[i]),
    'autocast changed the numbers',
  );
  f16.forEach((l, i) => assert.ok(Math.abs(l - f32[i]) <= 2e-3, `step ${i}: f16 loss ${l}, f32 loss ${f32[i]}`));
});

test.run();
