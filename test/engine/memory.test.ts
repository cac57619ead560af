import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { randn } from '../../reference/float64.ts';

test('200 training-like steps leave the pool byte count flat', async () => {
  const w = E.Tensor.fromArray(randn(64 * 16, 1, 0.1), [64, 16], 'f32', { requiresGrad: true, persistent: true, name: 'w' });
  const b = E.Tensor.fromArray(randn(16, 2, 0.1), [16], 'f32', { requiresGrad: true, persistent: true, name: 'b' });
  const sizes: number[] = [];
  for (let step = 0; step < 200; step++) {
    const scope = E.beginScope();
    // Sequence lengths vary per step, like dynamically padded batches.
    const rows = 8 + (step % 5);
    const x = E.Tensor.fromArray(randn(rows * 64 * 16, step), [rows, 64, 16]);
    const h = E.gelu(E.add(E.mul(x, w), b));
    const loss = E.mean(E.reshape(E.add(h, x), [-1]));
    E.zeroGrad([w, b]);
    E.backward(loss);
    scope.end();
    if (step % 50 === 49) await E.synchronize();
    sizes.push(E.pool.allocatedBytes);
  }
  assert.ok(w.grad && b.grad, 'parameters got gradients');
  // Allowed to grow while the first few distinct shapes are seen, then never again.
  assert.is(sizes[199], sizes[20], `pool grew from ${sizes[20]} to ${sizes[199]} bytes`);
});

test('a step records its launches without submitting until flushed', async () => {
  await E.synchronize();
  const before = { ...E.dispatchStats };
  E.scoped(() => {
    const x = E.filled([1000], 1);
    return void E.exp(E.gelu(E.exp(x)));
  });
  assert.is(E.dispatchStats.submits, before.submits, 'no submit mid-step');
  assert.ok(E.dispatchStats.dispatches - before.dispatches >= 4);
  await E.synchronize();
  assert.is(E.dispatchStats.submits, before.submits + 1);
});

test('pipelines compile once per kernel text, not per call', () => {
  E.scoped(() => {
    E.exp(E.filled([10], 1));
    const compiled = E.dispatchStats.pipelinesCompiled;
    E.exp(E.filled([20], 1));
    assert.is(E.dispatchStats.pipelinesCompiled, compiled);
  });
});

test('a view returned from a scope keeps the memory it views alive', async () => {
  const view = E.scoped(() => E.reshape(E.filled([2, 3], 7), [6]));
  assert.equal(Array.from(await view.toArray()), [7, 7, 7, 7, 7, 7]);
  view.release();
});

test("a view of a tensor's first elements reads only those; a longer view, or one of another dtype, is refused", async () => {
  const base = E.Tensor.fromArray([0, 1, 2, 3, 4, 5], [6], 'i32', { persistent: true, name: 'base' });
  const prefix = new E.Tensor([4], 'i32', { viewOf: base });
  assert.equal(Array.from(await prefix.toArray()), [0, 1, 2, 3]);
  assert.throws(() => new E.Tensor([7], 'i32', { viewOf: base }), /cannot view base i32 \[6\] as i32 \[7\]/);
  assert.throws(() => new E.Tensor([6], 'f32', { viewOf: base }), /cannot view base i32 \[6\] as f32 \[6\]/);
  prefix.release();
  assert.equal(Array.from(await base.toArray()), [0, 1, 2, 3, 4, 5]);
  base.release();
});

test('a WGSL error becomes a thrown error naming the kernel', async () => {
  const { launch } = await import('../../engine/gpu/dispatch.ts');
  const t = new E.Tensor([4], 'f32', { persistent: true });
  let message = '';
  try {
    // Dawn may report the compile error at once (the next launch throws) or later (synchronize).
    launch(
      { name: 'broken_kernel', code: '@compute @workgroup_size(1) fn main() { let x: f32 = 1u; }', workgroups: [1, 1, 1], uniforms: {} },
      [],
    );
    await E.synchronize();
  } catch (err) {
    message = (err as Error).message;
  }
  t.release();
  assert.match(message, /broken_kernel/);
  // The failed recording is dropped; what comes after it runs.
  const after = E.filled([3], 7);
  assert.equal(Array.from(await after.toArray()), [7, 7, 7]);
  after.release();
});

test('an allocation past the memory budget fails with one error naming the tensor and its size', () => {
  const { limitBytes } = E.pool;
  E.pool.trim(); // no idle buffer of that size to hand out instead
  E.pool.limitBytes = E.pool.allocatedBytes + 4096;
  try {
    let error: unknown;
    E.scoped(() => {
      try {
        new E.Tensor([1 << 20], 'f32', { name: 'huge_activation' });
      } catch (err) {
        error = err;
      }
    });
    assert.instance(error, E.GpuOutOfMemoryError);
    const oom = error as E.GpuOutOfMemoryError;
    assert.equal([oom.tensor, oom.bytes], ['huge_activation', 4 << 20]);
    assert.match(oom.message, /^out of GPU memory: tensor huge_activation needs 4\.0 MiB \(.* MiB in use of a .* MiB budget\)$/);
  } finally {
    E.pool.limitBytes = limitBytes;
  }
});

test('the pool reports the bytes in use, their peak and the bytes it holds', () => {
  E.pool.resetPeak();
  const base = E.pool.inUseBytes;
  E.scoped(() => {
    const a = E.filled([1024], 1);
    const b = E.filled([1024], 2);
    assert.is(E.pool.inUseBytes, base + 8192);
    a.release();
    b.release();
  });
  assert.is(E.pool.inUseBytes, base);
  assert.is(E.pool.peakBytes, base + 8192);
  assert.ok(E.pool.allocatedBytes >= base + 8192);
});

test('backward frees each activation gradient once consumed: its peak is not every gradient of the step', () => {
  const depth = 24;
  const bytes = 1024; // 256 floats: one size class
  const x = E.Tensor.fromArray(randn(256, 4), [256], 'f32', { requiresGrad: true, persistent: true, name: 'x' });
  const scope = E.beginScope();
  try {
    let h = x;
    // Residual blocks: each activation feeds two ops, so gradients are summed and shared.
    for (let i = 0; i < depth; i++) h = E.add(E.gelu(h), h);
    const loss = E.sum(h);
    const activations = E.pool.inUseBytes;
    E.pool.resetPeak();
    E.backward(loss);
    const backwardPeak = E.pool.peakBytes - activations;
    assert.ok(backwardPeak <= 8 * bytes, `backward held ${backwardPeak / bytes} gradients at once for ${depth} blocks`);
    assert.ok(x.grad, 'the parameter got its gradient');
  } finally {
    scope.end();
    E.zeroGrad([x]);
    x.release();
  }
});

test('the pool hands out the oldest free buffer of a size, whatever order they were freed in', () => {
  E.pool.trim();
  const make = () => [0, 1, 2].map(() => new E.Tensor([1000], 'f32', { persistent: true }));
  const first = make();
  const buffers = first.map((t) => t.buffer);
  for (const i of [1, 2, 0]) first[i].release();
  const second = make();
  assert.equal(
    second.map((t) => buffers.indexOf(t.buffer)),
    [0, 1, 2],
  );
  for (const t of second) t.release();
});

test('ending a step scope releases its tensors', () => {
  const scope = E.beginScope();
  const t = E.filled([5], 2);
  scope.end();
  assert.ok(t.released);
});

test.run();
