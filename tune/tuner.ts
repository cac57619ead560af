// The kernel search behind `npm run tune` and `npm run train -- --tune`, in the spirit of
// tinygrad's and jax-js's per-device search and Triton's per-shape autotuning.
//
// For every kernel shape a model config and batch shape launch (the matmul products of each
// nn.Linear, forward and backward, in f32 and, for --fp16, on f16 operands; the layer-norm rows;
// attention's row kernels; the word embedding's backward) at a few representative padded
// lengths, and for the grad norm over the model's parameters, each candidate configuration is
// validated against the float64 CPU reference on a small shape that compiles to the same WGSL
// (same alignments and options, so the same pipeline; the grad norm, whose WGSL depends on how its
// tensors group, at its real shapes), then timed at the real shape with the benchmark's clock
// (GPU timestamps when the adapter has them). The grad norm and the embedding backward choose
// between the forms made for each class of adapter (engine/gpu/tuning.ts `tunedForm`), the
// others between variants and tilings. The default is always a candidate. When another wins, the
// winner and the default are re-timed side by side, in turns, and the winner is kept only if it is
// still faster by MARGIN: the table never holds a choice measured slower than the default on the
// same run.
import cliProgress from 'cli-progress';
import {
  Tensor,
  ATTENTION_FORMS,
  embedding,
  embeddingBackwardTuning,
  gradNorm,
  gradNormTuning,
  noGrad,
  scoped,
  attentionTuningKey,
  defaultAttentionForm,
  configuredMatmul,
  gpu,
  layerNormBackwardInputKernel,
  layerNormForwardKernel,
  layerNormWorkgroupSize,
  matmulTuningKey,
  opsMatmulVariant,
  pool,
  withoutTuning,
  writeTuningTable,
  type AttentionForm,
  type AttentionKernel,
  type MatmulConfig,
  type TunedEntry,
} from '../engine/index.ts';
import { launchOn } from '../engine/autograd/launch_on.ts';
import { withSettings } from '../engine/env.ts';
import { kernelClass, type KernelClass } from '../engine/gpu/device.ts';
import {
  attentionForward,
  attentionRowStats,
  blockBytes,
  blockTiling,
  rowVectors,
  type AttentionDims,
  type AttentionTiling,
  type BlockKernel,
} from '../kernels/attention.ts';
import { rowTiling } from '../kernels/attention_rows.ts';
import { layerNormForward } from '../kernels/layernorm.ts';
import { DIRECT_DEFAULTS } from '../kernels/cpu/matmul.ts';
import { blockedOptionsFor, type MatmulShape } from '../kernels/matmul.ts';
import { splitKByDefault, splitKOptionsFor } from '../kernels/matmul_split_k.ts';
import type { SubgroupMatrixOptions } from '../kernels/matmul_subgroup_matrix.ts';
import { subgroupMatrixCandidates } from '../engine/ops/subgroup_matrix.ts';
import type { KernelLaunch } from '../kernels/launch.ts';
import { assertClose, gradcheck, scopedAsync } from '../reference/check.ts';
import { attentionRef, gatherRowsRef, layerNorm as layerNormRef, layerNormBackward, randn } from '../reference/float64.ts';
import { checkMatmulAt, halfTensorOf, linearProducts, matmulWorkload } from './matmul_workload.ts';
import { configName, parseMatmulConfig, variantName } from './matmul_configs.ts';
import { KernelTimer, type Stats } from './timing.ts';
import { PADDING_ID, noise, prepareScoped, randomTensor, sentenceIds, workloadWithin, type Workload } from './workload.ts';

/** What to tune for: a DistilBERT config, its batch size and the padded lengths to tune at. */
export interface TuneSpec {
  batch: number;
  lengths: number[];
  dim: number;
  hidden: number;
  heads: number;
  classes: number;
  /** Rows of the word embedding, whose backward is tuned at [batch · length] ids into [vocab, dim]. */
  vocab: number;
  /** Shapes of the parameters whose gradients the grad norm reads, in the model's order. */
  parameters: number[][];
}

