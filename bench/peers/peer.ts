// What the benchmark asks of another WebGPU library it compares matmuls with, and the browser
// globals those libraries look for under Node.
//
// Each peer gets its own GPUDevice from a fresh Dawn instance on the same adapter the engine
// uses (same backend flags; compatibility mode on OpenGL/llvmpipe), so a peer's errors cannot
// disturb the engine's device. Peers are timed by wall clock: issue the product, then wait until
// the GPU is done, the one clock all three libraries share.
import { create } from 'webgpu';
import { gpu } from '../../engine/index.ts';

export interface PeerProduct {
  /** Issues one n×n·n×n product. */
  run: () => void;
  /** Resolves when every product issued so far has finished on the GPU. */
  wait: () => Promise<void>;
  release: () => void;
}

export interface MatmulPeer {
  name: string;
  /** C = A·B of row-major A [m, k] and B [k, n], read back (for validation). */
  multiply: (a: Float32Array<ArrayBuffer>, b: Float32Array<ArrayBuffer>, m: number, k: number, n: number) => Promise<Float32Array>;
  /** Random square operands of size n, ready to multiply repeatedly. */
  prepare: (n: number) => Promise<PeerProduct>;
  close: () => void;
}

let installed: GPU | undefined;

/**
 * Sets `navigator.userAgent` and `navigator.gpu` (once), with requestAdapter asking for the same
 * kind of adapter the engine opened.
 */
export function installNavigator(): GPU {
  if (installed) return installed;
  const opengl = gpu().backend === 'opengl';
  const instance = create(opengl ? ['backend=opengl'] : []);
  const requestAdapter = instance.requestAdapter.bind(instance);
  const options = (o?: GPURequestAdapterOptions): GPURequestAdapterOptions =>
    opengl ? { ...o, featureLevel: 'compatibility' } : { powerPreference: 'high-performance', ...o };
  Object.defineProperty(instance, 'requestAdapter', { value: (o?: GPURequestAdapterOptions) => requestAdapter(options(o)) });
  const nav = { userAgent: `Node.js/${process.versions.node}`, gpu: instance, hardwareConcurrency: 1 };
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  installed = instance;
  return instance;
}

/** A device on the peer adapter with the adapter's own limits (compatibility defaults are tiny). */
export async function peerDevice(): Promise<{ device: GPUDevice; info: GPUAdapterInfo }> {
  const adapter = await installNavigator().requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter for the peer');
  const names = [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
  ] as const;
  const requiredLimits = Object.fromEntries(names.map((n) => [n, adapter.limits[n]]));
  const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  return { device: await adapter.requestDevice({ requiredLimits, requiredFeatures }), info: adapter.info };
}
