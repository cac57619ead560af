// Matmul variant 5 on this device: whether it may run, the options to try, and its check.
//
// Variant 5 (kernels/matmul_subgroup_matrix.ts) runs f16 products (autocast's, --fp16) on the
// GPU's matrix units where the adapter offers `chromium-experimental-subgroup-matrix` with an
// f16 → f32 configuration, and only where it earns it: `npm run tune` (tune/tuner.ts) makes it a
// candidate for each f16 product, validates it on the device against float64, times it side by
// side with variant 3 and keeps it for that product only when it is faster; engine/ops/matmul.ts
// launches it from that table. Nothing is checked when the GPU opens, so fp32 runs pay nothing;
// ENGINE_SUBGROUP_MATRIX=0 turns it off, table or not. A candidate that fails (a mismatch, or a
// shader the device rejects) is left out with one line and tuning goes on.
//
// Which spelling of the loads and stores this Dawn takes is found once, on the device, by
// compiling a small shader: the current one (a `row_major` template argument), else the older
// bool form (`subgroupMatrixSyntax`).
import type { KernelLaunch } from '../../kernels/launch.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { matmulVariants } from '../../kernels/matmul_variants.ts';
import {
  halfConfigs,
  matmulSubgroupMatrix,
  subgroupMatrixOptionsFor,
  type SubgroupMatrixOptions,
} from '../../kernels/matmul_subgroup_matrix.ts';
import { setting } from '../env.ts';
import { gpu } from '../gpu/device.ts';
import { beginScope } from '../gpu/memory.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';

/** Whether variant 5 may run: an f16 → f32 configuration, shader-f16, and not ENGINE_SUBGROUP_MATRIX=0. */
export function subgroupMatrixAvailable(): boolean {
  const g = gpu();
  return setting('ENGINE_SUBGROUP_MATRIX') !== '0' && g.features.has('shader-f16') && halfConfigs(g.subgroupMatrixConfigs).length > 0;
}

let syntax: Promise<SubgroupMatrixOptions['syntax'] | null> | undefined;

/**
 * The spelling of loads and stores this device's Dawn compiles without an error or a warning:
 * 'layout', else 'bool', else null (neither: variant 5 cannot run). Found once per process.
 */
export function subgroupMatrixSyntax(): Promise<SubgroupMatrixOptions['syntax'] | null> {
  syntax ??= (async () => {
    const g = gpu();
    const [config] = halfConfigs(g.subgroupMatrixConfigs);
    const probe: MatmulShape = { batch: 1, m: config.M, n: config.N, k: config.K, transA: false, transB: false, half: true };
    for (const form of ['layout', 'bool'] as const) {
      const { code } = matmulSubgroupMatrix(probe, subgroupMatrixOptionsFor(config, g.subgroupMaxSize, form));
      const info = await g.device.createShaderModule({ code }).getCompilationInfo();
      if (info.messages.every((m) => m.type === 'info')) return form;
    }
    return null;
  })();
  return syntax;
}

let candidates: SubgroupMatrixOptions[] | undefined;

/**
 * Variant-5 options to try for f16 products on this device: one per f16 → f32 configuration, in
 * the spelling this Dawn takes (none when unavailable). Found once; `subgroupMatrixCandidatesFound`
 * gives them to synchronous code afterwards.
 */
export async function subgroupMatrixCandidates(): Promise<SubgroupMatrixOptions[]> {
  if (!subgroupMatrixAvailable()) return [];
  if (candidates) return candidates;
  const form = await subgroupMatrixSyntax();
  if (!form && setting('ENGINE_QUIET') !== '1') {
    console.error('[engine] subgroup-matrix matmul not used: this Dawn compiles neither spelling of its loads and stores');
  }
  const g = gpu();
  candidates = form ? halfConfigs(g.subgroupMatrixConfigs).map((config) => subgroupMatrixOptionsFor(config, g.subgroupMaxSize, form)) : [];
  return candidates;
}

/** What `subgroupMatrixCandidates` found, if it ran and variant 5 is still allowed; else none. */
export const subgroupMatrixCandidatesFound = (): SubgroupMatrixOptions[] => (subgroupMatrixAvailable() ? (candidates ?? []) : []);

/** Values k/64 for integers k in [-64, 64]: exact in f16, and their products exact in f32. */
export const halfExactValues = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => ((((i + 1) * (seed * 2 + 7919)) % 129) - 64) / 64);

const CHECKS: MatmulShape[] = [
  { batch: 1, m: 37, n: 45, k: 70, transA: false, transB: true, bias: true, half: true },
  { batch: 1, m: 40, n: 33, k: 24, transA: false, transB: false, half: true },
  { batch: 1, m: 20, n: 36, k: 50, transA: true, transB: false, half: true },
];

/** C from `kernel` on the given operands (f16 tensors for variant 5, else f32). */
async function productOf(
  kernel: KernelLaunch,
  s: MatmulShape,
  a: Float32Array,
  b: Float32Array,
  bias: Float32Array,
  half: boolean,
): Promise<Float32Array> {
  const scope = beginScope();
  try {
    const operand = (x: Float32Array) => Tensor.fromArray(x, [x.length], half ? 'f16' : 'f32');
    const c = new Tensor([s.m * s.n]);
    launchOn(kernel, operand(a), operand(b), c, ...(s.bias ? [Tensor.fromArray(bias, [s.n])] : []));
    return await c.toFloat32();
  } finally {
    scope.end();
  }
}

/** Why `options` cannot be trusted on this device (a GPU error, or the worst disagreement), or null. */
export async function checkSubgroupMatrix(options: SubgroupMatrixOptions): Promise<string | null> {
  const { device } = gpu();
  for (const [i, s] of CHECKS.entries()) {
    const a = halfExactValues(s.m * s.k, 2 * i);
    const b = halfExactValues(s.k * s.n, 2 * i + 1);
    const bias = halfExactValues(s.n, 99);
    const expected = await productOf(matmulVariants[3].kernel({ ...s, half: false }), s, a, b, bias, false);
    device.pushErrorScope('validation');
    device.pushErrorScope('internal');
    const got = await productOf(matmulSubgroupMatrix(s, options), s, a, b, bias, true);
    const errors = [await device.popErrorScope(), await device.popErrorScope()].filter((e) => e !== null);
    if (errors.length > 0) return `GPU error: ${errors[0]!.message.trim().split('\n')[0]}`;
    let worst = 0;
    got.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected[j]) / Math.max(1, Math.abs(expected[j])))));
    if (!(worst <= 1e-3)) return `off by ${worst} (relative) from the f32 kernel on ${s.m}x${s.n}x${s.k}`;
  }
  return null;
}