export interface TuneOptions {
  /** Fewer candidates and samples. */
  quick: boolean;
  /** Matmul configurations to try besides the defaults (default: `matmulCandidates(quick)`). */
  matmulConfigs?: MatmulConfig[];
  /** Layer-norm threads per row to try besides the default (default: powers of two, fewer when quick). */
  workgroupSizes?: number[];
  /** Attention tilings to try besides the default (default: `attentionCandidates(quick)`). */
  attentionTilings?: AttentionTiling[];
  /** Also tune the products on f16 operands that --fp16's autocast launches (needs shader-f16). */
  half?: boolean;
  /** Matmul variant 5's options to try for those (default: engine/ops/subgroup_matrix.ts's `subgroupMatrixCandidates`). */
  subgroupMatrix?: SubgroupMatrixOptions[];
}

export interface TuneResult {
  file: string;
  entries: TunedEntry[];
  seconds: number;
  /** Candidates that failed validation or were refused, one line each. */
  rejected: string[];
}

/** A winner must beat the default by this fraction in the side-by-side re-timing. */
const MARGIN = 0.03;

const BLOCKED = [
  '128x128x8/8x8',
  '128x128x16/8x8',
  '256x128x8/16x8',
  '128x64x16/8x8',
  '64x128x16/8x8',
  '64x64x16/8x8',
  '64x64x16/4x4',
  '64x64x8/4x4',
  '32x64x16/4x4',
  '32x32x16/4x4',
];
const DIRECT = ['8x8/8', '8x4/8', '16x8/8', '32x4/8', '16x16/8', '8x8/4'];
const QUICK_BLOCKED = ['128x128x8/8x8', '64x64x16/4x4'];
const QUICK_DIRECT = ['8x8/8', '16x8/8'];

/** The matmul configurations to try besides the default (`--quick`: a few of each variant). */
export function matmulCandidates(quick: boolean): MatmulConfig[] {
  return [...(quick ? QUICK_BLOCKED : BLOCKED), ...(quick ? QUICK_DIRECT : DIRECT)].map(parseMatmulConfig);
}

interface Candidate {
  name: string;
  choice: Record<string, unknown>;
  /** Its kernel, where it is one (test/engine/kernel_compile.test.ts compiles them). */
  launch?: KernelLaunch;
  /**
   * What it compiles to: its kernel's WGSL, or a form's name and what its kernels' WGSL depends on.
   * Candidates of one identity are one: validated once, timed once per task.
   */
  identity: string;
  validate: () => Promise<void>;
  workload: Workload;
}

interface Task {
  kernel: string;
  key: string;
  dims: number[];
  label: string;
  /** The default first. */
  candidates: Candidate[];
}

/**
 * Padded lengths worth tuning at: the 10th, 50th and 90th percentiles of the batches' padded
 * lengths (`quick`: the median), so each length the data produces is within reach of one.
 */
export function representativeLengths(lengths: readonly number[], quick: boolean): number[] {
  const sorted = [...lengths].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return [...new Set((quick ? [0.5] : [0.1, 0.5, 0.9]).map(at))];
}

/** A small shape that compiles to the same WGSL as `s`: each dim over 48 cut to 40-47, keeping it mod 8. */
const shrink = (s: MatmulShape): MatmulShape => ({
  ...s,
  ...Object.fromEntries((['m', 'n', 'k'] as const).map((d) => [d, s[d] > 48 ? 40 + (s[d] % 8) : s[d]])),
  batch: Math.min(s.batch, 2),
});

function matmulCandidate(name: string, config: MatmulConfig, shape: MatmulShape): Candidate {
  const launch = configuredMatmul(config, shape);
  const kernel = (s: MatmulShape) => configuredMatmul(config, s);
  return {
    name,
    choice: { ...config },
    launch,
    identity: launch.code,
    validate: async () => {
      const small = shrink(shape);
      if (kernel(small).code !== launch.code) throw new Error(`the check shape ${small.m}x${small.n}x${small.k} compiles differently`);
      await checkMatmulAt(kernel, small, 0, shape.half);
    },
    workload: matmulWorkload(name, shape, kernel, ...(shape.half ? [halfTensorOf] : [])),
  };
}

