// Every kernel the engine generates, compiled by Dawn as a GPU's driver would be handed it: through
// Dawn's null backend, which offers shader-f16, subgroups and subgroup matrices (no adapter here
// has all three) and runs nothing, so DistilBERT-base's own shapes cost only the WGSL compiler.
// A compile error or any warning (a deprecated builtin among them) fails the test.
//
// The kernels: those a DistilBERT-base training step launches at batch 64 × sequence 64 (one
// layer; every layer is the same), traced without executing (engine/gpu/dispatch.ts
// `withoutExecution`) for both kernel classes (ENGINE_KERNELS), with and without subgroup
// reductions, in f32 and under autocast, and an evaluation forward; every candidate npm run tune
// tries at those shapes (matmul tilings, layer-norm threads, attention tilings and the unrolled
// form); the teaching matmuls; matmul variant 5 for the subgroup-matrix configurations GPUs report,
// square and not; and the generators a DistilBERT step does not use (RMSNorm, softmax,
// transposes, …). Every generator of engine/gpu/kernels.ts must have made at least one of them.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { create } from 'webgpu';
import { tuneTasks } from '../../tune/tuner.ts';
import { withSettings } from '../../engine/env.ts';
import * as E from '../../engine/index.ts';
import { observeLaunches, withoutExecution } from '../../engine/gpu/dispatch.ts';
import * as generators from '../../engine/gpu/kernels.ts';
import type { KernelLaunch } from '../../kernels/launch.ts';
import { DISTILBERT_SHAPES } from '../../bench/catalog.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { subgroupMatrixOptionsFor, type SubgroupMatrixConfig } from '../../kernels/matmul_subgroup_matrix.ts';
import { DistilBertConfig } from '../../model/distilbert_config.ts';
import { DistilBertForSequenceClassification } from '../../model/distilbert.ts';

const S = DISTILBERT_SHAPES;
const TOKENS = S.batch * S.seq;

// Dawn answers only while its instance is referenced.
const nullBackend = create(['backend=null', 'enable-dawn-features=allow_unsafe_apis']);

/** A device on Dawn's null backend with every feature the kernels may enable. */
async function nullDevice(): Promise<GPUDevice> {
  const adapter = await nullBackend.requestAdapter();
  if (!adapter) throw new Error("Dawn's null backend offers no adapter");
  const features = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix'] as GPUFeatureName[];
  for (const f of features) if (!adapter.features.has(f)) throw new Error(`Dawn's null backend lacks ${f}`);
  return adapter.requestDevice({ requiredFeatures: features });
}

/** Every distinct kernel, by its WGSL, and the generators of engine/gpu/kernels.ts that made them. */
const kernels = new Map<string, KernelLaunch>();
const made = new Set<string>();
function add(launch: KernelLaunch): void {
  kernels.set(launch.code, launch);
  const generator = generators.generatorOf(launch);
  if (generator) made.add(generator);
}

/** Runs `fn` without executing anything, keeping every kernel it launches. */
function traced(fn: () => void): void {
  observeLaunches((launch) => {
    add(launch);
    return undefined;
  });
  try {
    withoutExecution(() => E.scoped(fn));
  } finally {
    observeLaunches(null);
  }
}

