// The host side of dispatch (engine/gpu/dispatch.ts, engine/gpu/kernels.ts): a repeated step makes no
// new pipelines or bind groups, uploads mid-step do not submit, uniforms go up in one write per
// submit, generators are memoized by their arguments, and ENGINE_DEBUG prints launches.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { memoized } from '../../engine/gpu/kernels.ts';
import { fill } from '../../kernels/elementwise.ts';
import { runCli } from '../support/cli_process.ts';
import { randn } from '../../reference/float64.ts';

/** A small training step: forward, backward into persistent parameters, scope ended, flushed. */
function trainingStep(w: E.Tensor, b: E.Tensor, x: E.Tensor): void {
  const scope = E.beginScope();
  const loss = E.mean(E.reshape(E.gelu(E.add(E.matmul(x, w), b)), [-1]));
  E.backward(loss);
  E.zeroGrad([w, b]);
  scope.end();
  E.flush();
}

test('a repeated step compiles nothing and creates no bind groups: every launch reuses one', async () => {
  const w = E.Tensor.fromArray(randn(8 * 4, 1, 0.5), [8, 4], 'f32', { requiresGrad: true, persistent: true, name: 'w' });
  const b = E.Tensor.fromArray(randn(4, 2, 0.5), [4], 'f32', { requiresGrad: true, persistent: true, name: 'b' });
  const x = E.Tensor.fromArray(randn(6 * 8, 3), [6, 8], 'f32', { persistent: true, name: 'x' });
  try {
    trainingStep(w, b, x);
    trainingStep(w, b, x);
    const before = { ...E.dispatchStats };
    trainingStep(w, b, x);
    const launches = E.dispatchStats.dispatches - before.dispatches;
    assert.ok(launches >= 6, `${launches} launches`);
    assert.is(E.dispatchStats.pipelinesCompiled, before.pipelinesCompiled, 'pipelines compiled');
    assert.is(E.dispatchStats.bindGroupsCreated, before.bindGroupsCreated, 'bind groups created');
    assert.is(E.dispatchStats.bindGroupsReused - before.bindGroupsReused, launches);
    assert.is(E.dispatchStats.submits - before.submits, 1, 'one submit per step');
    assert.is(E.dispatchStats.uniformUploads - before.uniformUploads, 1, 'one uniform upload per step');
    await E.synchronize();
  } finally {
    for (const t of [w, b, x]) t.release();
  }
});

test('an upload in the middle of a step is recorded in order, without a submit', async () => {
  await E.synchronize();
  const before = { ...E.dispatchStats };
  const values = await E.scoped(() => {
    const x = E.filled([4], 1);
    const doubled = E.add(x, x);
    const y = E.Tensor.fromArray([10, 20, 30, 40], [4]);
    const sum = E.add(doubled, y);
    // Overwritten after `sum` was recorded: `sum` must still see the first values.
    y.write([0, 0, 0, 0]);
    assert.is(E.dispatchStats.submits, before.submits, 'no submit mid-step');
    return Promise.all([sum.toArray(), E.add(y, x).toArray()]);
  });
  assert.equal(
    values.map((v) => Array.from(v)),
    [
      [12, 22, 32, 42],
      [1, 1, 1, 1],
    ],
  );
  assert.is(E.dispatchStats.stagedUploads - before.stagedUploads, 2);
  assert.is(E.dispatchStats.submits - before.submits, 2, 'one submit per read');
});

test('generators are memoized by their arguments, keeping apart what JSON would merge', () => {
  const cachedFill = memoized(fill);
  assert.is(cachedFill(8, 1), cachedFill(8, 1));
  assert.is.not(cachedFill(8, 1), cachedFill(9, 1));
  const values = [0, -0, NaN, Infinity, -Infinity];
  const launches = values.map((v) => cachedFill(8, v));
  assert.is(new Set(launches).size, values.length);
  assert.equal(
    launches.map((l) => l.uniforms),
    values.map((v) => fill(8, v).uniforms),
  );
});

test('ENGINE_DEBUG=1 prints each compile with its time; 2 also each launch; 3 GPU times; 4 the WGSL', async () => {
  const script = 'test/fixtures/debug_launch.ts';
  const one = await runCli(script, [], { env: { ENGINE_DEBUG: '1' } });
  assert.is(one.code, 0, one.stderr);
  assert.match(one.stderr, /\[engine\] compiled exp \(\d+ lines of WGSL\): pipeline [\d.]+ ms, first run [\d.]+ ms/);
  assert.not.match(one.stderr, /\[engine\] exp: exp grid/);
  assert.not.match(one.stderr, /@compute/);
  const four = await runCli(script, [], { env: { ENGINE_DEBUG: '4' } });
  assert.is(four.code, 0, four.stderr);
  assert.match(four.stderr, /\[engine\] exp: exp grid 1x1x1 on t\d+ \[3\], t\d+ \[3\]/);
  assert.match(four.stderr, /\[engine\] compiled exp [^\n]*\n[\s\S]*@compute/);
  if (E.gpu().features.has('timestamp-query')) {
    assert.match(four.stderr, /\[engine\] submit \d+: 1 launches, [\d.]+ ms of GPU time\n\[engine\] +[\d.]+ ms +1x exp/);
  }
});

test.run();