function matmulTask(
  label: string,
  shape: MatmulShape,
  configs: readonly MatmulConfig[],
  subgroupMatrix: readonly SubgroupMatrixOptions[] = [],
): Task {
  // Split-K only where a GPU launches it by default (`splitKByDefault`).
  const defaults: MatmulConfig[] = [
    { variant: 3, ...blockedOptionsFor(shape) },
    { variant: 4, ...DIRECT_DEFAULTS },
    ...(splitKByDefault(shape) ? [{ variant: 6 as const, ...splitKOptionsFor(shape) }] : []),
  ];
  const ops = opsMatmulVariant(shape);
  const name = (c: MatmulConfig) => `${variantName(c)} ${configName(c)}`;
  const first = defaults.find((c) => c.variant === ops) ?? defaults[0];
  const candidates = [
    matmulCandidate(`default (${name(first)})`, first, shape),
    ...[...defaults.filter((c) => c !== first), ...configs].map((c) => matmulCandidate(name(c), c, shape)),
    // The matrix units, for f16 products: kept only where faster than the default (variant 3 on a GPU).
    ...(shape.half && !shape.gelu ? subgroupMatrix : []).map((options) => {
      const config: MatmulConfig = { variant: 5, ...options };
      return matmulCandidate(name(config), config, shape);
    }),
  ];
  return { kernel: 'matmul', key: matmulTuningKey(shape), dims: [shape.m, shape.n, shape.k], label, candidates };
}

const EPS = 1e-12; // DistilBERT's

/** Layer norm at [rows, cols], forward or input gradient, launched directly with `wg` threads per row. */
function layerNormCandidate(
  kernel: 'layernorm' | 'layernorm_backward_input',
  rows: number,
  cols: number,
  wg: number,
  isDefault: boolean,
): Candidate {
  const make = (r: number) =>
    kernel === 'layernorm' ? layerNormForwardKernel(r, cols, EPS, {}, wg) : layerNormBackwardInputKernel(r, cols, {}, wg);
  const name = `${isDefault ? 'default ' : ''}${wg} thread${wg === 1 ? '' : 's'} per row`;
  // Inputs in binding order; outputs last (forward: y, mean, rstd; backward: dx).
  const tensors = (r: number, seed: number) => {
    const x = randomTensor([r, cols], seed);
    const weight = randomTensor([cols], seed + 1);
    if (kernel === 'layernorm') return [x, weight, randomTensor([cols], seed + 2), new Tensor([r, cols]), new Tensor([r]), new Tensor([r])];
    const mean = new Tensor([r]);
    const rstd = new Tensor([r]);
    launchOn(layerNormForward(r, cols, EPS), x, weight, randomTensor([cols], seed + 2), new Tensor([r, cols]), mean, rstd);
    return [randomTensor([r, cols], seed + 3), x, weight, mean, rstd, new Tensor([r, cols])];
  };
  const launch = make(rows);
  return {
    name,
    choice: { workgroupSize: wg },
    launch,
    identity: launch.code,
    validate: async () => {
      const r = 5;
      const ts = tensors(r, 7);
      try {
        launchOn(make(r), ...ts);
        const values = await Promise.all(ts.map(async (t) => Float64Array.from(await t.toFloat32())));
        if (kernel === 'layernorm') {
          const [x, weight, bias, y] = values;
          assertClose(y, layerNormRef(x, weight, bias, r, cols, EPS), 1e-4, 1e-4, name);
        } else {
          const [dy, x, weight, , , dx] = values;
          assertClose(dx, layerNormBackward(x, weight, dy, r, cols, EPS).dx, 1e-3, 1e-3, name);
        }
      } finally {
        for (const t of ts) t.release();
      }
    },
    workload: {
      label: name,
      work: rows * cols * 4 * (kernel === 'layernorm' ? 2 : 3),
      prepare: () =>
        prepareScoped(() => {
          const ts = tensors(rows, 1);
          const launch = make(rows);
          return () => launchOn(launch, ...ts);
        }),
    },
  };
}

