// Global gradient 2-norm and clipping (torch.nn.utils.clip_grad_norm_, norm_type 2), on the GPU
// without reading anything back.
//
// torch: total = ‖(‖g_1‖, …, ‖g_P‖)‖₂; coef = max_norm / (total + 1e-6); g_i *= min(coef, 1).
// Two deterministic stages (fixed summation order, no atomics):
//  1. `sumSquaresPartials`, one launch per group of up to `slots` gradients (multi_tensor.ts):
//     each workgroup of NORM_WG threads sums the squares of one chunk of consecutive elements of one
//     tensor (each thread a strided slice, read as vec4s when the tensor's length is a multiple of
//     4, then a workgroup reduction, row_reduce.ts: a tree in workgroup memory, or subgroup
//     operations with `subgroups`) and writes the sum to partials[partialBase + wg], and the
//     tensor's global index to owner[partialBase + wg]. A tensor's partials are therefore
//     contiguous, and `owner` is sorted. A chunk is MIN_PER_WORKGROUP elements, or more for a
//     tensor that would otherwise need over MAX_PARTIALS workgroups (`chunkOf`), so that stage 2
//     stays short. Few, well-filled workgroups matter on CPU rasterisers (lavapipe), where each
//     workgroup and each barrier has a fixed cost of microseconds.
//  2. `gradNormFinish`, one workgroup: thread t takes tensors t, t + NORM_WG, …; for each it finds the
//     first partial by binary search in `owner`, sums that tensor's partials in order (at most
//     MAX_PARTIALS), and adds norm_t² = sqrt(sum)² to its own total; one workgroup reduction then
//     adds the threads' totals. It writes the total norm and min(coef, 1) to two 1-element buffers.
// `scaleByCoefficient` then multiplies gradients in place by that coefficient (clip_grad_norm_);
// the AdamW kernel can instead read the coefficient itself (adamw.ts), which saves this pass.
import { FLAT_BUILTINS, f32, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';
import { forSlot, slotLayout, slotWorkgroup, type SlotCost } from './multi_tensor.ts';
import { subgroupBuiltins, subgroupPrelude, subgroupSetup, workgroupReduce } from './row_reduce.ts';

const WG = 256;
/** Threads of a stage-1 or stage-2 workgroup. */
const NORM_WG = 64;
/** Elements one stage-1 workgroup reduces to one partial sum, at least (a multiple of 4 · NORM_WG). */
export const MIN_PER_WORKGROUP = 4096;
/** The most partial sums one tensor produces: what one stage-2 thread adds in sequence. */
export const MAX_PARTIALS = 256;

/** Stage 1, per slot: grad; n, wgEnd, chunk. Shared: partials, owner; tensorBase, partialBase. */
export const SUM_SQUARES_COST: SlotCost = { sharedBindings: 2, bindingsPerSlot: 1, sharedUniforms: 2, uniformsPerSlot: 3 };
/** Scaling, per slot: grad; n, wgEnd. Shared: the coefficient. */
export const SCALE_COST: SlotCost = { sharedBindings: 1, bindingsPerSlot: 1, sharedUniforms: 0, uniformsPerSlot: 2 };

/** Elements of a tensor of `size` elements that one stage-1 workgroup sums: a multiple of 4 · NORM_WG. */
export function chunkOf(size: number): number {
  const step = 4 * NORM_WG;
  return Math.max(MIN_PER_WORKGROUP, Math.ceil(size / MAX_PARTIALS / step) * step);
}

/** Number of stage-1 partial sums a tensor of `size` elements produces. */
export const partialsOf = (size: number) => Math.ceil(size / chunkOf(size));

/**
 * Stage 1 for the gradients of `sizes` elements, tensors `tensorBase`… in global order, writing
 * partials from `partialBase`. Bindings: grad0 … grad{K-1}, partials (f32), owner (u32).
 */
export function sumSquaresPartials(sizes: readonly number[], tensorBase: number, partialBase: number, subgroups = false): KernelLaunch {
  const layout = slotLayout(sizes, chunkOf);
  const uniforms: Uniforms = { ...layout.uniforms, tensorBase: u32(tensorBase), partialBase: u32(partialBase) };
  sizes.forEach((n, k) => {
    uniforms[`chunk${k}`] = u32(chunkOf(n));
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
  for (var i = local * chunk + tid; i < end; i += ${NORM_WG}u) {
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
${workgroupReduce('workgroupSum', 'f32', 'sum', NORM_WG, subgroups)}
${sliceSums.join('\n')}

@compute @workgroup_size(${NORM_WG})
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
    name: `grad_sum_squares_x${K}${vec4Slots === K ? '_vec4' : ''}${subgroups ? '_subgroups' : ''}`,
    code,
    workgroups: layout.grid,
    uniforms,
  };
}

/** Stage 2. Bindings: partials, owner (stage 1 over all `tensors`), totalNorm [1], clipCoef [1]. */
export function gradNormFinish(tensors: number, partials: number, maxNorm: number, subgroups = false): KernelLaunch {
  const uniforms = { tensors: u32(tensors), partials: u32(partials), maxNorm: f32(maxNorm) };
  const code = `${subgroupPrelude(subgroups)}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read> owner: array<u32>;
@group(0) @binding(3) var<storage, read_write> totalNorm: array<f32>;
@group(0) @binding(4) var<storage, read_write> clipCoef: array<f32>;
${workgroupReduce('workgroupSum', 'f32', 'sum', NORM_WG, subgroups)}

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

@compute @workgroup_size(${NORM_WG})
fn main(@builtin(local_invocation_id) lid: vec3u${subgroupBuiltins(subgroups)}) {${subgroupSetup(subgroups)}
  var squaredNorms = 0.0;
  for (var t = lid.x; t < p.tensors; t += ${NORM_WG}u) {
    var sum = 0.0;
    for (var j = firstPartialOf(t); j < p.partials && owner[j] == t; j++) { sum += partials[j]; }
    let norm = sqrt(sum);
    squaredNorms += norm * norm;
  }
  let total = sqrt(workgroupSum(lid.x, squaredNorms));
  if (lid.x == 0u) {
    totalNorm[0] = total;
    clipCoef[0] = min(p.maxNorm / (total + 1e-6), 1.0);
  }
}`;
  return { name: `grad_norm_finish${subgroups ? '_subgroups' : ''}`, code, workgroups: [1, 1, 1], uniforms };
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
