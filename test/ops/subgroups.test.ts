// Row reductions on both paths (kernels/row_reduce.ts): workgroup-memory trees (ENGINE_SUBGROUPS=0)
// and subgroup operations (the default where the adapter has `subgroups`, as lavapipe does; not
// on llvmpipe through OpenGL). Each path: the reduction itself at workgroups smaller than, equal
// to and larger than the subgroup, the ops built on it (and attention, whose backward's row
// statistics use subgroup shuffles) against float64 references, and bit-identical repeats. The other test files run the ops on the adapter's default path.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withSettings } from '../../engine/env.ts';
import * as E from '../../engine/index.ts';
import { launchOn } from '../../engine/autograd/launch_on.ts';
import { nodeKernels } from '../../engine/autograd/trace.ts';
import { F32_LOWEST, u32, uniformBlock } from '../../kernels/launch.ts';
import { rowGrid, rowKernelMain, subgroupPrelude, workgroupReduce } from '../../kernels/row_reduce.ts';
import { assertClose, gradcheck, scopedAsync } from '../../reference/check.ts';
import { attentionRef, crossEntropy, layerNorm, randn, softmax } from '../../reference/float64.ts';
import { gpuInfo } from '../support/setup.ts';

const PATHS = gpuInfo.features.has('subgroups') ? ['0', '1'] : ['0'];
const pathName = (setting: string) => (setting === '1' ? 'subgroups' : 'trees');

/** Runs `body` with ENGINE_SUBGROUPS set to `setting`, then restores it. */
async function withSubgroups<T>(setting: string | undefined, body: () => Promise<T> | T): Promise<T> {
  return withSettings({ ENGINE_SUBGROUPS: setting }, async () => body());
}

