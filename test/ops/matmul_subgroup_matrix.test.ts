// Matmul variant 5 (kernels/matmul_subgroup_matrix.ts) where it cannot run: lavapipe and llvmpipe
// offer no subgroup matrices. Checked here: the WGSL it generates for the configurations NVIDIA,
// Apple and Intel report; its tiling, staging and epilogue, run with plain-WGSL stand-ins for the
// matrix operations (`emulated`) against float64; and the engine's validation (engine/
// subgroup_matrix.ts), which accepts the emulated kernel, refuses one the device rejects, and
// leaves the ops on the f32 kernels of this adapter. The GPU kit's bench runs the real kernel.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withSettings } from '../../engine/env.ts';
import * as E from '../../engine/index.ts';
import { launchOn } from '../../engine/autograd/launch_on.ts';
import { checkSubgroupMatrix, halfExactValues, subgroupMatrixOptions } from '../../engine/ops/subgroup_matrix.ts';
import {
  matmulSubgroupMatrix,
  pickSubgroupMatrixConfig,
  subgroupMatrixOptionsFor,
  type SubgroupMatrixConfig,
} from '../../kernels/matmul_subgroup_matrix.ts';
import { assertClose, scopedAsync } from '../../reference/check.ts';
import { matmul as matmulRef } from '../../reference/float64.ts';
import { gpuInfo } from '../support/setup.ts';

const f16 = (M: number, N: number, K: number): SubgroupMatrixConfig => ({ componentType: 'f16', resultComponentType: 'f32', M, N, K });
// NVIDIA (tensor cores, subgroups of 32), Apple (simdgroup matrices, 32), Intel (XMX, 8 or 16).
const REPORTED: [string, SubgroupMatrixConfig, number][] = [
  ['NVIDIA', f16(16, 16, 16), 32],
  ['Apple', f16(8, 8, 8), 32],
  ['Intel', f16(8, 16, 16), 16],
];

for (const [vendor, config, subgroupSize] of REPORTED) {
  test(`variant 5 WGSL for ${vendor}'s ${config.M}x${config.N}x${config.K} f16 -> f32 in every layout`, () => {
    const options = subgroupMatrixOptionsFor(config, subgroupSize);
    const codes = new Set<string>();
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const { code, workgroups } = matmulSubgroupMatrix({ batch: 2, m: 100, n: 70, k: 50, transA, transB, bias: true }, options);
        codes.add(code);
        assert.ok(code.startsWith('enable f16;\nenable chromium_experimental_subgroup_matrix;\n'), 'enables');
        assert.ok(code.includes(`alias Left = subgroup_matrix_left<f16, ${config.K}, ${config.M}>;`), 'left is M x K');
        assert.ok(code.includes(`alias Right = subgroup_matrix_right<f16, ${config.N}, ${config.K}>;`), 'right is K x N');
        assert.ok(code.includes(`alias Result = subgroup_matrix_result<f32, ${config.N}, ${config.M}>;`), 'result is M x N');
        assert.ok(code.includes(`@workgroup_size(${subgroupSize})`), 'one subgroup per workgroup');
        const accumulates = code.match(/= multiplyAccumulate\(/g)?.length;
        assert.is(accumulates, options.tilesM * options.tilesN * options.kSteps, 'one multiply-accumulate per result matrix and K step');
        assert.equal(workgroups, [Math.ceil(70 / (options.tilesN * config.N)), Math.ceil(100 / (options.tilesM * config.M)), 2]);
      }
    }
    assert.is(codes.size, 4, 'each layout has its own loads');
  });
}

test('variant 5 takes the first f16 -> f32 configuration and refuses others', () => {
  const configs = [{ ...f16(8, 8, 8), componentType: 'f32' }, f16(8, 8, 8), f16(16, 16, 16)];
  assert.equal(pickSubgroupMatrixConfig(configs), f16(8, 8, 8));
  assert.is(pickSubgroupMatrixConfig([{ ...f16(8, 8, 8), resultComponentType: 'f16' }]), undefined);
  const shape = { batch: 1, m: 8, n: 8, k: 8, transA: false, transB: false };
  assert.throws(() => matmulSubgroupMatrix(shape, subgroupMatrixOptionsFor(configs[0], 32)), /the config must take f16 and give f32/);
  assert.throws(
    () => matmulSubgroupMatrix(shape, { ...subgroupMatrixOptionsFor(f16(8, 8, 8), 32), tilesM: 0 }),
    /tilesM must be a positive integer/,
  );
});

test('this adapter offers no subgroup matrices, so f16 products keep the other kernels', () => {
  assert.is(gpuInfo.subgroupMatrixConfigs.length, 0);
  assert.is(subgroupMatrixOptions(), null);
  const { name } = E.matmulKernel({ batch: 1, m: 64, n: 64, k: 64, transA: false, transB: true, half: true });
  assert.not.match(name, /subgroup_matrix/);
});

if (gpuInfo.features.has('shader-f16')) {
  // Emulated matrices compile slowly on lavapipe (each thread holds whole matrices): few blocks.
  const emulated = (config: SubgroupMatrixConfig, tilesM: number, tilesN: number, kSteps: number) => ({
    ...subgroupMatrixOptionsFor(config, 32),
    tilesM,
    tilesN,
    kSteps,
    emulated: true,
  });

  test("variant 5 with emulated 8x16x16 matrices passes the engine's validation (NT + bias, NN, TN)", async () => {
    assert.is(await checkSubgroupMatrix(emulated(f16(8, 16, 16), 1, 1, 1)), null);
  });

  test('variant 5 with emulated 8x8x8 matrices, 2 along M and 2 K steps per tile: a batch with a shared B, transposed, against float64', async () => {
    const s = { batch: 3, m: 19, n: 21, k: 35, transA: true, transB: true, sharedB: true };
    const a = halfExactValues(s.batch * s.m * s.k, 5);
    const b = halfExactValues(s.n * s.k, 6);
    const got = await scopedAsync(async () => {
      const c = new E.Tensor([s.batch * s.m * s.n]);
      launchOn(
        matmulSubgroupMatrix(s, emulated(f16(8, 8, 8), 2, 1, 2)),
        E.Tensor.fromArray(a, [a.length], 'f16'),
        E.Tensor.fromArray(b, [b.length], 'f16'),
        c,
      );
      return c.toFloat32();
    });
    const shared = Float64Array.from({ length: s.batch * b.length }, (_, i) => b[i % b.length]);
    assertClose(got, matmulRef(Float64Array.from(a), shared, s.batch, s.m, s.k, s.n, true, true), 1e-5, 1e-5, 'C');
  });

  test('the engine refuses variant 5 when the device rejects it, naming the error, and the device stays usable', async () => {
    const problem = await checkSubgroupMatrix(subgroupMatrixOptionsFor(f16(8, 8, 8), 32));
    assert.match(problem ?? '', /^GPU error: /);
    await scopedAsync(async () => assert.equal(await E.Tensor.fromArray([1, 2], [2]).toFloat32(), Float32Array.of(1, 2)));
  });
}

test('ENGINE_SUBGROUP_MATRIX accepts 0 or 1 only', () => {
  withSettings({ ENGINE_SUBGROUP_MATRIX: 'on' }, () =>
    assert.throws(() => subgroupMatrixOptions(), /ENGINE_SUBGROUP_MATRIX must be 0 or 1, not "on"/),
  );
});

test.run();