function layerNormTask(kernel: 'layernorm' | 'layernorm_backward_input', rows: number, cols: number, o: TuneOptions): Task {
  const fallback = withoutTuning(() => layerNormWorkgroupSize(kernel, rows, cols));
  const most = Math.min(1024, gpu().limits.maxComputeInvocationsPerWorkgroup);
  // 1: a thread per row (kernels/cpu/layernorm.ts); else a workgroup per row (kernels/layernorm.ts).
  const sizes = o.workgroupSizes ?? (o.quick ? [1, Math.max(32, fallback / 2), fallback * 2] : [1, 32, 64, 128, 256, 512, 1024]);
  const others = sizes.filter((wg) => (wg === 1 || (wg >= 32 && wg <= most)) && wg !== fallback);
  return {
    kernel,
    key: `cols ${cols}`,
    dims: [rows],
    label: `${kernel} [${rows},${cols}]`,
    candidates: [fallback, ...others].map((wg, i) => layerNormCandidate(kernel, rows, cols, wg, i === 0)),
  };
}

/** Attention tilings to try besides each form's default: rows per workgroup × rows per tile. */
export function attentionCandidates(quick: boolean): AttentionTiling[] {
  if (quick)
    return [
      { rows: 8, tile: 16 },
      { rows: 32, tile: 16 },
    ];
  return [4, 8, 16, 32, 64, 128].flatMap((rows) => [4, 8, 16, 32, 64].map((tile) => ({ rows, tile })));
}

const BLOCK_KERNELS: Record<AttentionKernel, BlockKernel> = {
  attention_forward: 'forward',
  attention_grad_query: 'gradQuery',
  attention_grad_key_value: 'gradKeyValue',
};

/**
 * The bindings of an attention kernel at `dims` (tiling aside), outputs last: random q, k, v,
 * a mask with the last key of the first sequence padded, and for the backward kernels the row
 * statistics of a forward pass and a random output gradient.
 */
function attentionBindings(kernel: AttentionKernel, dims: AttentionDims, seed: number): { inputs: Tensor[]; outputs: Tensor[] } {
  const shape = [dims.batch, dims.seq, dims.heads * dims.headDim];
  const [q, k, v] = [0, 1, 2].map((i) => randomTensor(shape, seed + i));
  const mask = Tensor.fromArray(
    Int32Array.from({ length: dims.batch * dims.seq }, (_, i) => (i === dims.seq - 1 ? 0 : 1)),
    [dims.batch, dims.seq],
    'i32',
  );
  const lse = new Tensor([dims.batch, dims.heads, dims.seq]);
  if (kernel === 'attention_forward') return { inputs: [q, k, v, mask], outputs: [new Tensor(shape), lse] };
  const context = new Tensor(shape);
  launchOn(attentionForward(dims), q, k, v, mask, context, lse);
  const grad = randomTensor(shape, seed + 3);
  const stats = new Tensor([dims.batch, dims.heads, dims.seq, 2]);
  launchOn(attentionRowStats(dims), context, grad, lse, stats);
  return {
    inputs: [q, k, v, mask, stats, grad],
    outputs: kernel === 'attention_grad_query' ? [new Tensor(shape)] : [new Tensor(shape), new Tensor(shape)],
  };
}

/** How a candidate runs an attention kernel: a form, at a tiling (the form's default without one). */
interface AttentionChoice {
  form: AttentionForm;
  tiling?: AttentionTiling;
}

