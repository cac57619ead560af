// The kernel generators the ops launch, each memoized by its arguments.
//
// A generator (kernels/*.ts) is a pure function from shapes and options to a `KernelLaunch`, and
// building its WGSL text costs tens of microseconds. Memoized, a call with arguments seen before
// returns the very same `KernelLaunch` object, without running the generator; dispatch.ts then
// finds its pipeline, bind-group layout and packed uniforms by that object's identity. The key is
// the arguments written out (shapes, flags, small option objects: short), never the shader text.
//
// Ops import generators from here, not from kernels/. A new generator joins by adding its name to
// the list of its module below (nothing changes in the generator itself). An argument that changes
// on every call (a learning rate, an RNG offset) makes every call a miss, which still works: the
// generator runs and dispatch finds the pipeline by the shader text, as it does for any launch
// that does not come from here. Where such a value only reaches the uniforms, the op keeps the
// hit: it asks for the launch with a fixed value and sets the real one with `withUniforms` (RNG
// streams' seed and stream number, which kernels read from uniforms, with `withStream`). Arguments are plain
// data: numbers, strings, booleans, arrays and objects of them.
import * as adamw from '../../kernels/adamw.ts';
import * as attention from '../../kernels/attention.ts';
import * as attentionRows from '../../kernels/attention_rows.ts';
import * as attentionCpu from '../../kernels/cpu/attention.ts';
import * as cast from '../../kernels/cast.ts';
import * as crossEntropy from '../../kernels/cross_entropy.ts';
import * as dropout from '../../kernels/dropout.ts';
import * as elementwise from '../../kernels/elementwise.ts';
import * as embedding from '../../kernels/embedding.ts';
import * as gradNorm from '../../kernels/grad_norm.ts';
import * as gradScaler from '../../kernels/grad_scaler.ts';
import * as layernorm from '../../kernels/layernorm.ts';
import * as layernormCpu from '../../kernels/cpu/layernorm.ts';
import type { KernelLaunch, Uniforms } from '../../kernels/launch.ts';
import * as matmul from '../../kernels/matmul_variants.ts';
import * as subgroupMatrix from '../../kernels/matmul_subgroup_matrix.ts';
import * as reduce from '../../kernels/reduce.ts';
import * as rmsnorm from '../../kernels/rmsnorm.ts';
import { rngUniforms, type RngStream } from '../../kernels/rng.ts';
import * as select from '../../kernels/select.ts';
import * as softmax from '../../kernels/softmax.ts';
import * as transpose from '../../kernels/transpose.ts';

/** Entries kept per generator; past it the cache starts over (per-call arguments fill it). */
const MAX_ENTRIES = 512;

/**
 * The arguments as a string, JSON-like but keeping apart what JSON merges (-0 and 0; NaN,
 * ±Infinity and null) and written by hand: about twice as fast as JSON.stringify with a
 * replacer that would do the same.
 */
function keyOf(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      let key = Array.isArray(value) ? '[' : '{';
      if (Array.isArray(value)) for (const item of value) key += `${keyOf(item)},`;
      else for (const [name, item] of Object.entries(value)) key += `${JSON.stringify(name)}:${keyOf(item)},`;
      return key + (Array.isArray(value) ? ']' : '}');
    }
    default:
      throw new Error(`internal: a memoized kernel generator got a ${typeof value} argument`);
  }
}

/** Which generator (by its name as exported here) made a launch, and from which arguments. */
const origins = new WeakMap<KernelLaunch, { generator: string; args: readonly unknown[] }>();
/** The generator that made `launch`: the compile test checks that its kernels cover them all. */
export const generatorOf = (launch: KernelLaunch): string | undefined => origins.get(launch)?.generator;
/** The arguments `launch` was made from: bench/catalog.ts makes other variants of a recorded product from them. */
export const argumentsOf = (launch: KernelLaunch): readonly unknown[] | undefined => origins.get(launch)?.args;

/** `generator`, answering repeated arguments from a cache; its launches remember `name`. */
export function memoized<Args extends unknown[]>(
  generator: (...args: Args) => KernelLaunch,
  name = generator.name,
): (...args: Args) => KernelLaunch {
  const cache = new Map<string, KernelLaunch>();
  return (...args: Args) => {
    const key = keyOf(args);
    let launch = cache.get(key);
    if (!launch) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      launch = generator(...args);
      origins.set(launch, { generator: name, args });
      cache.set(key, launch);
    }
    return launch;
  };
}

/** `launch` with some of its uniform values replaced (same code, bindings and grid). */
export function withUniforms(launch: KernelLaunch, values: Uniforms): KernelLaunch {
  for (const name of Object.keys(values)) {
    if (!(name in launch.uniforms)) throw new Error(`internal: ${launch.name} has no uniform ${name}`);
  }
  const replaced = { ...launch, uniforms: { ...launch.uniforms, ...values } };
  const origin = origins.get(launch);
  if (origin) origins.set(replaced, origin);
  return replaced;
}

