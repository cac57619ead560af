// Reports what the adapter offers: backend, limits, features, and the subgroup-matrix (tensor
// core) configurations that Dawn exposes when unsafe APIs are allowed. Prints JSON on stdout.
//   npx tsx bench/device/probe.ts [--out FILE]
import { writeFileSync } from 'node:fs';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);

const LIMITS = [
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const;

async function describe(flags: string[], options: GPURequestAdapterOptions) {
  const adapter = await create(flags).requestAdapter(options);
  if (!adapter) return null;
  const info = adapter.info as GPUAdapterInfo & { subgroupMatrixConfigs?: unknown[]; subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    flags,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
    subgroupMatrixConfigs: info.subgroupMatrixConfigs ?? [],
    features: [...(adapter.features as unknown as Iterable<string>)].sort(),
    limits: Object.fromEntries(LIMITS.map((name) => [name, adapter.limits[name]])),
  };
}

const report = {
  default: await describe([], { powerPreference: 'high-performance' }),
  // Unsafe APIs expose chromium-experimental-subgroup-matrix; the toggle lets NVIDIA's Vulkan
  // driver report shader-f16, which the f16 tensor-core configurations need.
  unsafe: await describe(['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'], { powerPreference: 'high-performance' }),
  opengl: await (async () => {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    return describe(['backend=opengl'], { featureLevel: 'compatibility' });
  })(),
};
const text = JSON.stringify(report, null, 2);
const outAt = process.argv.indexOf('--out');
if (outAt > 0) writeFileSync(process.argv[outAt + 1], `${text}\n`);
console.log(text);
process.exit(0);