/**
 * An attention kernel in one form and tiling. Validated at a small shape that compiles to the
 * same WGSL (same form, tiling and head dim), with a sequence that spans more than one workgroup
 * and tile: the forward against the float64 reference, the backward kernels against the block
 * kernels' default (which test/ops/attention.test.ts checks against finite differences).
 */
function attentionCandidate(kernel: AttentionKernel, dims: AttentionDims, choice: AttentionChoice, isDefault: boolean): Candidate {
  const generate = (d: AttentionDims) => ATTENTION_FORMS[choice.form][kernel]({ ...d, tiling: choice.tiling }, null);
  const tilingName = choice.tiling ? `, ${choice.tiling.rows} rows per workgroup, tiles of ${choice.tiling.tile}` : '';
  const name = `${isDefault ? 'default ' : ''}${choice.form}${tilingName}`;
  const launch = generate(dims);
  return {
    name,
    choice: { form: choice.form, ...choice.tiling },
    launch,
    identity: launch.code,
    validate: async () => {
      const seq = Math.max(choice.tiling?.rows ?? 0, choice.tiling?.tile ?? 0, 16) + 3;
      const small = { batch: 2, seq, heads: 2, headDim: dims.headDim };
      const { inputs, outputs } = attentionBindings(kernel, small, 7);
      const expected = outputs.map((t) => new Tensor(t.shape));
      try {
        launchOn(generate(small), ...inputs, ...outputs);
        const got = await outputs[0].toFloat32();
        if (kernel === 'attention_forward') {
          const [q, k, v, mask] = await Promise.all(inputs.map(async (t) => Float64Array.from(await t.toFloat32())));
          assertClose(got, attentionRef(q, k, v, mask, small.batch, small.seq, small.heads, small.headDim), 1e-4, 1e-4, name);
          return;
        }
        launchOn(ATTENTION_FORMS.blocks[kernel](small, null), ...inputs, ...expected);
        for (const [i, t] of outputs.entries())
          assertClose(await t.toFloat32(), await expected[i].toFloat32(), 1e-4, 1e-4, `${name}, output ${i + 1}`);
      } finally {
        for (const t of [...inputs, ...outputs, ...expected]) t.release();
      }
    },
    workload: {
      label: name,
      work: 4 * dims.batch * dims.seq * dims.seq * dims.heads * dims.headDim * (kernel === 'attention_forward' ? 1 : 1.25),
      prepare: () =>
        prepareScoped(() => {
          const { inputs, outputs } = attentionBindings(kernel, dims, 1);
          const launch = generate(dims);
          return () => launchOn(launch, ...inputs, ...outputs);
        }),
    },
  };
}

/**
 * Every form of an attention kernel: the block kernels at their default tiling and at the
 * candidates that fit the adapter, the row kernels likewise, and the CPU form; the op's default
 * first.
 */
function attentionTask(kernel: AttentionKernel, dims: AttentionDims, o: TuneOptions): Task {
  const g = gpu();
  const threads = g.limits.maxComputeInvocationsPerWorkgroup;
  const bytes = g.limits.maxComputeWorkgroupStorageSize;
  const same = (a: AttentionTiling, b: AttentionTiling) => a.rows === b.rows && a.tile === b.tile;
  const blockDefault = blockTiling(BLOCK_KERNELS[kernel], dims);
  const rowDefault = rowTiling(dims);
  // The row kernels stage two [tile, D] tiles (vec4 rows) and a word or two per row.
  const fits: Record<'blocks' | 'rows', (t: AttentionTiling) => boolean> = {
    blocks: (t) => t.rows * rowVectors(dims) <= threads && blockBytes(BLOCK_KERNELS[kernel], dims, t) <= bytes,
    rows: (t) => t.rows <= threads && t.tile <= t.rows && t.tile * (8 * dims.headDim + 8) <= bytes,
  };
  const tilings = o.attentionTilings ?? attentionCandidates(o.quick);
  const choices: AttentionChoice[] = [
    { form: 'blocks' },
    ...tilings.filter((t) => fits.blocks(t) && !same(t, blockDefault)).map((tiling) => ({ form: 'blocks' as const, tiling })),
    { form: 'rows' },
    ...tilings.filter((t) => fits.rows(t) && !same(t, rowDefault)).map((tiling) => ({ form: 'rows' as const, tiling })),
    { form: 'cpu' },
  ];
  const first = defaultAttentionForm();
  const ordered = [...choices.filter((c) => c.form === first && !c.tiling), ...choices.filter((c) => c.form !== first || c.tiling)];
  return {
    kernel,
    key: attentionTuningKey(dims),
    dims: [dims.batch, dims.seq],
    label: `${kernel} B${dims.batch} H${dims.heads} T${dims.seq} D${dims.headDim}`,
    candidates: ordered.map((choice, i) => attentionCandidate(kernel, dims, choice, i === 0)),
  };
}

