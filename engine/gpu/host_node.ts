// The engine's host in Node (see engine/gpu/host.ts): Dawn through the `webgpu` package.
//
// A real adapter comes first (Dawn's default backend: Vulkan, Metal or D3D12). Only when there is
// none do we fall back to Dawn's OpenGL backend in compatibility mode, which on a machine without
// a GPU runs on Mesa's llvmpipe (a multithreaded CPU rasteriser). Dawn's unsafe APIs are allowed
// so that GPUs with matrix units offer `chromium-experimental-subgroup-matrix`
// (kernels/matmul_subgroup_matrix.ts), and NVIDIA's Vulkan driver `shader-f16`, which Dawn
// otherwise withholds there and the f16 configurations need.
//
// Waiting. While any GPU promise is pending (a readback, onSubmittedWorkDone), Dawn's Node bindings
// poll for its completion by calling the global setImmediate in a loop: a busy main thread. On a
// GPU that costs an idle CPU core; on a CPU adapter it takes a core from the rasteriser doing the
// work (on 2 cores, measured ~30% off lavapipe's steps). So on a CPU adapter (whatever kernels
// ENGINE_KERNELS picks) the engine turns the bindings' polls into 1 ms timers (`pollGently`;
// setImmediate from JavaScript is left alone).
//
// Tuned kernel tables are JSON files in the user's cache folder, `$XDG_CACHE_HOME/wgsl-distilbert/`
// (else `~/.cache/wgsl-distilbert/`), named after the adapter.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create, globals } from 'webgpu';
import { withoutLimitWarnings } from './dawn_warnings.ts';
import type { GpuHost } from './host.ts';

// GPUBufferUsage, GPUMapMode, … as in a browser.
Object.assign(globalThis, globals);

// Dawn rounds timestamps to 100 µs unless told otherwise, too coarse to time one kernel.
const DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization', 'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'];

// Dawn runs only while its instance is referenced; `close` drops it so the process can exit.
// biome-ignore lint/correctness/noUnusedVariables: written, never read: holding the reference is its job.
let instance: GPU | undefined;

/**
 * Whether Vulkan's loader may be there: libvulkan.so.1 in a folder on LD_LIBRARY_PATH or in
 * ldconfig's cache, or ldconfig cannot tell (missing, failing): then Dawn tries.
 */
function mayHaveVulkanLoader(): boolean {
  const onLibraryPath = (process.env.LD_LIBRARY_PATH ?? '')
    .split(':')
    .some((dir) => dir !== '' && fs.existsSync(path.join(dir, 'libvulkan.so.1')));
  if (onLibraryPath) return true;
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('libvulkan.so.1');
    } catch {}
  }
  return true;
}

const immediate = globalThis.setImmediate;
const isNative = (fn: unknown) => typeof fn === 'function' && Function.prototype.toString.call(fn).includes('[native code]');

/** Routes the bindings' setImmediate polls (native callbacks) through 1 ms timers (see "Waiting" above). */
function pollGently(): void {
  globalThis.setImmediate = Object.assign(
    (callback: (...args: unknown[]) => void, ...args: unknown[]) =>
      isNative(callback) ? setTimeout(callback, 1, ...args) : immediate(callback, ...args),
    { __promisify__: immediate.__promisify__ },
  ) as typeof setImmediate;
}

/** Where tables live: $XDG_CACHE_HOME/wgsl-distilbert, else ~/.cache/wgsl-distilbert. */
export function tuningFolder(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'wgsl-distilbert');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const host: GpuHost = {
  async requestAdapter(forced) {
    // On Linux, Dawn's only GPU backend is Vulkan: without its loader, asking would only print a
    // warning before we fall back anyway.
    if (forced === 'gpu' || (forced !== 'opengl' && (process.platform !== 'linux' || mayHaveVulkanLoader()))) {
      const vulkan = create(DAWN_FLAGS);
      instance = vulkan;
      const adapter = await withoutLimitWarnings(() => vulkan.requestAdapter({ powerPreference: 'high-performance' }));
      if (adapter) return { adapter, backend: 'gpu' };
      if (forced === 'gpu') throw new Error('ENGINE_BACKEND=gpu, but Dawn found no GPU adapter (Vulkan, Metal, D3D12)');
    }
    // Mesa's EGL on a machine without a display.
    process.env.EGL_PLATFORM = 'surfaceless';
    const opengl = create(['backend=opengl', ...DAWN_FLAGS]);
    instance = opengl;
    const adapter = await withoutLimitWarnings(() => opengl.requestAdapter({ featureLevel: 'compatibility' }));
    if (!adapter)
      throw new Error('no WebGPU adapter: no GPU, and no OpenGL fallback (install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)');
    return { adapter, backend: 'opengl' };
  },
  backendName(info, backend) {
    if (backend === 'opengl') return 'opengl';
    const backendType = (info as unknown as { backendType?: string }).backendType;
    if (backendType) return backendType.toLowerCase();
    return process.platform === 'darwin' ? 'metal' : process.platform === 'win32' ? 'd3d12' : 'vulkan';
  },
  opened(cpuImplementation) {
    if (cpuImplementation) pollGently();
  },
  close() {
    instance = undefined;
  },
  tuningTables: {
    location(identity) {
      const readable = [identity.vendor, identity.device, identity.backend]
        .filter(Boolean)
        .join('-')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      return path.join(tuningFolder(), `tune-${readable || 'adapter'}-${sha256(JSON.stringify(identity))}.json`);
    },
    read: (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined),
    write(file, text) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(partial, text);
      fs.renameSync(partial, file);
    },
  },
  hash: sha256,
};
