// AdamW and gradient clipping against float64 CPU versions of torch 1.13's formulas, and AdamW's
// schedule table.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADAMW_COST, scheduleTable } from '../../kernels/adamw.ts';
import { MAX_PARTIALS, NORM_GRIDS, SUM_SQUARES_COST, chunkOf, partialsOf } from '../../kernels/grad_norm.ts';
import { planBalancedSlotGroups, planSlotGroups, slotsPerLaunch } from '../../kernels/multi_tensor.ts';
import { Tensor, dispatchStats, gpu } from '../../engine/index.ts';
import { withSettings } from '../../engine/env.ts';
import { observeLaunches } from '../../engine/gpu/dispatch.ts';
import { AdamW, clipGradNorm, gradNorm, type AdamWState } from '../../engine/optim/adamw.ts';
import { assertClose } from '../../reference/check.ts';
import { randn, type F64 } from '../../reference/float64.ts';

interface RefAdamW {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecays: number[];
}
interface RefState {
  step: number;
  m: F64[];
  v: F64[];
}

/** torch.optim.AdamW's `_single_tensor_adamw`, in float64, updating params and state in place. */
function refAdamWStep(params: F64[], grads: F64[], state: RefState, o: RefAdamW): void {
  state.step++;
  const bc1 = 1 - o.beta1 ** state.step;
  const bc2Sqrt = Math.sqrt(1 - o.beta2 ** state.step);
  params.forEach((p, i) => {
    const [g, m, v] = [grads[i], state.m[i], state.v[i]];
    for (let j = 0; j < p.length; j++) {
      p[j] *= 1 - o.lr * o.weightDecays[i];
      m[j] = o.beta1 * m[j] + (1 - o.beta1) * g[j];
      v[j] = o.beta2 * v[j] + (1 - o.beta2) * g[j] * g[j];
      p[j] -= (o.lr / bc1) * (m[j] / (Math.sqrt(v[j]) / bc2Sqrt + o.eps));
    }
  });
}

/** torch.nn.utils.clip_grad_norm_ in float64: scales grads in place, returns the norm before. */
function refClipGradNorm(grads: F64[], maxNorm: number): number {
  const norms = grads.map((g) => Math.sqrt(g.reduce((s, x) => s + x * x, 0)));
  const total = Math.sqrt(norms.reduce((s, n) => s + n * n, 0));
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const g of grads) for (let j = 0; j < g.length; j++) g[j] *= coef;
  return total;
}

const zerosLike = (xs: F64[]) => xs.map((x) => new Float64Array(x.length));
const f64 = (x: ArrayLike<number>) => Float64Array.from(x);

/** Parameters (persistent, with persistent gradients) holding `values`. */
function makeParams(shapes: number[][], values: F64[]): Tensor[] {
  return shapes.map((shape, i) => {
    const p = Tensor.fromArray(values[i], shape, 'f32', { persistent: true, requiresGrad: true, name: `param${i}` });
    p.grad = new Tensor(shape, 'f32', { persistent: true, name: `param${i}.grad` });
    return p;
  });
}

function releaseAll(params: Tensor[]): void {
  for (const p of params) {
    p.grad?.release();
    p.release();
  }
}

/** Gradients of step `step` (deterministic), rounded to f32 as the GPU holds them. */
function gradsAt(sizes: number[], step: number, scale = 1): F64[] {
  return sizes.map((n, i) => f64(Float32Array.from(randn(n, 1000 * step + i, scale))));
}

const SHAPES = [[7, 13], [1], [3, 1001]];
const SIZES = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
const LRS = [1e-2, 8e-3, 6e-3, 4e-3, 2e-3];
const BASE = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const WEIGHT_DECAYS = [0.1, 0.1, 0];

const initialValues = (sizes: number[]) => sizes.map((n, i) => f64(Float32Array.from(randn(n, 7 + i))));

/** An optimizer over SHAPES: the first two parameters decay, the last does not; step s has rate LRS[s]. */
function makeOptimizer(params: Tensor[]): AdamW {
  return new AdamW([{ params: params.slice(0, 2), weightDecay: WEIGHT_DECAYS[0] }, { params: params.slice(2) }], {
    lr: { steps: LRS.length, at: (step) => LRS[step] },
    betas: [BASE.beta1, BASE.beta2],
    eps: BASE.eps,
    weightDecay: WEIGHT_DECAYS[2],
  });
}