const FORM_NAMES: Record<KernelClass, string> = { gpu: "a GPU's form", software: "a CPU implementation's form" };

/**
 * A kernel in the form made for one class of adapter: the op run under ENGINE_KERNELS, as its tests
 * and bench run it, which also keeps it off the table this tune is writing. `identity`: what the
 * form's WGSL depends on besides the form.
 */
function formCandidate(form: KernelClass, isDefault: boolean, identity: string, check: () => Promise<void>, workload: Workload): Candidate {
  const inForm = <T>(body: () => T): T => withSettings({ ENGINE_KERNELS: form }, body);
  const name = `${isDefault ? 'default ' : ''}${FORM_NAMES[form]}`;
  return {
    name,
    choice: { form },
    identity: `${identity}, ${form}`,
    validate: () => inForm(check),
    workload: { ...workloadWithin(workload, inForm), label: name },
  };
}

/** Both forms of a kernel that has one per class of adapter, the adapter's class (or ENGINE_KERNELS') first. */
function formTask(
  kernel: string,
  tuning: { key: string; dims: number[] },
  label: string,
  identity: string,
  check: () => Promise<void>,
  workload: Workload,
): Task {
  const first = kernelClass();
  const forms: KernelClass[] = [first, first === 'gpu' ? 'software' : 'gpu'];
  return { kernel, ...tuning, label, candidates: forms.map((form, i) => formCandidate(form, i === 0, identity, check, workload)) };
}

/**
 * The word embedding's backward for `spec.batch` sentences of `length` positions. Validated at a
 * small shape with the same dim (its kernels' WGSL depends on nothing else) against finite
 * differences of the float64 gather: more positions than a link workgroup's 64 threads, repeated
 * ids, one out of range, rows no id touches. Timed on sentence-like ids, half of them padding.
 */
function embeddingTask(spec: TuneSpec, length: number): Task {
  const n = spec.batch * length;
  const { vocab, dim } = spec;
  const check = () =>
    gradcheck({
      inputs: [
        { shape: [70], data: Float64Array.from({ length: 70 }, (_, i) => (i === 5 ? -1 : (i * i) % 7)), dtype: 'i32', noGrad: true },
        { shape: [11, dim], data: randn(11 * dim, 2) },
      ],
      gpu: ([ids, table]) => embedding(ids, table),
      cpu: ([ids, table]) => gatherRowsRef(ids, table, dim),
      maxEntries: 1024,
    });
  const workload: Workload = {
    label: '',
    work: (n + vocab) * dim * 4, // read the output gradient, write the table gradient
    prepare: () =>
      prepareScoped(() => {
        const ids = Tensor.fromArray(sentenceIds(spec.batch, length, vocab), [n], 'i32');
        const rows = embedding(ids, new Tensor([vocab, dim], 'f32', { requiresGrad: true }), { paddingIdx: PADDING_ID });
        const grad = randomTensor([n, dim], 3);
        return () => scoped(() => noGrad(() => void rows.creator!.backwardFn(grad)));
      }),
  };
  const label = `embedding backward ${n} ids into [${vocab},${dim}]`;
  return formTask('embedding_backward', embeddingBackwardTuning(n, vocab, dim), label, `embedding backward, dim ${dim}`, check, workload);
}

