// Matmul variant 5 (kernels/matmul_subgroup_matrix.ts) where it cannot run: lavapipe and llvmpipe
// offer no subgroup matrices. Checked here: the WGSL it generates for the configurations NVIDIA,
// Apple and Intel report (Dawn's null backend compiles it: test/engine/kernel_compile.test.ts);
// its tiling, staging (vec4 and scalar) and epilogue, with several subgroups per workgroup, run
// with plain-WGSL stand-ins for the matrix operations (`emulated`) against float64; the engine's
// check, which accepts the emulated kernel and refuses one the device rejects; and that without
// matrix units (or with ENGINE_SUBGROUP_MATRIX=0) nothing is offered and f16 products keep the
// other kernels. The GPU kit's tune and bench run the real kernel.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withSettings } from '../../engine/env.ts';
import * as E from '../../engine/index.ts';
import { launchOn } from '../../engine/autograd/launch_on.ts';
import {
  checkSubgroupMatrix,
  halfExactValues,
  subgroupMatrixAvailable,
  subgroupMatrixCandidates,
} from '../../engine/ops/subgroup_matrix.ts';
import type { MatmulShape } from '../../kernels/matmul.ts';
import {
  halfConfigs,
  matmulSubgroupMatrix,
  subgroupMatrixOptionsFor,
  type SubgroupMatrixConfig,
  type SubgroupMatrixOptions,
} from '../../kernels/matmul_subgroup_matrix.ts';
import { assertClose, scopedAsync } from '../../reference/check.ts';
import { matmul as matmulRef } from '../../reference/float64.ts';
import { gpuInfo } from '../support/setup.ts';

const f16 = (M: number, N: number, K: number): SubgroupMatrixConfig => ({ componentType: 'f16', resultComponentType: 'f32', M, N, K });
// NVIDIA (tensor cores, subgroups of 32: square and not), Apple (simdgroup matrices, 32), Intel (XMX, 16).
const REPORTED: [string, SubgroupMatrixConfig, number][] = [
  ['NVIDIA', f16(16, 16, 16), 32],
  ['NVIDIA', f16(16, 8, 16), 32],
  ['Apple', f16(8, 8, 8), 32],
  ['Intel', f16(8, 16, 16), 16],
];

for (const [vendor, config, subgroupSize] of REPORTED) {
  test(`variant 5 WGSL for ${vendor}'s ${config.M}x${config.N}x${config.K} f16 -> f32 in every layout`, () => {
    const o = subgroupMatrixOptionsFor(config, subgroupSize);
    const codes = new Set<string>();
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const { code, workgroups } = matmulSubgroupMatrix({ batch: 2, m: 100, n: 70, k: 50, transA, transB, bias: true }, o);
        codes.add(code);
        assert.ok(code.startsWith('enable f16;\nenable subgroups;\nenable chromium_experimental_subgroup_matrix;\n'), 'enables');
        // Dawn's matrix types take columns, then rows.
        assert.ok(code.includes(`alias Left = subgroup_matrix_left<f16, ${config.K}, ${config.M}>;`), 'left is M x K');
        assert.ok(code.includes(`alias Right = subgroup_matrix_right<f16, ${config.N}, ${config.K}>;`), 'right is K x N');
        assert.ok(code.includes(`alias Result = subgroup_matrix_result<f32, ${config.N}, ${config.M}>;`), 'result is M x N');
        assert.ok(code.includes('subgroupMatrixLoad<Left, row_major>(&aTile, offset, TILE_K)'), 'the current spelling');
        assert.ok(code.includes('subgroupMatrixStore<row_major>(&cTile, offset, value, TILE_N)'));
        assert.ok(code.includes(`@workgroup_size(${4 * subgroupSize})`) && code.includes('@builtin(subgroup_id)'), 'four subgroups');
        const accumulates = code.match(/= multiplyAccumulate\(/g)?.length;
        assert.is(accumulates, o.tilesM * o.tilesN * o.kSteps, 'one multiply-accumulate per result matrix and K step');
        const [tileM, tileN] = [2 * o.tilesM * config.M, 2 * o.tilesN * config.N];
        assert.equal([tileM, tileN], [64, 64]);
        assert.equal(workgroups, [Math.ceil(70 / tileN), Math.ceil(100 / tileM), 2]);
      }
    }
    assert.is(codes.size, 4, 'each layout has its own loads');
  });
}

test("variant 5's older spelling, for Dawn builds without the layout argument", () => {
  const { code, name } = matmulSubgroupMatrix(
    { batch: 1, m: 64, n: 64, k: 64, transA: false, transB: false },
    subgroupMatrixOptionsFor(f16(8, 8, 8), 32, 'bool'),
  );
  assert.ok(code.includes('subgroupMatrixLoad<Left>(&aTile, offset, false, TILE_K)'));
  assert.ok(code.includes('subgroupMatrixStore(&cTile, offset, value, false, TILE_N)'));
  assert.match(name, /_bool$/);
});

