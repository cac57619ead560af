// `npm run tune` and the tables it writes (tune/tuner.ts, engine/gpu/tuning.ts): a quick tune of a tiny
// model writes this adapter's table in the cache folder, the ops launch what it chose, a choice
// other than the default changes the kernel that training launches, and a table made on another
// adapter or for other kernel code is never used.
import '../support/setup.ts';
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withSettings } from '../../engine/env.ts';
import * as E from '../../engine/index.ts';
import { kernelClass } from '../../engine/gpu/device.ts';
import { observeLaunches } from '../../engine/gpu/dispatch.ts';
import { tuningFolder } from '../../engine/gpu/host_node.ts';
import { parseMatmulConfig } from '../../tune/matmul_configs.ts';
import { tune } from '../../tune/tuner.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { gradcheck } from '../../reference/check.ts';
import { attentionRef, randn } from '../../reference/float64.ts';

/** The names of the kernels `body` launches. */
function launched(body: () => void): string[] {
  const names: string[] = [];
  observeLaunches((launch) => void names.push(launch.name));
  try {
    E.scoped(body);
  } finally {
    observeLaunches(null);
  }
  return names;
}

/** The kernel a linear layer [rows, inF] -> outF launches forward. */
function linearKernel(rows: number, inF: number, outF: number): string {
  return launched(() => void E.linear(new E.Tensor([rows, inF]), new E.Tensor([outF, inF]), new E.Tensor([outF])))[0];
}

/** The kernels of the embedding backward of [n] ids into [vocab, dim], the gather aside. */
function embeddingBackwardKernels(n: number, vocab: number, dim: number): string[] {
  return launched(() => {
    const ids = E.Tensor.fromArray(
      Int32Array.from({ length: n }, (_, i) => (i * i) % vocab),
      [n],
      'i32',
    );
    const rows = E.embedding(ids, new E.Tensor([vocab, dim], 'f32', { requiresGrad: true }));
    E.noGrad(() => rows.creator!.backwardFn(new E.Tensor([n, dim])));
  }).filter((name) => name !== 'embedding_gather');
}

/** The kernels of the grad norm over gradients of `shapes`. */
function gradNormKernels(shapes: number[][]): string[] {
  return launched(() => {
    const params = shapes.map((shape) => {
      const p = new E.Tensor(shape, 'f32', { requiresGrad: true });
      p.grad = new E.Tensor(shape);
      return p;
    });
    E.gradNorm(params, 1);
  });
}

function removeTable(): void {
  fs.rmSync(E.tuningFile(), { force: true });
  E.reloadTuningTable();
}