async function checkAgainst(params: Tensor[], ref: F64[], what: string): Promise<void> {
  for (let i = 0; i < params.length; i++) assertClose(await params[i].toFloat32(), ref[i], 2e-6, 1e-5, `${what}: param ${i}`);
}

test('AdamW: 5 steps with per-parameter weight decay and a changing lr match torch formulas in float64', async () => {
  const ref = initialValues(SIZES);
  const params = makeParams(SHAPES, ref);
  const opt = makeOptimizer(params);
  const refState: RefState = { step: 0, m: zerosLike(ref), v: zerosLike(ref) };
  for (let s = 0; s < LRS.length; s++) {
    const grads = gradsAt(SIZES, s);
    params.forEach((p, i) => p.grad!.write(grads[i]));
    opt.step();
    refAdamWStep(ref, grads, refState, { ...BASE, lr: LRS[s], weightDecays: WEIGHT_DECAYS });
    await checkAgainst(params, ref, `step ${s + 1}`);
  }
  const state = await opt.state();
  assert.is(state.step, 5);
  assert.is(await opt.steps.item(), 5);
  state.m.forEach((m, i) => assertClose(m, refState.m[i], 1e-7, 1e-5, `m ${i}`));
  state.v.forEach((v, i) => assertClose(v, refState.v[i], 1e-9, 1e-5, `v ${i}`));
  opt.release();
  releaseAll(params);
});

test("AdamW's schedule table: each step's rate to the schedule's end, then rows until the bias corrections round to 1", () => {
  const rates = [3e-3, 2e-3];
  const table = scheduleTable((step) => rates[step], rates.length, BASE, [0.1], 1 << 18);
  /** Step t's row as the formulas give it in float64, rounded to f32. */
  const rowAt = (t: number, lr: number) =>
    Array.from(Float32Array.from([-lr / (1 - BASE.beta1 ** t), Math.sqrt(1 - BASE.beta2 ** t), 1 - lr * 0.1]));
  const rows = table.length / 3;
  assert.ok(rows > 16_000 && rows < 18_000, `${rows} rows at betas 0.9, 0.999`);
  assert.equal(Array.from(table.subarray(0, 3)), rowAt(1, 3e-3), 'step 1 at the first rate');
  assert.equal(Array.from(table.subarray(3, 6)), rowAt(2, 2e-3), 'step 2 at the second');
  assert.equal(Array.from(table.subarray(6, 9)), rowAt(3, 2e-3), 'the last rate holds past the schedule');
  // The device takes the last row for every step past the table: exactly what those steps' formulas give.
  for (const t of [rows, rows + 1, 10 * rows]) assert.equal(Array.from(table.subarray(-3)), rowAt(t, 2e-3), `step ${t}`);
  assert.is(scheduleTable(() => 1e-3, 1, BASE, [0.1], 5).length, 5 * 3, 'at most maxSteps rows');
});

/** The grad norm's grids: `body` runs once with each class of adapter's (ENGINE_KERNELS). */
async function inEachGrid(body: (kernels: keyof typeof NORM_GRIDS) => Promise<void>): Promise<void> {
  for (const kernels of ['software', 'gpu'] as const) await withSettings({ ENGINE_KERNELS: kernels }, () => body(kernels));
}

test("gradNorm and clipGradNorm: total norm, coefficient, in-place scaling when active, untouched when not, in both classes' grids", async () => {
  const grads = gradsAt(SIZES, 0, 0.5);
  const expectedNorm = refClipGradNorm(grads.map(f64), Infinity);
  await inEachGrid(async (kernels) => {
    for (const maxNorm of [1, 1000]) {
      const params = makeParams(SHAPES, initialValues(SIZES));
      params.forEach((p, i) => p.grad!.write(grads[i]));
      const { totalNorm, clipCoef } = gradNorm(params, maxNorm);
      assertClose([await totalNorm.item()], [expectedNorm], 0, 1e-6, `gradNorm total (${kernels})`);
      assertClose([await clipCoef.item()], [Math.min(1, maxNorm / (expectedNorm + 1e-6))], 0, 1e-6, 'clip coefficient');

      const clipped = grads.map(f64);
      refClipGradNorm(clipped, maxNorm);
      const norm = clipGradNorm(params, maxNorm);
      assertClose([await norm.item()], [expectedNorm], 0, 1e-6, `clipGradNorm total (${kernels})`);
      for (let i = 0; i < params.length; i++) {
        const after = await params[i].grad!.toFloat32();
        if (maxNorm === 1000) assert.equal(Array.from(after), Array.from(grads[i]), 'an inactive clip leaves gradients bit-identical');
        else assertClose(after, clipped[i], 1e-7, 1e-6, `clipped grad ${i}`);
      }
      for (const t of [totalNorm, clipCoef, norm]) t.release();
      releaseAll(params);
    }
  });
});

