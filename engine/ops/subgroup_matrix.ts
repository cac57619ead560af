// Whether f16 products (autocast's, --fp16) run on the GPU's matrix units: matmul variant 5,
// kernels/matmul_subgroup_matrix.ts, which engine/ops/matmul.ts launches for them when
// `subgroupMatrixOptions()` gives its options.
//
// Only where the adapter offers `chromium-experimental-subgroup-matrix` with an f16 → f32
// configuration, and only once the kernel has matched the f32 kernel (variant 3) on this device:
// `validateSubgroupMatrix` runs when the GPU opens (initGpu), before any product could use it, so
// every product of a run takes the same kernel. It runs the three products nn.Linear needs (NT
// with the bias, NN, TN) at odd sizes on operands exact in f16, inside a GPU error scope: a shader
// the driver rejects, or any element off by more than float32 summation-order noise, leaves the
// kernel unused and says so on stderr. ENGINE_SUBGROUP_MATRIX=0 turns it off.
import type { KernelLaunch } from '../../kernels/launch.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import { matmulVariants } from '../../kernels/matmul_variants.ts';
import {
  matmulSubgroupMatrix,
  pickSubgroupMatrixConfig,
  subgroupMatrixOptionsFor,
  type SubgroupMatrixOptions,
} from '../../kernels/matmul_subgroup_matrix.ts';
import { setting } from '../env.ts';
import { gpu } from '../gpu/device.ts';
import { beginScope } from '../gpu/memory.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor } from '../autograd/tensor.ts';

let validated: SubgroupMatrixOptions | null = null;

/** The validated variant-5 options for f16 products on this device, or null: use another kernel. */
export function subgroupMatrixOptions(): SubgroupMatrixOptions | null {
  return setting('ENGINE_SUBGROUP_MATRIX') === '0' ? null : validated;
}

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

/** Validates variant 5 with the adapter's f16 → f32 configuration, if it offers one (engine/index.ts's initGpu calls this). */
export async function validateSubgroupMatrix(): Promise<void> {
  const g = gpu();
  const config = pickSubgroupMatrixConfig(g.subgroupMatrixConfigs);
  if (!config || !g.features.has('shader-f16')) return;
  const options = subgroupMatrixOptionsFor(config, g.subgroupMaxSize);
  const problem = await checkSubgroupMatrix(options);
  if (problem === null) validated = options;
  else if (setting('ENGINE_QUIET') !== '1') {
    console.error(`[engine] subgroup-matrix matmul (${config.M}x${config.N}x${config.K} f16) not used: ${problem}`);
  }
}