test('a quick tune of a tiny model writes a table in the cache folder, and the ops launch its choices', async () => {
  assert.ok(tuningFolder().startsWith(process.env.XDG_CACHE_HOME!), 'tests keep out of the real cache');
  assert.is(E.tuningState().state, 'none');
  assert.match(E.tuningSummary(), /kernels: defaults \(no tuned kernel table for this adapter.*npm run tune/);
  // As few distinct pipelines as will do (compiling them is most of the time on llvmpipe): two
  // candidates per product (the default and the other variant's default), the defaults elsewhere.
  const spec = { batch: 2, lengths: [8], dim: 16, hidden: 16, heads: 2, classes: 16, vocab: 30, parameters: [[30, 16], [16], [16, 16]] };
  const result = await tune(spec, { quick: true, matmulConfigs: [], workgroupSizes: [], attentionTilings: [] }, () => {});
  try {
    assert.is(result.file, E.tuningFile());
    assert.ok(fs.existsSync(result.file));
    assert.is(E.tuningState().state, 'used');
    assert.match(E.tuningSummary(), /kernels: tuned table .*\(\d+ shapes, batch 2, lengths 8/);
    const matmuls = result.entries.filter((e) => e.kernel === 'matmul');
    assert.equal(
      result.entries.filter((e) => e.kernel.startsWith('attention')).map((e) => e.kernel),
      ['attention_forward', 'attention_grad_query', 'attention_grad_key_value'],
    );
    // Both forms of the embedding backward (16 ids into [30, 16]) and of the grad norm (3 tensors, 752 values), and the ops launch the chosen.
    const forms = result.entries.filter((e) => e.kernel === 'embedding_backward' || e.kernel === 'grad_norm');
    assert.equal(
      forms.map((e) => `${e.kernel} ${e.key} ${e.dims}`),
      ['embedding_backward vocab 30 dim 16 16', 'grad_norm 3 tensors 752'],
    );
    const [embeddingForm, normForm] = forms.map((e) => e.choice.form as string);
    withSettings({ ENGINE_KERNELS: undefined }, () => {
      assert.equal(
        embeddingBackwardKernels(16, 30, 16),
        withSettings({ ENGINE_KERNELS: embeddingForm }, () => embeddingBackwardKernels(16, 30, 16)),
      );
      assert.equal(
        gradNormKernels(spec.parameters),
        withSettings({ ENGINE_KERNELS: normForm }, () => gradNormKernels(spec.parameters)),
      );
    });
    // Every linear is 16 -> 16 here: the layers' over 16 tokens, the head's over 2 sentences; 3 products each.
    assert.is(matmuls.length, 6);
    for (const e of result.entries) assert.ok(e.ms <= e.defaultMs, `${e.kernel} ${e.key}: tuned ${e.ms} ms, default ${e.defaultMs} ms`);
    const fwd = matmuls.find((e) => e.key === 'NT batch 1 bias' && e.dims.join() === '16,16,16')!;
    const chosen = E.configuredMatmul(fwd.choice as unknown as E.MatmulConfig, {
      batch: 1,
      m: 16,
      n: 16,
      k: 16,
      transA: false,
      transB: true,
      bias: true,
    }).name;
    assert.is(linearKernel(16, 16, 16), chosen);
  } finally {
    removeTable();
  }
});

test('a tuned choice changes the kernel the ops launch, at its shape and nearby, not far away or on a stale table', () => {
  const shape: MatmulShape = { batch: 1, m: 64, n: 32, k: 16, transA: false, transB: true, bias: true };
  const config = parseMatmulConfig('32x32x8/4x4');
  const tunedName = E.configuredMatmul(config, shape).name;
  const defaultName = linearKernel(64, 16, 32);
  assert.is.not(defaultName, tunedName);
  const entry = { kernel: 'matmul', key: E.matmulTuningKey(shape), dims: [64, 32, 16], choice: { ...config }, ms: 1, defaultMs: 2 };
  const file = E.writeTuningTable([entry], 'test');
  try {
    assert.is(linearKernel(64, 16, 32), tunedName);
    // 100 rows is within 2x of the tuned 64: its nearest entry; 200 rows is not: the default.
    assert.is(linearKernel(100, 16, 32), E.configuredMatmul(config, { ...shape, m: 100 }).name);
    assert.is(
      linearKernel(200, 16, 32),
      E.withoutTuning(() => linearKernel(200, 16, 32)),
    );
    assert.is(
      E.withoutTuning(() => linearKernel(64, 16, 32)),
      defaultName,
    );
    // ENGINE_MATMUL forces its variant's defaults, table or not.
    withSettings({ ENGINE_MATMUL: 'blocked' }, () => {
      assert.ok(linearKernel(64, 16, 32).startsWith('matmul_blocked_'));
      assert.is.not(linearKernel(64, 16, 32), tunedName);
    });
    const table = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [what, stale] of [
      ['another adapter', { ...table, adapter: { ...table.adapter, description: 'another driver' } }],
      ['other kernel code', { ...table, version: 'older' }],
    ]) {
      fs.writeFileSync(file, JSON.stringify(stale));
      E.reloadTuningTable();
      assert.is(E.tuningState().state, 'stale', what);
      assert.match(E.tuningSummary(), /kernels: defaults \(the table/);
      assert.is(linearKernel(64, 16, 32), defaultName, what);
    }
  } finally {
    removeTable();
  }
});

test('a tuned attention form and tiling change the kernels that forward and backward launch, and match the reference', async () => {
  const dims = { batch: 2, seq: 8, heads: 2, headDim: 4 };
  const step = () =>
    launched(() => {
      const [q, k, v] = [1, 2, 3].map(() => new E.Tensor([2, 8, 8], 'f32', { requiresGrad: true }));
      const mask = E.Tensor.fromArray(new Int32Array(16).fill(1), [2, 8], 'i32');
      const context = E.attention(q, k, v, mask, 2);
      E.noGrad(() => context.creator!.backwardFn(new E.Tensor([2, 8, 8])));
    }).filter((name) => name.startsWith('attention'));
  const mainKernels = (names: string[]) => names.filter((n) => !n.startsWith('attention_row_stats'));
  // Untuned, CPU adapters run the CPU form, GPUs the block kernels (engine/ops/attention.ts).
  const untuned = E.ATTENTION_FORMS[E.defaultAttentionForm()].attention_grad_query(dims, null).name;
  assert.equal(mainKernels(step())[1], untuned);
  const entries = [
    { kernel: 'attention_forward', choice: { form: 'rows', rows: 4, tile: 2 } },
    { kernel: 'attention_grad_key_value', choice: { form: 'blocks', rows: 4, tile: 2 } },
  ].map((e) => ({ ...e, key: E.attentionTuningKey(dims), dims: [2, 8], ms: 1, defaultMs: 2 }));
  E.writeTuningTable(entries, 'test');
  try {
    assert.equal(mainKernels(step()), ['attention_forward_rows_d4_4x2', untuned, 'attention_grad_key_value_d4_4x2']);
    // Two workgroups of 4 rows per sequence, tiles of 2: still the reference's values and gradients.
    const shape = [2, 8, 8];
    await gradcheck({
      inputs: [
        ...[1, 2, 3].map((seed) => ({ shape, data: randn(128, seed) })),
        { shape: [2, 8], data: Float64Array.from({ length: 16 }, (_, i) => (i < 13 ? 1 : 0)), dtype: 'i32' as const, noGrad: true },
      ],
      gpu: ([q, k, v, mask]) => E.attention(q, k, v, mask, 2),
      cpu: ([q, k, v, mask]) => attentionRef(q, k, v, mask, 2, 8, 2, 4),
      maxEntries: 6,
    });
  } finally {
    removeTable();
  }
});

test("a tuned form changes the grad norm's grid and the embedding backward's kernels; ENGINE_KERNELS overrides it", () =>
  withSettings({ ENGINE_KERNELS: undefined }, () => {
    const kernels = () => [...embeddingBackwardKernels(6, 4, 8), ...gradNormKernels([[3, 4], [8]])];
    const other = kernelClass() === 'gpu' ? 'software' : 'gpu';
    const defaults = kernels();
    const others = withSettings({ ENGINE_KERNELS: other }, kernels);
    assert.not.equal(others, defaults);
    const entries = [
      { kernel: 'embedding_backward', ...E.embeddingBackwardTuning(6, 4, 8) },
      { kernel: 'grad_norm', ...E.gradNormTuning([12, 8]) },
    ].map((e) => ({ ...e, choice: { form: other }, ms: 1, defaultMs: 2 }));
    E.writeTuningTable(entries, 'test');
    try {
      assert.equal(kernels(), others);
      assert.equal(withSettings({ ENGINE_KERNELS: kernelClass() }, kernels), defaults);
    } finally {
      removeTable();
    }
  }));

test("defaults follow the adapter's class: the direct matmul on a CPU implementation, blocked on a GPU", () => {
  const g = E.gpu();
  assert.is(E.opsMatmulVariant({ batch: 1, m: 8, n: 8, k: 8, transA: false, transB: false }), kernelClass() === 'software' ? 4 : 3);
  // Both adapters here are CPU rasterisers: lavapipe (Vulkan, Dawn's fallback flag) and llvmpipe (OpenGL).
  assert.ok(g.cpuImplementation, `${g.adapterName} is a CPU rasteriser`);
  assert.ok(g.identity.device.length > 0 && g.identity.backend.length > 0);
});

test.run();
