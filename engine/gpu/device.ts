// Opens the GPU once for the whole program, through its host (engine/gpu/host.ts): Dawn in Node,
// navigator.gpu in a page. ENGINE_BACKEND=gpu|opengl forces Dawn's backend; ENGINE_BACKEND=gpu
// also refuses a CPU implementation (lavapipe or SwiftShader through Vulkan: what Dawn finds when
// the GPU's own driver is missing), and the line the engine prints about its adapter says "CPU
// implementation" whenever it is one. Each limit the kernels depend on is requested at what they
// need, capped by what the adapter offers (compatibility defaults are tiny: 128 invocations per
// workgroup); optional features are taken when offered, never required.
//
// Kernel class. Kernels and their constants are chosen for the class of the adapter: a GPU, or a
// CPU implementation ("software": one workgroup per CPU thread, its invocations in SIMD lanes).
// ENGINE_KERNELS=gpu|software overrides the class (`kernelClass`), so that a CPU adapter runs
// exactly the kernels a discrete GPU would get (test/run.ts runs a pass of tests so).
//
// GPU errors are asynchronous: validation errors, shader compile errors and device loss are
// recorded when the GPU reports them and rethrown, as one readable Error, at the next point where
// the engine waits on the GPU (see `throwIfGpuFailed`).
import { host } from '#gpu-host';
import { setting } from '../env.ts';
import type { SubgroupMatrixConfig } from '../../kernels/matmul_subgroup_matrix.ts';

export interface Gpu {
  device: GPUDevice;
  /** "NVIDIA H100 (vulkan)" or "llvmpipe (opengl, compatibility)": what we run on, in words. */
  adapterName: string;
  backend: 'gpu' | 'opengl';
  /** Who made the adapter and its driver: what a tuned kernel table is keyed by (engine/gpu/tuning.ts). */
  identity: AdapterIdentity;
  /** A CPU implementation of WebGPU rather than a GPU (`isCpuImplementation`). */
  cpuImplementation: boolean;
  features: ReadonlySet<string>;
  limits: GPUSupportedLimits;
  /** The adapter's largest subgroup (0 without subgroups). */
  subgroupMaxSize: number;
  /** The matrix shapes and types of `chromium-experimental-subgroup-matrix` (empty without it). */
  subgroupMatrixConfigs: readonly SubgroupMatrixConfig[];
}

export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  device: string;
  /** The driver, in the adapter's words (e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)"). */
  description: string;
  /** Dawn's backend: vulkan, metal, d3d12 or opengl. */
  backend: string;
}

const SUBGROUP_MATRIX = 'chromium-experimental-subgroup-matrix';
const OPTIONAL_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups', SUBGROUP_MATRIX] as GPUFeatureName[];

/**
 * The limits kernels depend on, at what they need; each is requested capped by the adapter's own.
 * Infinity: all the adapter offers (the model's size decides what is used).
 */
export const NEEDED_LIMITS = {
  // Layer norm's row workgroups, up to the 1024 threads npm run tune tries.
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupSizeY: 1024,
  maxComputeWorkgroupSizeZ: 64,
  // Matmul and attention tiles (the tuner keeps its candidates within the device's).
  maxComputeWorkgroupStorageSize: 32768,
  maxComputeWorkgroupsPerDimension: 65535,
  // A multi-tensor launch binds as many tensors as its 64 uniform scalars allow: at most 34
  // (kernels/multi_tensor.ts); test/engine/device.test.ts keeps this enough.
  maxStorageBuffersPerShaderStage: 64,
  // The largest tensors: the embedding table, the FFN's activations, attention's scores.
  maxStorageBufferBindingSize: Infinity,
  maxBufferSize: Infinity,
  maxUniformBufferBindingSize: 65536,
} as const;

let opened: Gpu | undefined;
let opening: Promise<Gpu> | undefined;
let gpuFailure: Error | undefined;

/**
 * Opens the GPU (once) and returns it. Programs call engine/index.ts's `initGpu`, which also
 * validates what must be checked on the device before use.
 */
export function openDevice(): Promise<Gpu> {
  opening ??= openGpu().then((g) => {
    opened = g;
    host.opened(g.cpuImplementation);
    return g;
  });
  return opening;
}

/** The opened GPU, for synchronous code paths (ops, tensors). */
export function gpu(): Gpu {
  if (!opened) throw new Error('the GPU is not open yet: call `await initGpu()` before creating tensors');
  throwIfGpuFailed();
  return opened;
}

/** A class of adapter, as kernels and their constants are chosen for: a GPU, or a CPU implementation ("software"). */
export type KernelClass = 'gpu' | 'software';

/**
 * The class of adapter that kernels and their constants are chosen for: ENGINE_KERNELS when set,
 * else the adapter's own ("software" for a CPU implementation, else "gpu").
 */