const ANY_STREAM: RngStream = { seed: 0, stream: 0 };

/** The launch `generate` makes for the RNG stream `rng`, memoized once for every stream. */
export function withStream(generate: (rng: RngStream) => KernelLaunch, rng: RngStream): KernelLaunch {
  return withUniforms(generate(ANY_STREAM), rngUniforms({ seed: rng.seed, stream: rng.stream }));
}

/** The same module with the named generators memoized. */
function memoizedModule<M extends object, K extends keyof M & string>(module: M, names: K[]): Pick<M, K> {
  return Object.fromEntries(names.map((name) => [name, memoized(module[name] as (...args: unknown[]) => KernelLaunch, name)])) as Pick<
    M,
    K
  >;
}

export const { adamwBegin, adamwStep } = memoizedModule(adamw, ['adamwBegin', 'adamwStep']);
export const { attentionForward, attentionRowStats, attentionGradQuery, attentionGradKeyValue } = memoizedModule(attention, [
  'attentionForward',
  'attentionRowStats',
  'attentionGradQuery',
  'attentionGradKeyValue',
]);
export const { attentionRowsForward, attentionRowsGradQuery, attentionRowsGradKeyValue } = memoizedModule(attentionRows, [
  'attentionRowsForward',
  'attentionRowsGradQuery',
  'attentionRowsGradKeyValue',
]);
export const { attentionCpuForward, attentionCpuGradQuery, attentionCpuGradKeyValue } = memoizedModule(attentionCpu, [
  'attentionCpuForward',
  'attentionCpuGradQuery',
  'attentionCpuGradKeyValue',
]);
export const { castToHalf } = memoizedModule(cast, ['castToHalf']);
export const { crossEntropyRows, crossEntropyBackward } = memoizedModule(crossEntropy, ['crossEntropyRows', 'crossEntropyBackward']);
export const { dropoutMap } = memoizedModule(dropout, ['dropoutMap']);
export const { unaryMap, binaryMap, fill, accumulate, padWithZeros } = memoizedModule(elementwise, [
  'unaryMap',
  'binaryMap',
  'fill',
  'accumulate',
  'padWithZeros',
]);
export const { gatherRows, sortPositionsById, sumBuckets, linkOccurrences, sumChains } = memoizedModule(embedding, [
  'gatherRows',
  'sortPositionsById',
  'sumBuckets',
  'linkOccurrences',
  'sumChains',
]);
export const { sumSquaresPartials, tensorSquaredNorms, gradNormFinish, scaleByCoefficient } = memoizedModule(gradNorm, [
  'sumSquaresPartials',
  'tensorSquaredNorms',
  'gradNormFinish',
  'scaleByCoefficient',
]);
export const { unscaleGradients, updateScale } = memoizedModule(gradScaler, ['unscaleGradients', 'updateScale']);
export const { layerNormForward, layerNormBackwardInput, layerNormParamGradChunks } = memoizedModule(layernorm, [
  'layerNormForward',
  'layerNormBackwardInput',
  'layerNormParamGradChunks',
]);
export const { layerNormRowsForward, layerNormRowsBackwardInput } = memoizedModule(layernormCpu, [
  'layerNormRowsForward',
  'layerNormRowsBackwardInput',
]);
export const { reduceRows, sumColumnChunks, sumColumns, sumColumnsOfSlots, scatterRowMax } = memoizedModule(reduce, [
  'reduceRows',
  'sumColumnChunks',
  'sumColumns',
  'sumColumnsOfSlots',
  'scatterRowMax',
]);
export const { rmsNormForward, rmsNormBackwardInput } = memoizedModule(rmsnorm, ['rmsNormForward', 'rmsNormBackwardInput']);
export const { selectPositionForward, selectPositionBackward } = memoizedModule(select, [
  'selectPositionForward',
  'selectPositionBackward',
]);
export const { softmaxForward, softmaxBackward } = memoizedModule(softmax, ['softmaxForward', 'softmaxBackward']);
export const { swapAxes } = memoizedModule(transpose, ['swapAxes']);

/** The matmul variants (kernels/matmul_variants.ts), each variant's generator memoized. */
export const matmulVariants = Object.fromEntries(
  Object.entries(matmul.matmulVariants).map(([v, variant]) => [
    v,
    { ...variant, kernel: memoized(variant.kernel, `matmulVariants[${v}]`) },
  ]),
) as unknown as typeof matmul.matmulVariants;

/** Matmul variant 5 (kernels/matmul_subgroup_matrix.ts), memoized like the others. */
export const matmulSubgroupMatrix = memoized(subgroupMatrix.matmulSubgroupMatrix, 'matmulSubgroupMatrix');
