// Global gradient 2-norm and clipping (torch.nn.utils.clip_grad_norm_, norm_type 2), on the GPU
// without reading anything back.
//
// torch: total = ‖(‖g_1‖, …, ‖g_P‖)‖₂; coef = max_norm / (total + 1e-6); g_i *= min(coef, 1).
// Three deterministic stages (fixed summation order, no atomics), in workgroups of `grid.threads`
// threads, reducing with row_reduce.ts's workgroup sum (a tree in workgroup memory, or subgroup
// operations with `subgroups`):
//  1. `sumSquaresPartials`, one launch per group of up to `slots` gradients (multi_tensor.ts):
//     each workgroup sums the squares of one chunk of consecutive elements of one tensor (each
//     thread a strided slice, read as vec4s when the tensor's length is a multiple of 4) and writes
//     the sum to partials[partialBase + wg], and the tensor's global index to owner[partialBase + wg].
//     A tensor's partials are therefore contiguous, and `owner` is sorted.
//  2. `tensorSquaredNorms`, a workgroup per tensor t: it finds its partials by binary search in
//     `owner`, its threads add them strided, and it writes norm_t² = sqrt(sum)² to squaredNorms[t].
//  3. `gradNormFinish`, one workgroup: thread i adds squaredNorms[i], [i + threads], …; the
//     workgroup sum of those is total². It writes the total norm and min(coef, 1) to two 1-element
//     buffers. It reads one number per tensor (104 for DistilBERT), never the partials.
// Each class of adapter has its stage-1 grid (`NORM_GRIDS`; engine/optim/grad_clip.ts picks one, or
// the tuned table does): on a GPU the work sizes it, a fixed chunk per workgroup; on a CPU
// implementation (lavapipe), where each workgroup and each barrier costs microseconds, few long
// workgroups, at most MAX_PARTIALS per tensor.
// `scaleByCoefficient` then multiplies gradients in place by that coefficient (clip_grad_norm_);
// the AdamW kernel can instead read the coefficient itself (adamw.ts), which saves this pass.
//
// CPU reference: `refClipGradNorm` (float64) in test/engine/optim.test.ts, the test of both grids;
// `npm run bench -- --only gradnorm` times both.
import { FLAT_BUILTINS, f32, flatGrid, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';
import { forSlot, slotLayout, slotWorkgroup, type SlotCost } from './multi_tensor.ts';
import { subgroupBuiltins, subgroupPrelude, subgroupSetup, workgroupReduce } from './row_reduce.ts';
import { fillTemplate } from './template.ts';

const WG = 256;

/** How the grad norm's stages cut their work into workgroups. */
export interface NormGrid {
  /** Threads of every workgroup of the three stages (a power of two). */
  threads: number;
  /** Elements one stage-1 workgroup sums, at least: a multiple of 4 · threads. */
  minChunk: number;
  /** The most partial sums one tensor makes (its chunks grow past minChunk to keep to it), or Infinity. */
  maxPartials: number;
}

/** The software grid's cap on one tensor's partials. */
export const MAX_PARTIALS = 256;

/** The stage-1 grid for each class of adapter (engine/gpu/device.ts `kernelClass`). */
export const NORM_GRIDS = {
  // Chunks of 4,096 elements (4 vec4s a thread), however many: DistilBERT-base's embedding gradient
  // (23.4M) is 5,723 workgroups, its whole step's stage 1 about 16,400.
  gpu: { threads: 256, minChunk: 4096, maxPartials: Infinity },
  // Few, well-filled workgroups of 64: the embedding gradient is 256 of them.
  software: { threads: 64, minChunk: 4096, maxPartials: MAX_PARTIALS },
} as const satisfies Record<string, NormGrid>;

/** Stage 1, per slot: grad; n, wgEnd, chunk. Shared: partials, owner; tensorBase, partialBase. */
export const SUM_SQUARES_COST: SlotCost = { sharedBindings: 2, bindingsPerSlot: 1, sharedUniforms: 2, uniformsPerSlot: 3 };
/** Scaling, per slot: grad; n, wgEnd. Shared: the coefficient. */
export const SCALE_COST: SlotCost = { sharedBindings: 1, bindingsPerSlot: 1, sharedUniforms: 0, uniformsPerSlot: 2 };

/** Elements of a tensor of `size` elements that one stage-1 workgroup of `grid` sums: a multiple of 4 · threads. */
export function chunkOf(size: number, grid: NormGrid): number {
  const step = 4 * grid.threads;
  return Math.max(grid.minChunk, Math.ceil(size / grid.maxPartials / step) * step);
}

/** Number of stage-1 partial sums a tensor of `size` elements makes. */
export const partialsOf = (size: number, grid: NormGrid) => Math.ceil(size / chunkOf(size, grid));

/**
 * Stage 1 for the gradients of `sizes` elements, tensors `tensorBase`… in global order, writing
 * partials from `partialBase`. Bindings: grad0 … grad{K-1}, partials (f32), owner (u32).
 */
export function sumSquaresPartials(
  sizes: readonly number[],
  tensorBase: number,
  partialBase: number,
  grid: NormGrid,
  subgroups = false,
): KernelLaunch {
  const chunk = (n: number) => chunkOf(n, grid);
  const layout = slotLayout(sizes, chunk);
  const uniforms: Uniforms = { ...layout.uniforms, tensorBase: u32(tensorBase), partialBase: u32(partialBase) };
  sizes.forEach((n, k) => {
    uniforms[`chunk${k}`] = u32(chunk(n));
  });
  const K = sizes.length;
  // A nonempty length that is a multiple of 4 is read as vec4s (the binding is whole vec4s then).
  const width = sizes.map((n) => (n > 0 && n % 4 === 0 ? 4 : 1));
  const grads = sizes.map(
    (_, k) => `@group(0) @binding(${k + 1}) var<storage, read> grad${k}: array<${width[k] === 4 ? 'vec4f' : 'f32'}>;`,
  );
  const sliceSums = sizes.map((_, k) => {
    const perItem = width[k] === 4 ? ' / 4u' : '';
    return `fn sliceSum${k}(local: u32, tid: u32) -> f32 {
  let chunk = p.chunk${k}${perItem};
  let end = min((local + 1u) * chunk, p.n${k}${perItem});
  var acc = ${width[k] === 4 ? 'vec4f' : 'f32'}(0.0);
  for (var i = local * chunk + tid; i < end; i += ${grid.threads}u) {
    let g = grad${k}[i];
    acc += g * g;
  }
  return ${width[k] === 4 ? 'acc.x + acc.y + acc.z + acc.w' : 'acc'};
}`;
  });
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
${grads.join('\n')}
@group(0) @binding(${K + 1}) var<storage, read_write> partials: array<f32>;
@group(0) @binding(${K + 2}) var<storage, read_write> owner: array<u32>;
${workgroupReduce('workgroupSum', 'f32', 'sum', grid.threads, subgroups)}
${sliceSums.join('\n')}

@compute @workgroup_size(${grid.threads})
fn main(${FLAT_BUILTINS}${subgroupBuiltins(subgroups)}) {${subgroupSetup(subgroups)}
  ${slotWorkgroup(K)}
  var acc = 0.0;
  var slot = 0u;
  ${forSlot(K, (k) => `acc = sliceSum${k}(local, lid.x);\n    slot = ${k}u;`)}
  let total = workgroupSum(lid.x, acc);
  if (lid.x == 0u) {
    partials[p.partialBase + wg] = total;
    owner[p.partialBase + wg] = p.tensorBase + slot;
  }
}`;
  const vec4Slots = width.filter((w) => w === 4).length;
  return {
    name: `grad_sum_squares_x${K}${vec4Slots === K ? '_vec4' : ''}_wg${grid.threads}${subgroups ? '_subgroups' : ''}`,
    code,
    workgroups: layout.grid,
    uniforms,
  };
}

/** What stages 2 and 3 share: the subgroup prelude, uniforms, and the workgroup sum. */
const NORM_PRELUDE = `{{PRELUDE}}{{UNIFORMS}}
{{WORKGROUP_SUM}}`;

const TENSOR_SQUARED_NORMS = `${NORM_PRELUDE}
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read> owner: array<u32>;
@group(0) @binding(3) var<storage, read_write> squaredNorms: array<f32>;

// The first partial whose owner is >= t (p.partials if none).
fn firstPartialOf(t: u32) -> u32 {
  var lo = 0u;
  var hi = p.partials;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (owner[mid] < t) { lo = mid + 1u; } else { hi = mid; }
  }
  return lo;
}

@compute @workgroup_size({{THREADS}})
fn main({{BUILTINS}}) {{{SETUP}}
  let t = wid.x + wid.y * nwg.x;
  if (t >= p.tensors) { return; }
  let end = firstPartialOf(t + 1u);
  var sum = 0.0;
  for (var j = firstPartialOf(t) + lid.x; j < end; j += {{THREADS}}u) { sum += partials[j]; }
  let norm = sqrt(workgroupSum(lid.x, sum));
  if (lid.x == 0u) { squaredNorms[t] = norm * norm; }
}`;

const FINISH = `${NORM_PRELUDE}
@group(0) @binding(1) var<storage, read> squaredNorms: array<f32>;
@group(0) @binding(2) var<storage, read_write> totalNorm: array<f32>;
@group(0) @binding(3) var<storage, read_write> clipCoef: array<f32>;

@compute @workgroup_size({{THREADS}})
fn main({{BUILTINS}}) {{{SETUP}}
  var sum = 0.0;
  for (var t = lid.x; t < p.tensors; t += {{THREADS}}u) { sum += squaredNorms[t]; }
  let total = sqrt(workgroupSum(lid.x, sum));
  if (lid.x == 0u) {
    totalNorm[0] = total;
    clipCoef[0] = min(p.maxNorm / (total + 1e-6), 1.0);
  }
}`;

/** The WGSL of stage 2 or 3 for workgroups of `threads`. */
function normStage(template: string, uniforms: Uniforms, threads: number, subgroups: boolean): string {
  return fillTemplate(template, {
    PRELUDE: subgroupPrelude(subgroups),
    UNIFORMS: uniformBlock(uniforms),
    WORKGROUP_SUM: workgroupReduce('workgroupSum', 'f32', 'sum', threads, subgroups),
    THREADS: threads,
    BUILTINS: `${FLAT_BUILTINS}${subgroupBuiltins(subgroups)}`,
    SETUP: subgroupSetup(subgroups),
  });
}

/** Stage 2. Bindings: partials, owner (stage 1 over all `tensors`), squaredNorms [tensors]. */
export function tensorSquaredNorms(tensors: number, partials: number, threads: number, subgroups = false): KernelLaunch {
  const uniforms = { tensors: u32(tensors), partials: u32(partials) };
  return {
    name: `grad_norm_per_tensor_wg${threads}${subgroups ? '_subgroups' : ''}`,
    code: normStage(TENSOR_SQUARED_NORMS, uniforms, threads, subgroups),
    workgroups: flatGrid(tensors, 1),
    uniforms,
  };
}

/** Stage 3. Bindings: squaredNorms [tensors] (stage 2), totalNorm [1], clipCoef [1]. */
export function gradNormFinish(tensors: number, maxNorm: number, threads: number, subgroups = false): KernelLaunch {
  const uniforms = { tensors: u32(tensors), maxNorm: f32(maxNorm) };
  return {
    name: `grad_norm_finish_wg${threads}${subgroups ? '_subgroups' : ''}`,
    code: normStage(FINISH, uniforms, threads, subgroups),
    workgroups: [1, 1, 1],
    uniforms,
  };
}

/** grad_k *= coef[0] in place. Bindings: grad0 … grad{K-1}, coef [1]. */
export function scaleByCoefficient(sizes: readonly number[]): KernelLaunch {
  const layout = slotLayout(sizes, WG);
  const K = sizes.length;
  const grads = sizes.map((_, k) => `@group(0) @binding(${k + 1}) var<storage, read_write> grad${k}: array<f32>;`);
  const code = `${uniformBlock(layout.uniforms)}
${grads.join('\n')}
@group(0) @binding(${K + 1}) var<storage, read> coef: array<f32>;

@compute @workgroup_size(${WG})
fn main(${FLAT_BUILTINS}) {
  ${slotWorkgroup(K)}
  ${forSlot(K, (k) => `let i = local * ${WG}u + lid.x;\n    if (i < p.n${k}) { grad${k}[i] = grad${k}[i] * coef[0]; }`)}
}`;
  return { name: `scale_by_coefficient_x${K}`, code, workgroups: layout.grid, uniforms: layout.uniforms };
}
