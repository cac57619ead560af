// Records kernel launches and submits them in as few command buffers as possible.
//
// Launches append to one open compute pass (storage writes of one dispatch are visible to the
// next). Nothing is submitted until someone needs the results on the CPU (`readBuffer`), copies
// between buffers, writes a buffer from the CPU, or calls `flush()` at the end of a step.
// Pipelines compile once per distinct WGSL text and are cached. Each launch's uniforms take a
// 256-byte slot of a staging area that is uploaded with one writeBuffer just before submit.
import type { KernelLaunch } from '../kernels/launch.ts';
import { gpu, throwIfGpuFailed } from './device.ts';

const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment on every adapter
const SLOTS_PER_CHUNK = 256;

const pipelines = new Map<string, GPUComputePipeline>();
let encoder: GPUCommandEncoder | null = null;
let pass: GPUComputePassEncoder | null = null;

const uniformChunks: GPUBuffer[] = [];
const uniformStaging = new ArrayBuffer(UNIFORM_SLOT * SLOTS_PER_CHUNK);
let slotsUsed = 0; // slots used in the current chunk
let chunkIndex = 0;

/** Counts what a step did, for the profile and for tests of dispatch behaviour. */
export const dispatchStats = { dispatches: 0, submits: 0, pipelinesCompiled: 0 };

/**
 * Optional observer of every launch, used by the benchmark and step profiler: it sees the kernel
 * and its buffers, and may return timestamp writes, in which case the launch gets a compute pass
 * of its own (timestamps can only be written at pass boundaries).
 */
type LaunchObserver = (launch: KernelLaunch, buffers: readonly GPUBufferBinding[]) => GPUComputePassTimestampWrites | undefined;
let launchObserver: LaunchObserver | null = null;
export function observeLaunches(observer: LaunchObserver | null): void {
  launchObserver = observer;
}

function pipelineFor(launch: KernelLaunch): GPUComputePipeline {
  let pipeline = pipelines.get(launch.code);
  if (!pipeline) {
    const { device } = gpu();
    const module = device.createShaderModule({ label: launch.name, code: launch.code });
    pipeline = device.createComputePipeline({ label: launch.name, layout: 'auto', compute: { module, entryPoint: 'main' } });
    pipelines.set(launch.code, pipeline);
    dispatchStats.pipelinesCompiled++;
  }
  return pipeline;
}

function uniformSlot(launch: KernelLaunch): GPUBufferBinding {
  if (slotsUsed === SLOTS_PER_CHUNK) {
    uploadUniforms();
    // The chunk is full: switch to the next one (submitting first keeps writeBuffer ordered).
    submitPending();
    chunkIndex++;
  }
  if (chunkIndex === uniformChunks.length) {
    uniformChunks.push(
      gpu().device.createBuffer({ size: uniformStaging.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
    );
  }
  const offset = slotsUsed * UNIFORM_SLOT;
  const view = new DataView(uniformStaging, offset, UNIFORM_SLOT);
  Object.values(launch.uniforms).forEach((u, i) => {
    if (u.type === 'f32') view.setFloat32(i * 4, u.value, true);
    else if (u.type === 'i32') view.setInt32(i * 4, u.value, true);
    else view.setUint32(i * 4, u.value, true);
  });
  slotsUsed++;
  return { buffer: uniformChunks[chunkIndex], offset, size: Math.max(16, Object.keys(launch.uniforms).length * 4) };
}

let dryRun = false;

/**
 * Runs `fn` with launches, copies and uploads counted but not sent to the GPU, while tensors are
 * allocated as usual: the pool's peak is then that of the real work, for shapes far too big to
 * execute here. Reading back inside is an error.
 */
export function withoutExecution<T>(fn: () => T): T {
  flush();
  dryRun = true;
  try {
    return fn();
  } finally {
    dryRun = false;
  }
}

/** Records one kernel launch reading and writing `buffers` (bindings 1, 2, …). */
export function launch(kernel: KernelLaunch, buffers: GPUBufferBinding[]): void {
  if (dryRun) {
    dispatchStats.dispatches++;
    return;
  }
  const { device } = gpu();
  const pipeline = pipelineFor(kernel);
  const entries: GPUBindGroupEntry[] = buffers.map((resource, i) => ({ binding: i + 1, resource }));
  if (Object.keys(kernel.uniforms).length > 0) entries.unshift({ binding: 0, resource: uniformSlot(kernel) });
  const bindGroup = device.createBindGroup({ label: kernel.name, layout: pipeline.getBindGroupLayout(0), entries });
  encoder ??= device.createCommandEncoder();
  const timestampWrites = launchObserver?.(kernel, buffers);
  if (timestampWrites) {
    pass?.end();
    pass = encoder.beginComputePass({ timestampWrites });
  }
  pass ??= encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...kernel.workgroups);
  if (timestampWrites) {
    pass.end();
    pass = null;
  }
  dispatchStats.dispatches++;
}

/** The open command encoder, outside any compute pass (for copies and queries). */
export function commandEncoder(): GPUCommandEncoder {
  pass?.end();
  pass = null;
  encoder ??= gpu().device.createCommandEncoder();
  return encoder;
}

function uploadUniforms(): void {
  if (slotsUsed > 0) gpu().device.queue.writeBuffer(uniformChunks[chunkIndex], 0, uniformStaging, 0, slotsUsed * UNIFORM_SLOT);
}

function submitPending(): void {
  pass?.end();
  pass = null;
  const recorded = encoder;
  // Reset before submitting: if the GPU has reported an error, gpu() throws, and the broken
  // recording must not swallow the launches that come after.
  encoder = null;
  slotsUsed = 0;
  if (recorded) {
    gpu().device.queue.submit([recorded.finish()]);
    dispatchStats.submits++;
  }
}

/** Submits everything recorded so far. */
export function flush(): void {
  uploadUniforms();
  submitPending();
  chunkIndex = 0;
}

/** Uploads CPU data into a buffer, after everything already recorded (which is submitted first). */
export function writeBuffer(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
  if (dryRun) return;
  flush();
  gpu().device.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
}

/** Copies bytes between buffers, in order with recorded launches. */
export function copyBuffer(src: GPUBufferBinding, dst: GPUBufferBinding, bytes: number): void {
  if (dryRun) return;
  commandEncoder().copyBufferToBuffer(src.buffer, src.offset ?? 0, dst.buffer, dst.offset ?? 0, bytes);
}

/** Reads `bytes` of a buffer back to the CPU once all recorded work has run. */
export async function readBuffer(binding: GPUBufferBinding, bytes: number): Promise<ArrayBuffer> {
  if (dryRun) throw new Error('internal: a GPU readback inside withoutExecution()');
  const { device } = gpu();
  const staging = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  copyBuffer(binding, { buffer: staging }, staging.size);
  flush();
  try {
    await staging.mapAsync(GPUMapMode.READ);
    throwIfGpuFailed();
    return staging.getMappedRange().slice(0, bytes);
  } catch (err) {
    throwIfGpuFailed();
    throw err;
  } finally {
    staging.destroy();
  }
}

/** Waits until the GPU has finished everything submitted; surfaces asynchronous GPU errors. */
export async function synchronize(): Promise<void> {
  flush();
  await gpu().device.queue.onSubmittedWorkDone();
  throwIfGpuFailed();
}
