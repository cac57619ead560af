// The device (engine/gpu/device.ts): which adapters are CPU implementations, the limits the engine
// asks for, and the kernel class that ENGINE_KERNELS overrides, so that a CPU adapter runs the
// kernels a GPU gets.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { withSettings } from '../../engine/env.ts';
import { NEEDED_LIMITS, isCpuImplementation, kernelClass } from '../../engine/gpu/device.ts';
import { ADAMW_COST } from '../../kernels/adamw.ts';
import { SCALE_COST, SUM_SQUARES_COST } from '../../kernels/grad_norm.ts';
import { UNSCALE_COST } from '../../kernels/grad_scaler.ts';
import { slotsPerLaunch } from '../../kernels/multi_tensor.ts';

const info = (fields: Partial<GPUAdapterInfo>) =>
  ({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false, ...fields }) as GPUAdapterInfo;

test('CPU implementations are told from GPUs by the fallback flag, or by name where a backend sets none', () => {
  assert.ok(E.gpu().cpuImplementation, `${E.gpu().adapterName}: this machine has no GPU`);
  const cpu = [
    info({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', isFallbackAdapter: true }),
    info({ vendor: 'google', device: 'SwiftShader Device (LLVM 10.0.0)', isFallbackAdapter: true }),
    // Dawn's OpenGL backend on Mesa: no flag, no vendor.
    info({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 25.0.7' }),
    info({ vendor: 'microsoft', device: 'Microsoft Basic Render Driver' }),
  ];
  const gpus = [
    info({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 570.124.06' }),
    info({ vendor: 'intel', architecture: 'xe-lpg', device: 'Intel(R) Arc(tm) Graphics (MTL)' }),
  ];
  for (const i of cpu) assert.ok(isCpuImplementation(i), i.device);
  for (const i of gpus) assert.not.ok(isCpuImplementation(i), i.device);
});

test('the limits asked for are what the kernels need, capped by the adapter', () => {
  // A multi-tensor launch takes as many tensors at the requested storage-buffer limit as at any higher one.
  for (const cost of [ADAMW_COST, SUM_SQUARES_COST, SCALE_COST, UNSCALE_COST])
    assert.is(slotsPerLaunch(cost, NEEDED_LIMITS.maxStorageBuffersPerShaderStage), slotsPerLaunch(cost, 1 << 20));
  const { limits } = E.gpu();
  for (const [name, needed] of Object.entries(NEEDED_LIMITS)) {
    const got = limits[name as keyof typeof NEEDED_LIMITS];
    // Every default is within what the engine needs, so the device has at most that.
    assert.ok(got > 0 && got <= needed, `${name}: ${got} (needed ${needed})`);
  }
});

test("ENGINE_KERNELS overrides the adapter's class for every kernel choice: matmul variant, attention's form, layer norm's threads", () => {
  const unset = { ENGINE_MATMUL: undefined, ENGINE_ATTENTION: undefined };
  // K too short to split: blocked on a GPU, not split-K.
  const SMALL_PRODUCT = { batch: 1, m: 8, n: 8, k: 8, transA: false, transB: false };
  const choices = () => [
    kernelClass(),
    E.opsMatmulVariant(SMALL_PRODUCT),
    E.defaultAttentionForm(),
    E.layerNormWorkgroupSize('layernorm', 128, 768),
  ];
  withSettings({ ...unset, ENGINE_KERNELS: undefined }, () => assert.equal(choices(), ['software', 4, 'cpu', 1]));
  withSettings({ ...unset, ENGINE_KERNELS: 'software' }, () => assert.equal(choices(), ['software', 4, 'cpu', 1]));
  withSettings({ ...unset, ENGINE_KERNELS: 'gpu' }, () => {
    const [cls, variant, form, threads] = choices();
    assert.equal([cls, variant, form], ['gpu', 3, 'blocks']);
    assert.ok((threads as number) > 1, `a workgroup per 768-wide row, got ${threads} threads`);
  });
});

test.run();