function traceDistilBert(): void {
  const config = DistilBertConfig.fromJSON(
    { vocab_size: S.vocab, dim: S.dim, hidden_dim: S.hidden, n_heads: S.heads, n_layers: 1, id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' } },
    'DistilBERT-base, one layer',
  );
  withoutExecution(() => {
    const model = new DistilBertForSequenceClassification(config, (_, shape) => new Float32Array(E.numel(shape)));
    const params = model.parameters();
    const optimizer = new E.AdamW(params, { lr: 5e-5, weightDecay: 0.01 });
    const ids = E.Tensor.fromArray(new Int32Array(TOKENS).fill(1000), [S.batch, S.seq], 'i32', { persistent: true });
    const mask = E.Tensor.fromArray(new Int32Array(TOKENS).fill(1), [S.batch, S.seq], 'i32', { persistent: true });
    const labels = E.Tensor.fromArray(new Int32Array(S.batch), [S.batch], 'i32', { persistent: true });
    const dropoutStep = E.Tensor.fromArray([0], [1], 'i32', { persistent: true });
    const scaler = new E.GradScaler();
    // The training job's step (bench/device/step.ts), with and without mixed precision.
    const step = (half: boolean) => {
      const forward = () => model.forward(ids, mask, { training: true, rng: { seed: 1, step: dropoutStep } });
      const loss = E.crossEntropy(half ? E.autocast(forward) : forward(), labels);
      E.backward(loss, half ? scaler.scale : undefined);
      if (half) scaler.unscale(params);
      const { clipCoef } = E.gradNorm(params, 1);
      if (half) {
        scaler.step(optimizer, clipCoef);
        scaler.update();
      } else optimizer.step(clipCoef);
      E.zeroGrad(params);
    };
    for (const ENGINE_KERNELS of ['gpu', 'software'])
      for (const ENGINE_SUBGROUPS of [undefined, '0'])
        withSettings({ ENGINE_KERNELS, ENGINE_SUBGROUPS, ENGINE_MATMUL: undefined, ENGINE_ATTENTION: undefined }, () => {
          for (const half of [false, true]) traced(() => step(half));
          traced(() => E.noGrad(() => void model.forward(ids, mask)));
        });
    for (const t of [...params, ids, mask, labels, dropoutStep]) t.release();
    scaler.release();
    optimizer.release();
  });
}

/** The generators a DistilBERT step does not launch, through their ops at DistilBERT's sizes. */
function traceOtherOps(): void {
  traced(() => {
    const x = new E.Tensor([TOKENS, S.dim], 'f32', { requiresGrad: true });
    const w = new E.Tensor([S.dim], 'f32', { requiresGrad: true });
    const scores = new E.Tensor([S.batch, S.heads, S.seq, S.seq], 'f32', { requiresGrad: true });
    const constant = new E.Tensor([TOKENS, S.dim], 'f32');
    const bias = new E.Tensor([S.dim], 'f32', { requiresGrad: true });
    const outputs = [
      E.rmsNorm(x, w, 1e-6),
      // Layer norm of an input without a gradient: its weight and bias gradients alone.
      E.layerNorm(constant, w, bias, 1e-12),
      E.softmax(scores),
      E.transpose(scores, 1, 2),
      E.max(x),
      E.sum(E.transpose(x, 0, 1)),
      E.tanh(E.exp(E.log(x))),
    ];
    for (const y of outputs) E.backward(E.sum(E.reshape(y, [y.numel])));
    // The in-place clip (training folds the clip into AdamW instead).
    E.clipGradNorm([x, w, bias, scores], 1);
    // A single cast (no step casts: products and attention round their operands as they load them).
    E.toHalf(constant);
  });
}

/** Products of a DistilBERT layer and its head: forward NT with the bias, backward NN (dX) and TN (dW). */
function products(): MatmulShape[] {
  const linear = (rows: number, inF: number, outF: number): MatmulShape[] => [
    { batch: 1, m: rows, n: outF, k: inF, transA: false, transB: true, bias: true },
    { batch: 1, m: rows, n: inF, k: outF, transA: false, transB: false },
    { batch: 1, m: outF, n: inF, k: rows, transA: true, transB: false },
  ];
  return [
    ...linear(TOKENS, S.dim, S.dim),
    ...linear(TOKENS, S.dim, S.hidden),
    ...linear(TOKENS, S.hidden, S.dim),
    ...linear(S.batch, S.dim, S.classes),
  ];
}

const f16 = (M: number, N: number, K: number): SubgroupMatrixConfig => ({ componentType: 'f16', resultComponentType: 'f32', M, N, K });

test('every kernel compiles on a GPU backend with f16, subgroups and subgroup matrices: no error, no warning', async () => {
  const device = await nullDevice();
  traceDistilBert();
  traceOtherOps();
  // The grad norm's and the embedding backward's forms are no single kernel: the step above traced both classes'.
  const spec = {
    batch: S.batch,
    lengths: [S.seq],
    dim: S.dim,
    hidden: S.hidden,
    heads: S.heads,
    classes: S.classes,
    vocab: S.vocab,
    parameters: [],
  };
  for (const task of tuneTasks(spec, { quick: false, half: true })) for (const c of task.candidates) if (c.launch) add(c.launch);
  for (const shape of products()) {
    for (const v of [1, 2] as const) add(generators.matmulVariants[v].kernel(shape));
    // NVIDIA's and Apple's square configurations, Intel's and NVIDIA's others (M×N×K).
    for (const [config, subgroupSize] of [
      [f16(16, 16, 16), 32],
      [f16(8, 8, 8), 32],
      [f16(8, 16, 16), 16],
      [f16(16, 8, 16), 32],
    ] as const)
      add(generators.matmulSubgroupMatrix({ ...shape, half: true }, subgroupMatrixOptionsFor(config, subgroupSize)));
  }

  const problems: string[] = [];
  for (const k of kernels.values()) {
    const info = await device.createShaderModule({ label: k.name, code: k.code }).getCompilationInfo();
    for (const m of info.messages)
      if (m.type !== 'info') problems.push(`${k.name}: ${m.type} at ${m.lineNum}:${m.linePos}: ${m.message.split('\n')[0]}`);
  }
  device.destroy();
  assert.equal(problems, [], `${problems.length} problems in ${kernels.size} kernels:\n${problems.slice(0, 20).join('\n')}`);

  const helpers = new Set(['memoized', 'withUniforms', 'withStream', 'generatorOf', 'argumentsOf', 'matmulVariants']);
  const all = [
    ...Object.keys(generators).filter((n) => !helpers.has(n)),
    ...Object.keys(generators.matmulVariants).map((v) => `matmulVariants[${v}]`),
  ];
  assert.equal(all.filter((n) => !made.has(n)).sort(), [], 'generators no kernel here came from');
  assert.ok(kernels.size > 200, `${kernels.size} kernels`);
});

test.run();