/**
 * The grad norm over gradients of the parameters' shapes. Its stage-1 WGSL depends on how the
 * tensors group, so it is validated at those very shapes, against the float64 norm.
 */
function gradNormTask(parameters: readonly number[][]): Task {
  const sizes = parameters.map((shape) => shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const withGrads = (grads: readonly Float32Array[]) =>
    parameters.map((shape, i) => {
      const p = new Tensor(shape, 'f32', { requiresGrad: true });
      p.grad = Tensor.fromArray(grads[i], shape);
      return p;
    });
  const gradsOf = (seed: number) => sizes.map((n, i) => noise(n, seed + i, 0.02));
  const check = () =>
    scopedAsync(async () => {
      const grads = gradsOf(7);
      const expected = Math.sqrt(grads.reduce((sum, g) => g.reduce((s, x) => s + x * x, sum), 0));
      const { totalNorm } = gradNorm(withGrads(grads), 1);
      assertClose(await totalNorm.toFloat32(), [expected], 0, 1e-5, 'total norm');
    });
  const workload: Workload = {
    label: '',
    work: 4 * total,
    prepare: () =>
      prepareScoped(() => {
        const params = withGrads(gradsOf(1));
        return () => scoped(() => void gradNorm(params, 1));
      }),
  };
  const label = `grad norm over ${sizes.length} tensors, ${total} elements`;
  return formTask('grad_norm', gradNormTuning(sizes), label, `grad norm over ${sizes.join(',')}`, check, workload);
}

/** Every tunable launch of a training step of the model at `spec`, once per distinct shape. */
export function tuneTasks(spec: TuneSpec, o: TuneOptions): Task[] {
  const configs = o.matmulConfigs ?? matmulCandidates(o.quick);
  const tasks = new Map<string, Task>();
  const add = (t: Task) =>
    tasks.set(`${t.kernel} ${t.key} ${t.dims.join('x')}`, tasks.get(`${t.kernel} ${t.key} ${t.dims.join('x')}`) ?? t);
  for (const length of spec.lengths) {
    const tokens = spec.batch * length;
    const products = [
      ...linearProducts(tokens, spec.dim, spec.dim),
      ...linearProducts(tokens, spec.dim, spec.hidden),
      ...linearProducts(tokens, spec.hidden, spec.dim),
    ];
    for (const p of products) {
      add(matmulTask(p.label, p.shape, configs));
      if (o.half) add(matmulTask(`${p.label} f16`, { ...p.shape, half: true }, configs, o.subgroupMatrix));
    }
    for (const kernel of ['layernorm', 'layernorm_backward_input'] as const) add(layerNormTask(kernel, tokens, spec.dim, o));
    const dims = { batch: spec.batch, seq: length, heads: spec.heads, headDim: spec.dim / spec.heads };
    for (const kernel of Object.keys(BLOCK_KERNELS) as AttentionKernel[]) add(attentionTask(kernel, dims, o));
    add(embeddingTask(spec, length));
  }
  add(gradNormTask(spec.parameters));
  // The classifier head works on one row per sentence.
  for (const p of [...linearProducts(spec.batch, spec.dim, spec.dim), ...linearProducts(spec.batch, spec.dim, spec.classes)])
    add(matmulTask(p.label, p.shape, configs));
  return [...tasks.values()];
}

/** `a` and `b` sampled in turns, `rounds` times each: their medians. */
async function sideBySide(timer: KernelTimer, a: Workload, b: Workload, rounds: number): Promise<[number, number]> {
  const prepared = [a.prepare(), b.prepare()];
  try {
    const times: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      for (const i of [0, 1]) times[i].push((await timer.sample(prepared[i].run)).median);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    return [median(times[0]), median(times[1])];
  } finally {
    // Each holds a step scope: they end in the reverse order they began.
    for (const p of prepared.reverse()) p.release();
  }
}

async function timeCandidate(timer: KernelTimer, c: Candidate): Promise<Stats> {
  const prepared = c.workload.prepare();
  try {
    return await timer.sample(prepared.run);
  } finally {
    prepared.release();
  }
}

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/** Tunes every task of `spec` on the open GPU, writes this adapter's table and returns it. */
export async function tune(spec: TuneSpec, o: TuneOptions, log: (line: string) => void): Promise<TuneResult> {
  const start = performance.now();
  const quick = o.quick;
  const subgroupMatrix = o.subgroupMatrix ?? (o.half ? await subgroupMatrixCandidates() : []);
  const tasks = withoutTuning(() => tuneTasks(spec, { ...o, subgroupMatrix }));
  const g = gpu();
  const timer = new KernelTimer(
    g.device,
    g.features,
    quick ? { warmup: 1, repeats: 3, minSampleMs: 5 } : { warmup: 2, repeats: 5, minSampleMs: 20 },
  );
  const total = tasks.reduce((n, t) => n + t.candidates.length, 0);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 'tune |{bar}| {value}/{total} candidates | {task} | eta {eta_formatted}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let done = 0;
  bar?.start(total, 0, { task: '' });
  const entries: TunedEntry[] = [];
  const rejected: string[] = [];
  const validated = new Map<string, string | null>();
  const tunedFor = `batch ${spec.batch}, lengths ${spec.lengths.join('/')}, dim ${spec.dim}, hidden ${spec.hidden}, vocab ${spec.vocab}${quick ? ', quick' : ''}`;
  let file = '';
  try {
    for (const task of tasks) {
      bar?.update(done, { task: task.label });
      const seen = new Set<string>();
      const timed: { c: Candidate; ms: number }[] = [];
      for (const c of task.candidates) {
        done++;
        if (seen.has(c.identity)) continue;
        seen.add(c.identity);
        try {
          // A configuration compiles to the same code at every shape of an alignment class: validate it once.
          if (!validated.has(c.identity)) validated.set(c.identity, await c.validate().then(() => null, oneLine));
          const error = validated.get(c.identity);
          if (error) throw new Error(`validation failed: ${error}`);
          timed.push({ c, ms: (await timeCandidate(timer, c)).median });
        } catch (err) {
          if (c === task.candidates[0]) throw new Error(`${task.label}: the default kernel failed: ${oneLine(err)}`);
          rejected.push(`${task.label} ${c.name}: ${oneLine(err)}`);
        }
        bar?.update(done, { task: task.label });
        pool.trim();
      }
      const byTime = [...timed].sort((a, b) => a.ms - b.ms);
      const fallback = timed[0];
      let winner = fallback;
      let [ms, defaultMs] = [fallback.ms, fallback.ms];
      if (byTime[0].c !== fallback.c) {
        [ms, defaultMs] = await sideBySide(timer, byTime[0].c.workload, fallback.c.workload, quick ? 3 : 5);
        if (ms < defaultMs * (1 - MARGIN)) winner = byTime[0];
        else ms = defaultMs;
      }
      entries.push({ kernel: task.kernel, key: task.key, dims: task.dims, choice: winner.c.choice, ms, defaultMs });
      // Written after every shape, so that a tune cut short (a time limit) still leaves what it found.
      file = writeTuningTable(
        entries,
        `${tunedFor}${entries.length < tasks.length ? `, ${entries.length} of ${tasks.length} shapes` : ''}`,
      );
      const gain = defaultMs / ms;
      if (!bar)
        log(
          `${task.label}: ${winner.c.name}, ${ms.toPrecision(3)} ms${gain > 1 ? ` (${gain.toFixed(2)}x the default)` : ''} [${((performance.now() - start) / 1000).toFixed(0)} s]`,
        );
    }
  } finally {
    bar?.stop();
    timer.destroy();
  }
  return { file, entries, seconds: (performance.now() - start) / 1000, rejected };
}