test('variant 5 takes the f16 -> f32 configurations and refuses other options', () => {
  const configs = [{ ...f16(8, 8, 8), componentType: 'f32' }, f16(8, 8, 8), { ...f16(16, 16, 16), resultComponentType: 'f16' }];
  assert.equal(halfConfigs(configs), [f16(8, 8, 8)]);
  const shape: MatmulShape = { batch: 1, m: 8, n: 8, k: 8, transA: false, transB: false };
  assert.throws(() => matmulSubgroupMatrix(shape, subgroupMatrixOptionsFor(configs[0], 32)), /the config must take f16 and give f32/);
  const o = subgroupMatrixOptionsFor(f16(8, 8, 8), 32);
  assert.throws(() => matmulSubgroupMatrix(shape, { ...o, subgroupsN: 0 }), /subgroupsN must be a positive integer/);
  assert.throws(() => matmulSubgroupMatrix({ ...shape, gelu: true }, o), /no GELU epilogue/);
});

test('this adapter offers no subgroup matrices: nothing to try, and f16 products keep the other kernels', async () => {
  assert.is(gpuInfo.subgroupMatrixConfigs.length, 0);
  assert.is(subgroupMatrixAvailable(), false);
  assert.equal(await subgroupMatrixCandidates(), []);
  const { name } = E.matmulKernel({ batch: 1, m: 64, n: 64, k: 64, transA: false, transB: true, half: true });
  assert.not.match(name, /subgroup_matrix/);
});

if (gpuInfo.features.has('shader-f16')) {
  // Emulated matrices compile slowly on lavapipe (each thread holds whole matrices): few blocks,
  // small emulated subgroups.
  const emulated = (config: SubgroupMatrixConfig, o: Partial<SubgroupMatrixOptions>): SubgroupMatrixOptions => ({
    ...subgroupMatrixOptionsFor(config, 8),
    subgroupsM: 1,
    subgroupsN: 1,
    tilesM: 1,
    tilesN: 1,
    kSteps: 1,
    ...o,
    emulated: true,
  });

  test("variant 5 with emulated 8x16x16 matrices passes the engine's check (NT + bias, NN, TN)", async () => {
    assert.is(await checkSubgroupMatrix(emulated(f16(8, 16, 16), { subgroupsN: 2 })), null);
  });

  for (const [what, s] of [
    [
      'vec4 staging (K and M multiples of 4), a batch with a shared B, transposed',
      { batch: 3, m: 20, n: 21, k: 36, transA: true, transB: true, sharedB: true },
    ],
    ['scalar staging (odd sizes), a batch', { batch: 2, m: 19, n: 23, k: 35, transA: false, transB: false }],
  ] as [string, MatmulShape][]) {
    test(`variant 5 with emulated 8x8x8 matrices, 2 x 2 subgroups, 2 K steps: ${what}, against float64`, async () => {
      const a = halfExactValues(s.batch * s.m * s.k, 5);
      const bCount = (s.sharedB ? 1 : s.batch) * s.n * s.k;
      const b = halfExactValues(bCount, 6);
      const got = await scopedAsync(async () => {
        const c = new E.Tensor([s.batch * s.m * s.n]);
        launchOn(
          matmulSubgroupMatrix(s, emulated(f16(8, 8, 8), { subgroupsM: 2, subgroupsN: 2, kSteps: 2 })),
          E.Tensor.fromArray(a, [a.length], 'f16'),
          E.Tensor.fromArray(b, [b.length], 'f16'),
          c,
        );
        return c.toFloat32();
      });
      const bFull = Float64Array.from({ length: s.batch * s.n * s.k }, (_, i) => b[i % bCount]);
      assertClose(got, matmulRef(Float64Array.from(a), bFull, s.batch, s.m, s.k, s.n, s.transA, s.transB), 1e-5, 1e-5, 'C');
    });
  }

  test('the engine refuses variant 5 when the device rejects it, naming the error, and the device stays usable', async () => {
    const problem = await checkSubgroupMatrix(subgroupMatrixOptionsFor(f16(8, 8, 8), 32));
    assert.match(problem ?? '', /^GPU error: /);
    await scopedAsync(async () => assert.equal(await E.Tensor.fromArray([1, 2], [2]).toFloat32(), Float32Array.of(1, 2)));
  });
}

test('ENGINE_SUBGROUP_MATRIX accepts 0 or 1 only', () => {
  withSettings({ ENGINE_SUBGROUP_MATRIX: 'on' }, () =>
    assert.throws(() => subgroupMatrixAvailable(), /ENGINE_SUBGROUP_MATRIX must be 0 or 1, not "on"/),
  );
});

test.run();