export function kernelClass(): KernelClass {
  return setting('ENGINE_KERNELS') ?? (gpu().cpuImplementation ? 'software' : 'gpu');
}

/**
 * Whether an adapter is a CPU implementation of WebGPU rather than a GPU. Dawn flags CPU Vulkan
 * devices (lavapipe, SwiftShader) as `isFallbackAdapter`; through OpenGL, Mesa's llvmpipe (and
 * softpipe) report no flag, vendor or architecture, only their name; on D3D12, Microsoft's WARP
 * ("Microsoft Basic Render Driver") is the CPU one.
 */
export function isCpuImplementation(info: GPUAdapterInfo): boolean {
  const name = `${info.device} ${info.description}`;
  return info.isFallbackAdapter === true || /llvmpipe|softpipe|lavapipe|swiftshader|basic render driver/i.test(name);
}

/** The adapter in words: vendor, architecture, device and driver, as far as it says. */
const adapterWords = (info: GPUAdapterInfo) =>
  [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(', ') || 'unknown adapter';

/**
 * Whether kernels reduce rows with subgroup operations (kernels/row_reduce.ts): when the device has
 * the `subgroups` feature, unless ENGINE_SUBGROUPS=0 forces the workgroup-memory trees (the tests
 * run both paths on one adapter). ENGINE_SUBGROUPS=1 insists, and fails on an adapter without them.
 */
export function subgroupsEnabled(): boolean {
  const forced = setting('ENGINE_SUBGROUPS');
  const offered = gpu().features.has('subgroups');
  if (forced === '1' && !offered) throw new Error(`ENGINE_SUBGROUPS=1, but ${gpu().adapterName} has no subgroups`);
  return offered && forced !== '0';
}

/** Rethrows the first asynchronous GPU error (validation, compilation, device loss), once. */
export function throwIfGpuFailed(): void {
  if (gpuFailure) {
    const err = gpuFailure;
    gpuFailure = undefined;
    throw err;
  }
}

/** Records an asynchronous GPU failure, to be thrown at the next `throwIfGpuFailed` (the first one wins). */
export function reportGpuFailure(error: Error): void {
  gpuFailure ??= error;
}

/** Releases the device so that Node can exit. */
export function closeGpu(): void {
  opened?.device.destroy();
  opened = undefined;
  opening = undefined;
  host.close();
}

async function openGpu(): Promise<Gpu> {
  const forced = setting('ENGINE_BACKEND');
  const { adapter, backend } = await host.requestAdapter(forced);
  if (forced === 'gpu' && isCpuImplementation(adapter.info)) {
    throw new Error(
      `ENGINE_BACKEND=gpu, but the only adapter found, ${adapterWords(adapter.info)}, is a CPU implementation: is the GPU's driver installed (for Vulkan, VK_DRIVER_FILES)?`,
    );
  }

  const requiredLimits: Record<string, number> = {};
  for (const [name, needed] of Object.entries(NEEDED_LIMITS))
    requiredLimits[name] = Math.min(needed, adapter.limits[name as keyof typeof NEEDED_LIMITS]);
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });

  device.addEventListener('uncapturederror', (event) => {
    const message = (event as GPUUncapturedErrorEvent).error.message.trim();
    // Errors "due to a previous error" are echoes of one already reported.
    if (!message.includes('due to a previous error')) gpuFailure ??= new Error(`GPU error: ${message}`);
  });
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') gpuFailure ??= new Error(`GPU device lost: ${info.message}`);
  });

  const info = adapter.info;
  const backendName = host.backendName(info, backend);
  const adapterName = `${adapterWords(info)} (${backend === 'opengl' ? 'opengl, compatibility' : backendName})`;
  const cpuImplementation = isCpuImplementation(info);
  if (setting('ENGINE_QUIET') !== '1') {
    console.error(
      `[engine] ${cpuImplementation ? `adapter: ${adapterName}, a CPU implementation of WebGPU (no GPU)` : `GPU adapter: ${adapterName}`}`,
    );
  }
  const identity = {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    backend: backendName,
  };
  const features = new Set(device.features as unknown as Iterable<string>);
  const subgroupInfo = info as GPUAdapterInfo & { subgroupMaxSize?: number; subgroupMatrixConfigs?: readonly SubgroupMatrixConfig[] };
  return {
    device,
    adapterName,
    backend,
    identity,
    cpuImplementation,
    features,
    limits: device.limits,
    subgroupMaxSize: features.has('subgroups') ? (subgroupInfo.subgroupMaxSize ?? 0) : 0,
    // Plain copies: Dawn's config objects keep their fields as getters, invisible to Object.entries.
    subgroupMatrixConfigs: features.has(SUBGROUP_MATRIX)
      ? (subgroupInfo.subgroupMatrixConfigs ?? []).map(({ componentType, resultComponentType, M, N, K }) => ({
          componentType,
          resultComponentType,
          M,
          N,
          K,
        }))
      : [],
  };
}