/** out[row] = sum and max of row `row` of x [rows, cols], by `workgroupSize` threads with `workgroupReduce`. */
function rowSumAndMax(rows: number, cols: number, workgroupSize: number, subgroups: boolean) {
  const uniforms = { rows: u32(rows), cols: u32(cols) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${workgroupReduce('sumOf', 'f32', 'sum', workgroupSize, subgroups)}
${workgroupReduce('maxOf', 'f32', 'max', workgroupSize, subgroups)}
${rowKernelMain(
  workgroupSize,
  `  var sum = 0.0;
  var most = ${F32_LOWEST};
  for (var c = lid.x; c < p.cols; c += ${workgroupSize}u) {
    sum += x[base + c];
    most = max(most, x[base + c]);
  }
  let rowSum = sumOf(lid.x, sum);
  let rowMax = maxOf(lid.x, most);
  // Every thread must hold the result: the last one writes it.
  if (lid.x == ${workgroupSize - 1}u) {
    out[2u * row] = rowSum;
    out[2u * row + 1u] = rowMax;
  }`,
  subgroups,
)}`;
  return { name: `test_row_sum_max_${workgroupSize}`, code, workgroups: rowGrid(rows), uniforms };
}

for (const setting of PATHS) {
  const subgroups = setting === '1';
  // lavapipe's subgroups have 8 invocations: 4 leaves one partial subgroup, 256 makes 32 partials.
  for (const workgroupSize of [4, 8, 32, 256]) {
    test(`${pathName(setting)}: row sums and maxes by ${workgroupSize}-thread workgroups, every thread holding the result`, async () => {
      const [rows, cols] = [5, 301];
      const x = randn(rows * cols, workgroupSize).map(Math.fround);
      const expected = new Float64Array(2 * rows);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * cols, (r + 1) * cols);
        expected[2 * r] = row.reduce((a, b) => a + b, 0);
        expected[2 * r + 1] = Math.max(...row);
      }
      const got = await scopedAsync(async () => {
        const out = new E.Tensor([2 * rows]);
        launchOn(rowSumAndMax(rows, cols, workgroupSize, subgroups), E.Tensor.fromArray(x, [rows, cols]), out);
        return out.toFloat32();
      });
      assertClose(got, expected, 1e-4, 1e-5, 'row sums and maxes');
    });
  }

  for (const [rows, cols] of [
    [3, 5],
    [2, 33],
    [4, 300],
  ]) {
    test(`${pathName(setting)}: softmax and layerNorm [${rows}, ${cols}], forward and backward`, async () => {
      const x = randn(rows * cols, cols, 2).map(Math.fround);
      const weight = randn(cols, 1, 0.5).map((v) => Math.fround(1 + v));
      const bias = randn(cols, 2).map(Math.fround);
      await withSubgroups(setting, async () => {
        await gradcheck({ inputs: [{ shape: [rows, cols], data: x }], gpu: ([t]) => E.softmax(t), cpu: ([t]) => softmax(t, rows, cols) });
        await gradcheck({
          inputs: [
            { shape: [rows, cols], data: x },
            { shape: [cols], data: weight },
            { shape: [cols], data: bias },
          ],
          gpu: ([t, w, b]) => E.layerNorm(t, w, b, 1e-12),
          cpu: ([t, w, b]) => layerNorm(t, w, b, rows, cols, 1e-12),
          maxEntries: 40,
        });
      });
    });
  }

  test(`${pathName(setting)}: softmax, layerNorm and attention launch the ${subgroups ? 'subgroup' : 'tree'} kernels, forward and backward`, async () => {
    const kernels = await withSubgroups(setting, () =>
      scopedAsync(async () => {
        const x = E.Tensor.fromArray(randn(2 * 3 * 8, 1), [2, 3, 8], 'f32', { requiresGrad: true });
        const ones = E.Tensor.fromArray(new Float64Array(8).fill(1), [8]);
        const mask = E.Tensor.fromArray([1, 1, 1, 1, 1, 0], [2, 3], 'i32');
        const outputs = [E.softmax(x), E.layerNorm(x, ones, ones, 1e-5), E.attention(x, x, x, mask, 2)];
        E.backward(E.add(E.add(outputs[0], outputs[1]), outputs[2]), E.Tensor.fromArray(randn(2 * 3 * 8, 2), [2, 3, 8]));
        await x.grad!.toFloat32();
        x.grad!.release();
        return outputs.map((y) => nodeKernels(y));
      }),
    );
    const rowKernels = kernels
      .flatMap((k) => [...k.forward, ...k.backward])
      .filter((name) => /^(softmax|layernorm|attention_row_stats)/.test(name));
    assert.ok(rowKernels.length >= 5, rowKernels.join(', '));
    for (const name of rowKernels) {
      // Weight gradients and a thread per row (short rows, CPU adapters) reduce across no threads.
      if (name.startsWith('layernorm_param') || name.includes('_per_thread')) continue;
      assert.is(name.endsWith('_subgroups'), subgroups, name);
    }
  });

  // Head dims 8 (vec4 rows, two per lane) and 6 (scalar rows, uneven across the four lanes).
  test(`${pathName(setting)}: attention forward and backward, head dims 8 and 6, a padded sequence`, async () => {
    const [batch, seq, heads] = [2, 5, 2];
    for (const headDim of [8, 6]) {
      const shape = [batch, seq, heads * headDim];
      const n = batch * seq * heads * headDim;
      const mask = Float64Array.from({ length: batch * seq }, (_, i) => (i < seq + 3 ? 1 : 0));
      await withSubgroups(setting, () =>
        gradcheck({
          inputs: [
            { shape, data: randn(n, headDim) },
            { shape, data: randn(n, headDim + 1) },
            { shape, data: randn(n, headDim + 2) },
            { shape: [batch, seq], data: mask, dtype: 'i32', noGrad: true },
          ],
          gpu: ([q, k, v, m]) => E.attention(q, k, v, m, heads),
          cpu: ([q, k, v, m]) => attentionRef(q, k, v, m, batch, seq, heads, headDim),
        }),
      );
    }
  });

  test(`${pathName(setting)}: cross-entropy [3, 300] and the gradient norm of several tensors`, async () => {
    const [rows, classes] = [3, 300];
    const labels = Float64Array.of(0, 299, 17);
    await withSubgroups(setting, async () => {
      await gradcheck({
        inputs: [
          { shape: [rows, classes], data: randn(rows * classes, 3, 2) },
          { shape: [rows], data: labels, dtype: 'i32', noGrad: true },
        ],
        gpu: ([x, y]) => E.crossEntropy(x, y),
        cpu: ([x, y]) => Float64Array.of(crossEntropy(x, y, rows, classes)),
      });
      const sizes = [7, 1, 5000];
      const grads = sizes.map((n, i) => randn(n, 40 + i).map(Math.fround));
      const expected = Math.sqrt(grads.flatMap((g) => [...g]).reduce((s, v) => s + v * v, 0));
      const norm = await scopedAsync(async () => {
        const params = grads.map((g, i) => {
          const p = E.Tensor.fromArray(g, [g.length], 'f32', { requiresGrad: true });
          p.grad = E.Tensor.fromArray(grads[i], [g.length]);
          return p;
        });
        return E.gradNorm(params, 1).totalNorm.item();
      });
      assertClose([norm], [expected], 0, 1e-6, 'gradient norm');
    });
  });
}

test('the subgroup path repeats bit for bit and stays within float32 rounding of the tree path', async () => {
  const [rows, cols] = [6, 768];
  const x = randn(rows * cols, 9, 3);
  const ones = new Float64Array(cols).fill(1);
  const zeros = new Float64Array(cols);
  const outputs = (setting: string) =>
    withSubgroups(setting, () =>
      scopedAsync(async () => {
        const t = E.Tensor.fromArray(x, [rows, cols]);
        const norm = E.layerNorm(t, E.Tensor.fromArray(ones, [cols]), E.Tensor.fromArray(zeros, [cols]), 1e-12);
        return [...(await E.softmax(t).toFloat32()), ...(await norm.toFloat32())];
      }),
    );
  const last = PATHS[PATHS.length - 1];
  assert.equal(await outputs(last), await outputs(last), `${pathName(last)} twice`);
  assertClose(await outputs(last), await outputs('0'), 1e-6, 1e-5, 'against the trees');
});

test('ENGINE_SUBGROUPS: 0 forces trees, the default follows the adapter, 1 insists, anything else is named', async () => {
  const offered = gpuInfo.features.has('subgroups');
  assert.is(await withSubgroups(undefined, () => E.subgroupsEnabled()), offered);
  assert.is(await withSubgroups('0', () => E.subgroupsEnabled()), false);
  if (offered) assert.is(await withSubgroups('1', () => E.subgroupsEnabled()), true);
  else await withSubgroups('1', () => assert.throws(() => E.subgroupsEnabled(), /ENGINE_SUBGROUPS=1, but .* has no subgroups/));
  await withSubgroups('yes', () => assert.throws(() => E.subgroupsEnabled(), /ENGINE_SUBGROUPS must be 0 or 1, not "yes"/));
});

test.run();