test('AdamW with the clip coefficient fused in matches clip-then-step, and leaves .grad untouched', async () => {
  const ref = initialValues(SIZES);
  const params = makeParams(SHAPES, ref);
  const opt = makeOptimizer(params);
  const refState: RefState = { step: 0, m: zerosLike(ref), v: zerosLike(ref) };
  const maxNorm = 20;
  let clippedSteps = 0;
  for (let s = 0; s < 3; s++) {
    // Growing gradients: the norm (about 17, 33, 50) crosses maxNorm, so only later steps clip.
    const grads = gradsAt(SIZES, s, 0.3 * (s + 1));
    params.forEach((p, i) => p.grad!.write(grads[i]));
    const { totalNorm, clipCoef } = gradNorm(params, maxNorm);
    opt.step(clipCoef);
    const norm = refClipGradNorm(grads, maxNorm);
    if (norm > maxNorm) clippedSteps++;
    refAdamWStep(ref, grads, refState, { ...BASE, lr: LRS[s], weightDecays: WEIGHT_DECAYS });
    assertClose([await totalNorm.item()], [norm], 0, 1e-6, `step ${s + 1} norm`);
    await checkAgainst(params, ref, `step ${s + 1}`);
    assert.equal(Array.from(await params[2].grad!.toFloat32()), Array.from(Float32Array.from(gradsAt(SIZES, s, 0.3 * (s + 1))[2])));
    totalNorm.release();
    clipCoef.release();
  }
  assert.ok(clippedSteps >= 1 && clippedSteps < 3, `clipping should be active on some steps only (was on ${clippedSteps})`);
  opt.release();
  releaseAll(params);
});

test('many parameters (several launch groups, an empty tensor): AdamW and the norm stay exact, one launch per group and one to begin', async () => {
  const sizes = Array.from({ length: 40 }, (_, i) => (i === 5 ? 0 : 1 + ((i * 37) % 300)));
  const chunk = NORM_GRIDS.software.minChunk;
  sizes[17] = chunk * 2 + 1; // three stage-1 partials, read as scalars
  sizes[18] = chunk * 2 + 4; // three, read as vec4s
  const shapes = sizes.map((n) => [n]);
  const ref = initialValues(sizes);
  const params = makeParams(shapes, ref);
  const weightDecays = sizes.map((_, i) => (i % 2 ? 0.05 : 0));
  const opt = new AdamW(
    [{ params: params.filter((_, i) => i % 2 === 1), weightDecay: 0.05 }, { params: params.filter((_, i) => i % 2 === 0) }],
    { lr: 1e-2 },
  );
  const order = [...params.filter((_, i) => i % 2 === 1), ...params.filter((_, i) => i % 2 === 0)];
  assert.ok(
    opt.params.every((p, i) => p === order[i]),
    'parameters in param-group order',
  );
  const refState: RefState = { step: 0, m: zerosLike(ref), v: zerosLike(ref) };
  const storageLimit = gpu().limits.maxStorageBuffersPerShaderStage;
  for (let s = 0; s < 2; s++) {
    const grads = gradsAt(sizes, s);
    params.forEach((p, i) => p.grad!.write(grads[i]));
    const before = dispatchStats.dispatches;
    opt.step();
    assert.is(dispatchStats.dispatches - before, 1 + Math.ceil(40 / slotsPerLaunch(ADAMW_COST, storageLimit)), 'AdamW launches');
    const normStart = dispatchStats.dispatches;
    const { totalNorm, clipCoef } = withSettings({ ENGINE_KERNELS: 'software' }, () => gradNorm(params, 1));
    const stage1 = Math.ceil(40 / slotsPerLaunch(SUM_SQUARES_COST, storageLimit));
    assert.is(dispatchStats.dispatches - normStart, stage1 + 2, 'grad norm launches: stage 1 per group, each tensor, the total');
    refAdamWStep(ref, grads, refState, { ...BASE, lr: 1e-2, weightDecays });
    assertClose([await totalNorm.item()], [refClipGradNorm(grads, Infinity)], 0, 1e-6, 'norm over many tensors');
    totalNorm.release();
    clipCoef.release();
  }
  await checkAgainst(params, ref, 'many parameters');
  assert.ok(40 > slotsPerLaunch(SUM_SQUARES_COST, storageLimit), 'the norm needs several stage-1 launches');
  opt.release();
  releaseAll(params);
});

