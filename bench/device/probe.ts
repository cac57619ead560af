// Reports what the adapter offers: backend, limits, features, the subgroup-matrix (tensor core)
// configurations that Dawn exposes when unsafe APIs are allowed, and what its f32 -> f16
// conversion does past f16's range (WGSL leaves that to the implementation; kernels/cast.ts does
// not rely on it). Prints JSON on stdout. With --gpu-only it then exits with status 3 and one line
// on stderr when the adapter the engine would open is a CPU implementation (as the engine judges:
// `isCpuImplementation`, lavapipe, SwiftShader, llvmpipe) or there is none: the device kit stops
// there rather than time a CPU as if it were the GPU.
//   npx tsx bench/device/probe.ts [--out FILE] [--gpu-only]
import { writeFileSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { isCpuImplementation } from '../../engine/gpu/device.ts';

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

/** One Dawn instance per set of flags: on lavapipe, a device on a third instance aborts the process. */
const instances = new Map<string, GPU>();
const instance = (flags: string[]) => {
  const key = flags.join(' ');
  if (!instances.has(key)) instances.set(key, create(flags));
  return instances.get(key)!;
};

async function describe(flags: string[], options: GPURequestAdapterOptions) {
  const adapter = await instance(flags).requestAdapter(options);
  if (!adapter) return null;
  const info = adapter.info as GPUAdapterInfo & { subgroupMatrixConfigs?: unknown[]; subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    flags,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter,
    cpuImplementation: isCpuImplementation(info),
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
    subgroupMatrixConfigs: info.subgroupMatrixConfigs ?? [],
    features: [...(adapter.features as unknown as Iterable<string>)].sort(),
    limits: Object.fromEntries(LIMITS.map((name) => [name, adapter.limits[name]])),
  };
}

/** Values past f16's largest, 65504, and what IEEE round-to-nearest (and torch's .half()) makes of them. */
const OVERFLOWING: [number, string][] = [
  [65519, '65504'],
  [65520, 'inf'],
  [1e5, 'inf'],
  [-1e5, '-inf'],
];

/** An f16 bit pattern in words. */
const halfName = (bits: number) =>
  ({ 31744: 'inf', 64512: '-inf', 31743: '65504', 64511: '-65504' })[bits] ?? `0x${bits.toString(16).padStart(4, '0')}`;

/** The adapter's own f16(x) for the OVERFLOWING values, in one line: IEEE's ±inf, saturation to ±65504, or the bits. */
async function halfOverflow(flags: string[]): Promise<string> {
  const adapter = await instance(flags).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter?.features.has('shader-f16')) return 'no shader-f16';
  const device = await adapter.requestDevice({ requiredFeatures: ['shader-f16'] });
  const input = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Float32Array(input.getMappedRange()).set(OVERFLOWING.map(([x]) => x));
  input.unmap();
  const output = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const code = `enable f16;
@group(0) @binding(0) var<storage, read> input: array<f32, 4>;
@group(0) @binding(1) var<storage, read_write> output: array<u32, 4>;
@compute @workgroup_size(4) fn main(@builtin(local_invocation_index) i: u32) {
  output[i] = bitcast<u32>(vec2<f16>(f16(input[i]), 0.0h)) & 0xffffu;
}`;
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  const entries = [input, output].map((buffer, binding) => ({ binding, resource: { buffer } }));
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
  pass.dispatchWorkgroups(1);
  pass.end();
  encoder.copyBufferToBuffer(output, 0, read, 0, 16);
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const got = Array.from(new Uint32Array(read.getMappedRange()), halfName);
  device.destroy();
  const results = OVERFLOWING.map(([x], i) => `${x} -> ${got[i]}`).join(', ');
  if (got.every((name, i) => name === OVERFLOWING[i][1])) return `±inf past 65519, as IEEE and torch (${results})`;
  if (got.slice(1).every((name) => name.endsWith('65504'))) return `saturates to ±65504 (${results})`;
  return results;
}

const report = {
  default: await describe([], { powerPreference: 'high-performance' }),
  // Unsafe APIs expose chromium-experimental-subgroup-matrix; the toggle lets NVIDIA's Vulkan
  // driver report shader-f16, which the f16 tensor-core configurations need.
  unsafe: await describe(['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'], { powerPreference: 'high-performance' }),
  f16Overflow: await halfOverflow(['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia']),
  opengl: await (async () => {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    return describe(['backend=opengl'], { featureLevel: 'compatibility' });
  })(),
};
const gpu = report.default;
const cpuImplementation = !gpu
  ? 'Dawn finds no GPU adapter (Vulkan, Metal, D3D12); the engine would fall back to OpenGL'
  : gpu.cpuImplementation
    ? `the adapter, ${[gpu.vendor, gpu.device || gpu.description].filter(Boolean).join(' ')}, is a CPU implementation`
    : null;
const text = JSON.stringify({ ...report, cpuImplementation }, null, 2);
const outAt = process.argv.indexOf('--out');
if (outAt > 0) writeFileSync(process.argv[outAt + 1], `${text}\n`);
console.log(text);
if (cpuImplementation && process.argv.includes('--gpu-only')) {
  console.error(`probe: no GPU to measure: ${cpuImplementation}`);
  process.exit(3);
}
process.exit(0);