test("grad norm chunks: whole vec4s of each workgroup's threads; software's at most MAX_PARTIALS a tensor, a GPU's fixed", () => {
  const embedding = 30522 * 768;
  for (const grid of Object.values(NORM_GRIDS)) {
    for (const n of [1, grid.minChunk, grid.minChunk * MAX_PARTIALS + 1, embedding]) {
      const chunk = chunkOf(n, grid);
      assert.ok(chunk % (4 * grid.threads) === 0 && chunk >= grid.minChunk, `chunk of ${n}`);
      assert.ok(partialsOf(n, grid) <= grid.maxPartials && partialsOf(n, grid) * chunk >= n, `partials of ${n}`);
    }
  }
  assert.is(partialsOf(NORM_GRIDS.software.minChunk * MAX_PARTIALS, NORM_GRIDS.software), MAX_PARTIALS);
  assert.is(partialsOf(embedding, NORM_GRIDS.software), MAX_PARTIALS, "software: the embedding gradient's 23M in 256 chunks");
  assert.is(partialsOf(embedding, NORM_GRIDS.gpu), 5723, "a GPU: the embedding gradient's 23M in 5,723 chunks of 4,096");
});

test('gradNorm of a tensor past minChunk · MAX_PARTIALS elements, beside a small one, in the grid ENGINE_KERNELS picks: longer chunks, or more partials than threads', async () => {
  const sizes = [NORM_GRIDS.software.minChunk * MAX_PARTIALS + 4, 5];
  assert.ok(partialsOf(sizes[0], NORM_GRIDS.gpu) > NORM_GRIDS.gpu.threads, "a GPU's stage 2 adds several partials a thread");
  const grads = gradsAt(sizes, 0);
  const params = makeParams(
    sizes.map((n) => [n]),
    grads,
  );
  params.forEach((p, i) => p.grad!.write(grads[i]));
  await inEachGrid(async (kernels) => {
    const workgroups: number[] = [];
    observeLaunches((launch) => void workgroups.push(launch.workgroups.reduce((a, b) => a * b)));
    const { totalNorm, clipCoef } = gradNorm(params, 1);
    observeLaunches(null);
    const stage1 = partialsOf(sizes[0], NORM_GRIDS[kernels]) + 1;
    assert.equal(workgroups, [stage1, sizes.length, 1], `workgroups: stage 1, a tensor each, the total (${kernels})`);
    assertClose([await totalNorm.item()], [refClipGradNorm(grads, Infinity)], 0, 1e-6, `norm (${kernels})`);
    totalNorm.release();
    clipCoef.release();
  });
  releaseAll(params);
});

test('AdamW state exports and imports: a restored optimizer continues bit-identically', async () => {
  const init = initialValues(SIZES);
  const paramsA = makeParams(SHAPES, init);
  const optA = makeOptimizer(paramsA);
  for (let s = 0; s < 3; s++) {
    const grads = gradsAt(SIZES, s);
    paramsA.forEach((p, i) => p.grad!.write(grads[i]));
    optA.step();
  }
  const saved: AdamWState = await optA.state();
  const paramsB = makeParams(SHAPES, await Promise.all(paramsA.map(async (p) => f64(await p.toFloat32()))));
  const optB = makeOptimizer(paramsB);
  optB.loadState(saved);
  assert.is(await optB.steps.item(), 3);
  for (let s = 3; s < 5; s++) {
    const grads = gradsAt(SIZES, s);
    for (const params of [paramsA, paramsB]) params.forEach((p, i) => p.grad!.write(grads[i]));
    optA.step();
    optB.step();
  }
  for (let i = 0; i < SIZES.length; i++) {
    assert.equal(Array.from(await paramsB[i].toFloat32()), Array.from(await paramsA[i].toFloat32()), `param ${i}`);
  }
  const [a, b] = [await optA.state(), await optB.state()];
  assert.is(b.step, 5);
  assert.equal(
    b.m.map((x) => Array.from(x)),
    a.m.map((x) => Array.from(x)),
  );
  assert.equal(
    b.v.map((x) => Array.from(x)),
    a.v.map((x) => Array.from(x)),
  );

  assert.throws(() => optB.loadState({ ...saved, m: saved.m.slice(1) }), /state\.m has 2 tensors, the optimizer has 3 parameters/);
  assert.throws(
    () => optB.loadState({ ...saved, v: [saved.v[0], new Float32Array(2), saved.v[2]] }),
    /state\.v\[1\] has 2 values, parameter param1 \[1\] has 1/,
  );
  for (const opt of [optA, optB]) opt.release();
  releaseAll(paramsA);
  releaseAll(paramsB);
});

test('gradNorm skips parameters without a gradient, as torch does', async () => {
  const params = makeParams([[3]], [f64([1, 2, 2])]);
  params[0].grad!.write([3, 0, 4]);
  const frozen = Tensor.fromArray([100], [1], 'f32', { persistent: true, name: 'frozen' });
  const norm = clipGradNorm([frozen, ...params], 1);
  assert.is(await norm.item(), 5);
  assertClose(await params[0].grad!.toFloat32(), [3 / (5 + 1e-6), 0, 4 / (5 + 1e-6)], 0, 1e-6, 'clipped');
  norm.release();
  frozen.release();
  releaseAll(params);
});

test('bad input: missing gradients, duplicate parameters, bad hyperparameters', async () => {
  const params = makeParams([[3]], [new Float64Array(3)]);
  const noGrad = Tensor.fromArray([1, 2], [2], 'f32', { persistent: true, name: 'frozen' });
  const opt = new AdamW([params[0], noGrad]);
  assert.throws(() => opt.step(), /AdamW\.step: parameter frozen has no gradient/);
  assert.is(await opt.steps.item(), 0, 'a failed step does not count');
  assert.throws(() => new AdamW([params[0], params[0]]), /AdamW: parameter param0 is listed twice/);
  assert.throws(() => new AdamW(params, { betas: [0.9, 1] }), /AdamW: betas\[1\] must be in \[0, 1\), got 1/);
  assert.throws(() => new AdamW(params, { lr: { steps: 0, at: () => 1 } }), /AdamW: lr.steps must be an integer >= 1, got 0/);
  assert.throws(() => new AdamW(params, { lr: { steps: 3, at: (s) => 1 - s } }), /AdamW: lr.at\(2\) must be a number >= 0, got -1/);
  assert.throws(() => gradNorm(params, 0), /gradNorm: maxNorm must be a positive number, got 0/);
  opt.release();
  noGrad.release();
  releaseAll(params);
});

test('planBalancedSlotGroups: as few groups as the slots allow, consecutive, with about equal work, no small remainder', () => {
  // Greedy filling gives [[0, 1, 2, 3], [4, 5, 6, 7], [8]]: a last launch of 1.
  assert.equal(planBalancedSlotGroups([8, 1, 1, 1, 1, 1, 1, 1, 1], 4), [[0], [1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.equal(planBalancedSlotGroups([], 3), []);
  for (const [work, slots] of [
    [Array.from({ length: 104 }, (_, i) => (i * 7919) % 97), 14],
    [[5, 5, 5, 5, 5], 2],
    [[0, 0, 0], 1],
  ] as [number[], number][]) {
    const groups = planBalancedSlotGroups(work, slots);
    assert.is(groups.length, Math.ceil(work.length / slots), `as many groups as ${work.length} tensors at ${slots} slots need`);
    assert.ok(
      groups.every((g) => g.length >= 1 && g.length <= slots),
      'at most `slots` tensors a group',
    );
    assert.equal(
      groups.flat(),
      work.map((_, i) => i),
      'consecutive, every tensor once',
    );
  }
});

test('planSlotGroups: consecutive groups bounded by slots and by elements per binding', () => {
  assert.equal(planSlotGroups([5, 5, 5, 5, 5], 2), [[0, 1], [2, 3], [4]]);
  assert.equal(planSlotGroups([6, 3, 2, 9, 1], 4, 10), [[0, 1], [2], [3, 4]]);
  assert.equal(planSlotGroups([], 3), []);
  assert.throws(() => planSlotGroups([4, 11], 4, 10), /tensor 1 has 11 elements, more than one binding holds \(10\)/);
});

test.run();
