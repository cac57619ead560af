// Records kernel launches and submits them in as few command buffers as possible, doing as little
// as it can per launch: on a launch-bound step (a small model) the host's cost per launch, not
// the arithmetic, sets the pace.
//
// Submits. Launches append to one open compute pass (storage writes of one dispatch are visible
// to the next). Nothing is submitted until someone needs results on the CPU (`readBuffersLater`) or
// calls `flush()` at the end of a step: a training step is one submit.
//
// What a launch makes once and then finds. Ops get their `KernelLaunch` from memoized generators
// (engine/gpu/kernels.ts), so the same shapes give back the same object, and everything derived from
// it hangs off that object's identity (a WeakMap): its compiled kernel and its uniform values
// packed as 32-bit words. A launch object seen for the first time is looked up by its WGSL text
// (one hash), and compiled when the text is new. A compiled kernel has an explicit bind-group
// layout read from the WGSL declarations (binding 0, the uniform block, with a dynamic offset;
// then the storage buffers, read-only or read-write) rather than 'auto', because a dynamic offset
// is what lets one bind group serve every launch of the kernel on the same buffers.
//
// Bind groups (Dawn's createBindGroup costs ~10x a whole recorded dispatch) are cached by kernel
// and bound buffers. The pool hands a step's tensors the same buffers every step (memory.ts), so
// from the second step on every launch finds its bind group. That needs nothing from the code that
// runs a step and works for any sequence of ops; what is left per launch is that code itself (the
// ops, autograd, tensors: most of a launch's host cost) and setPipeline, setBindGroup and
// dispatchWorkgroups. A training step, the same sequence every time, goes one further and is
// recorded once and replayed (see Recording below, and engine/replay.ts): only the three calls remain.
//
// Uniforms. Each launch copies its packed uniform words into the next 256-byte slot of a CPU
// staging area; at submit the used slots go up with one writeBuffer per 1024 launches, and each
// launch binds its slot through the dynamic offset.
//
// Uploads. Writing CPU data to a buffer never forces a submit: with launches pending, the data
// goes to a fresh mapped staging buffer and a copy is recorded in order with the launches (freed
// after the submit); with none pending, a plain queue.writeBuffer is already in order.
//
// Recording. Finding bind groups leaves a launch's host cost at the op code that decides it (the
// autograd graph, tensors, kernel choice): tens of microseconds. `record(fn)` runs `fn` as usual
// and also keeps what it launched and copied, as a `Recording` that appends the very same commands
// again for a few microseconds each, without running any of that code. It holds its own copy of
// the launches' uniform words in a buffer of its own (one 256-byte slot per launch), uploaded once:
// a replay launches exactly what was recorded, and whatever changes from step to step is data in
// tensors. engine/replay.ts builds a training step's replay on it; a recorded function may not
// upload or read back, as a replay could not repeat either.
import type { KernelLaunch, Uniform } from '../../kernels/launch.ts';
import { compiling, debugLevel, logCompile } from './debug.ts';
import { gpu, throwIfGpuFailed } from './device.ts';

const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment on every adapter
const SLOT_WORDS = UNIFORM_SLOT / 4;
const SLOTS_PER_CHUNK = 1024;
/** Bind groups kept; past it the cache starts over (a change of shapes leaves stale ones). */
const MAX_BIND_GROUPS = 4096;
/** Staged upload bytes that force a submit (only ever reached while loading weights). */
const MAX_STAGED_BYTES = 64 << 20;

/** Counts what the engine did, for the profile, the host benchmark and tests of dispatch behaviour. */
export const dispatchStats = {
  dispatches: 0,
  submits: 0,
  /** Buffer-to-buffer copies (copy commands, not kernels): tensor copies, and copies out for reading back. */
  copies: 0,
  pipelinesCompiled: 0,
  bindGroupsCreated: 0,
  bindGroupsReused: 0,
  /** writeBuffer calls that upload uniforms. */
  uniformUploads: 0,
  /** Uploads of CPU data, and how many of them went through a staging copy. */
  uploads: 0,
  stagedUploads: 0,
};

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

/** Optional observer of every submit: it may append commands before the encoder is finished. */
export interface SubmitObserver {
  beforeFinish(encoder: GPUCommandEncoder): void;
  afterSubmit(): void;
}
let submitObserver: SubmitObserver | null = null;
export function observeSubmits(observer: SubmitObserver | null): void {
  submitObserver = observer;
}

interface CompiledKernel {
  id: number;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  hasUniforms: boolean;
  /** Milliseconds createComputePipeline took; null once the kernel has been launched. */
  unlaunchedSince: number | null;
}

/** What a launch object needs at every launch, found by its identity. */
interface PreparedLaunch {
  kernel: CompiledKernel;
  /** The uniform values in declaration order, as the 32-bit words the slot holds. */
  uniformWords: Uint32Array;
}

const compiledByCode = new Map<string, CompiledKernel>();
const prepared = new WeakMap<KernelLaunch, PreparedLaunch>();
const bindGroups = new Map<string, GPUBindGroup>();
const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 0;

let encoder: GPUCommandEncoder | null = null;
let pass: GPUComputePassEncoder | null = null;

// Uniform slots of the launches recorded since the last submit: chunk k holds slots k·1024 …
const uniformChunks: GPUBuffer[] = [];
let uniformStaging = new Uint32Array(SLOT_WORDS * SLOTS_PER_CHUNK);
let slotsUsed = 0;

const stagingBuffers: GPUBuffer[] = [];
let stagedBytes = 0;

let dryRun = false;

/** A launch or copy kept by `record`. */
type RecordedCommand =
  | { kind: 'launch'; launch: KernelLaunch; kernel: CompiledKernel; uniformWords: Uint32Array; buffers: GPUBufferBinding[] }
  | { kind: 'copy'; src: GPUBufferBinding; dst: GPUBufferBinding; bytes: number };
let recording: RecordedCommand[] | null = null;

/** WGSL `@binding(n) var<uniform|storage, …>` declarations as explicit layout entries. */
function layoutEntries(code: string): GPUBindGroupLayoutEntry[] {
  const entries: GPUBindGroupLayoutEntry[] = [];
  for (const [, binding, space, access] of code.matchAll(/@binding\((\d+)\)\s*var<(uniform|storage)\s*(?:,\s*(read_write|read))?>/g)) {
    const type: GPUBufferBindingType = space === 'uniform' ? 'uniform' : access === 'read_write' ? 'storage' : 'read-only-storage';
    entries.push({ binding: Number(binding), visibility: GPUShaderStage.COMPUTE, buffer: { type, hasDynamicOffset: type === 'uniform' } });
  }
  return entries;
}

function compile(launch: KernelLaunch): CompiledKernel {
  const { device } = gpu();
  const started = performance.now();
  compiling(launch);
  const entries = layoutEntries(launch.code);
  const layout = device.createBindGroupLayout({ label: launch.name, entries });
  const module = device.createShaderModule({ label: launch.name, code: launch.code });
  const pipeline = device.createComputePipeline({
    label: launch.name,
    layout: device.createPipelineLayout({ label: launch.name, bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  dispatchStats.pipelinesCompiled++;
  const unlaunchedSince = performance.now() - started;
  return { id: dispatchStats.pipelinesCompiled, pipeline, layout, hasUniforms: entries.some((e) => e.binding === 0), unlaunchedSince };
}

function prepare(launch: KernelLaunch): PreparedLaunch {
  let found = prepared.get(launch);
  if (found) return found;
  let kernel = compiledByCode.get(launch.code);
  if (!kernel) {
    kernel = compile(launch);
    compiledByCode.set(launch.code, kernel);
  }
  found = { kernel, uniformWords: Uint32Array.from(Object.values(launch.uniforms), uniformWord) };
  prepared.set(launch, found);
  return found;
}

const wordView = new DataView(new ArrayBuffer(4));

/** A uniform value as the 32-bit word its slot holds. */
export function uniformWord(u: Uniform): number {
  if (u.type === 'f32') wordView.setFloat32(0, u.value, true);
  else if (u.type === 'i32') wordView.setInt32(0, u.value, true);
  else wordView.setUint32(0, u.value, true);
  return wordView.getUint32(0, true);
}

function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

/** The bind group of `kernel` on these buffers (and this uniform chunk), made on first use. */
function bindGroupFor(kernel: CompiledKernel, buffers: readonly GPUBufferBinding[], uniformChunk: GPUBuffer | null): GPUBindGroup {
  let key = `${kernel.id}`;
  if (uniformChunk) key += `u${bufferId(uniformChunk)}`;
  for (const b of buffers) key += `,${bufferId(b.buffer)}:${b.offset ?? 0}:${b.size ?? ''}`;
  let group = bindGroups.get(key);
  if (group) {
    dispatchStats.bindGroupsReused++;
    return group;
  }
  const entries: GPUBindGroupEntry[] = buffers.map((resource, i) => ({ binding: i + 1, resource }));
  if (uniformChunk) entries.unshift({ binding: 0, resource: { buffer: uniformChunk, offset: 0, size: UNIFORM_SLOT } });
  group = gpu().device.createBindGroup({ layout: kernel.layout, entries });
  if (bindGroups.size >= MAX_BIND_GROUPS) bindGroups.clear();
  bindGroups.set(key, group);
  dispatchStats.bindGroupsCreated++;
  return group;
}

/** Copies `words` into the next uniform slot; its chunk buffer and byte offset there. */
function uniformSlot(words: Uint32Array): { chunk: GPUBuffer; offset: number } {
  const slot = slotsUsed++;
  const chunkIndex = Math.floor(slot / SLOTS_PER_CHUNK);
  if (chunkIndex === uniformChunks.length) {
    uniformChunks.push(
      gpu().device.createBuffer({ size: UNIFORM_SLOT * SLOTS_PER_CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
    );
  }
  if ((slot + 1) * SLOT_WORDS > uniformStaging.length) {
    const grown = new Uint32Array(uniformStaging.length * 2);
    grown.set(uniformStaging);
    uniformStaging = grown;
  }
  uniformStaging.set(words, slot * SLOT_WORDS);
  return { chunk: uniformChunks[chunkIndex], offset: (slot % SLOTS_PER_CHUNK) * UNIFORM_SLOT };
}

/**
 * Runs `fn` with launches, copies and uploads counted but not sent to the GPU (no kernel is
 * compiled; `observeLaunches` still sees each launch), while tensors are allocated as usual: the
 * pool's peak is then that of the real work, for shapes far too big to execute here. Reading back
 * inside is an error.
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
export function launch(kernel: KernelLaunch, buffers: readonly GPUBufferBinding[]): void {
  dispatchStats.dispatches++;
  if (dryRun) {
    // The observer still sees the launch (nothing runs, so there is nothing to time).
    launchObserver?.(kernel, buffers);
    return;
  }
  const { kernel: compiled, uniformWords } = prepare(kernel);
  const pipelineMs = compiled.unlaunchedSince;
  compiled.unlaunchedSince = null;
  // ENGINE_DEBUG: a new kernel's first launch goes in a submit of its own, timed (see timeFirstRun).
  const timed = pipelineMs !== null && debugLevel() >= 1;
  if (timed) flush();
  recording?.push({ kind: 'launch', launch: kernel, kernel: compiled, uniformWords, buffers: [...buffers] });
  const slot = compiled.hasUniforms ? uniformSlot(uniformWords) : null;
  const bindGroup = bindGroupFor(compiled, buffers, slot?.chunk ?? null);
  encoder ??= gpu().device.createCommandEncoder();
  const timestampWrites = launchObserver?.(kernel, buffers);
  if (timestampWrites) {
    pass?.end();
    pass = encoder.beginComputePass({ timestampWrites });
  }
  pass ??= encoder.beginComputePass();
  pass.setPipeline(compiled.pipeline);
  if (slot) pass.setBindGroup(0, bindGroup, [slot.offset]);
  else pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...kernel.workgroups);
  if (timestampWrites) {
    pass.end();
    pass = null;
  }
  if (timed) timeFirstRun(kernel, pipelineMs);
}

/**
 * Submits a new kernel's first launch (alone: the work before it went in a submit of its own) and
 * logs how long it took once the GPU is done. A driver may defer part of a shader's compile to its
 * first run, and then that part shows here rather than in createComputePipeline (lavapipe in Mesa
 * 25 and SwiftShader compile mostly in createComputePipeline).
 */
function timeFirstRun(kernel: KernelLaunch, pipelineMs: number): void {
  const { queue } = gpu().device;
  const before = queue.onSubmittedWorkDone().then(() => performance.now());
  flush();
  const submitted = performance.now();
  queue.onSubmittedWorkDone().then(async () => logCompile(kernel, pipelineMs, performance.now() - Math.max(submitted, await before)));
}

/** The open command encoder, outside any compute pass (for copies and queries). */
export function commandEncoder(): GPUCommandEncoder {
  pass?.end();
  pass = null;
  encoder ??= gpu().device.createCommandEncoder();
  return encoder;
}

/** Submits everything recorded so far. */
export function flush(): void {
  pass?.end();
  pass = null;
  const recorded = encoder;
  const slots = slotsUsed;
  const staging = stagingBuffers.splice(0);
  // Reset before submitting: if the GPU has reported an error, gpu() throws, and the broken
  // recording must not swallow the launches that come after.
  encoder = null;
  slotsUsed = 0;
  stagedBytes = 0;
  if (!recorded) return;
  const { queue } = gpu().device;
  for (let first = 0; first < slots; first += SLOTS_PER_CHUNK) {
    const words = Math.min(SLOTS_PER_CHUNK, slots - first) * SLOT_WORDS;
    queue.writeBuffer(uniformChunks[first / SLOTS_PER_CHUNK], 0, uniformStaging, first * SLOT_WORDS, words);
    dispatchStats.uniformUploads++;
  }
  submitObserver?.beforeFinish(recorded);
  queue.submit([recorded.finish()]);
  dispatchStats.submits++;
  submitObserver?.afterSubmit();
  // Freed once the GPU is done with them (WebGPU defers the destruction of buffers in use).
  for (const b of staging) b.destroy();
}

/** Uploads CPU data into a buffer, in order with everything recorded before it. */
export function writeBuffer(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
  if (dryRun) return;
  if (recording) throw new Error('a recorded step cannot upload data (a replay would not repeat it): pass the data in as an input');
  dispatchStats.uploads++;
  if (!encoder) {
    gpu().device.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  const size = Math.ceil(data.byteLength / 4) * 4;
  const staging = gpu().device.createBuffer({ size, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
  new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  staging.unmap();
  commandEncoder().copyBufferToBuffer(staging, 0, buffer, offset, size);
  stagingBuffers.push(staging);
  dispatchStats.stagedUploads++;
  stagedBytes += size;
  if (stagedBytes > MAX_STAGED_BYTES) flush();
}

/** Copies bytes between buffers, in order with recorded launches. */
export function copyBuffer(src: GPUBufferBinding, dst: GPUBufferBinding, bytes: number): void {
  dispatchStats.copies++;
  if (dryRun) return;
  recording?.push({ kind: 'copy', src, dst, bytes });
  commandEncoder().copyBufferToBuffer(src.buffer, src.offset ?? 0, dst.buffer, dst.offset ?? 0, bytes);
}

/**
 * Records copies of `bindings` (each's `size` bytes) into one mappable buffer, in order with the
 * work recorded so far, and returns the function that reads them back: it submits the copies if
 * they still wait for a submit, and resolves once the GPU has run them. Call it when the values are
 * needed, not before: while a GPU promise is pending, Dawn's bindings poll for it (device.ts).
 */
export function readBuffersLater(bindings: readonly GPUBufferBinding[]): () => Promise<ArrayBuffer[]> {
  if (dryRun) throw new Error('internal: a GPU readback inside withoutExecution()');
  if (recording) throw new Error('a recorded step cannot read data back (a replay would not repeat it): read its results after it');
  // Each binding at the next 4-byte boundary of the staging buffer (copies move whole words).
  const sizes = bindings.map((b) => Math.ceil((b.size ?? b.buffer.size - (b.offset ?? 0)) / 4) * 4);
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += size;
  }
  const staging = gpu().device.createBuffer({
    size: Math.max(4, total),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  bindings.forEach((b, i) => copyBuffer(b, { buffer: staging, offset: offsets[i] }, sizes[i]));
  const submitted = dispatchStats.submits;
  return async () => {
    if (dispatchStats.submits === submitted) flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
      throwIfGpuFailed();
      const mapped = staging.getMappedRange();
      return bindings.map((b, i) => mapped.slice(offsets[i], offsets[i] + (b.size ?? sizes[i])));
    } catch (err) {
      throwIfGpuFailed();
      throw err;
    } finally {
      staging.destroy();
    }
  };
}

/** Waits until the GPU has finished everything submitted; surfaces asynchronous GPU errors. */
export async function synchronize(): Promise<void> {
  flush();
  await gpu().device.queue.onSubmittedWorkDone();
  throwIfGpuFailed();
}

/** What `record` kept, ready to be appended again to the work of later steps. */
export class Recording {
  /** The uniform words of every launch, a 256-byte slot each. */
  private readonly uniforms: GPUBuffer;
  private readonly commands: (
    | {
        kind: 'launch';
        launch: KernelLaunch;
        buffers: GPUBufferBinding[];
        pipeline: GPUComputePipeline;
        bindGroup: GPUBindGroup;
        offsets: number[];
        workgroups: KernelLaunch['workgroups'];
      }
    | Extract<RecordedCommand, { kind: 'copy' }>
  )[];
  readonly launches: number;
  readonly copies: number;
  /** Every buffer the commands read or write. */
  readonly buffers = new Set<GPUBuffer>();

  constructor(recorded: RecordedCommand[]) {
    const slots = recorded.filter((c) => c.kind === 'launch' && c.kernel.hasUniforms).length;
    const uniformWords = new Uint32Array(Math.max(1, slots) * SLOT_WORDS);
    this.uniforms = gpu().device.createBuffer({
      size: uniformWords.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.copies = recorded.filter((c) => c.kind === 'copy').length;
    this.launches = recorded.length - this.copies;
    let slot = 0;
    this.commands = recorded.map((c) => {
      if (c.kind === 'copy') {
        this.buffers.add(c.src.buffer).add(c.dst.buffer);
        return c;
      }
      for (const b of c.buffers) this.buffers.add(b.buffer);
      const entries: GPUBindGroupEntry[] = c.buffers.map((resource, i) => ({ binding: i + 1, resource }));
      let offsets: number[] = [];
      if (c.kernel.hasUniforms) {
        uniformWords.set(c.uniformWords, slot * SLOT_WORDS);
        entries.unshift({ binding: 0, resource: { buffer: this.uniforms, offset: 0, size: UNIFORM_SLOT } });
        offsets = [slot * UNIFORM_SLOT];
        slot++;
      }
      const bindGroup = gpu().device.createBindGroup({ layout: c.kernel.layout, entries });
      const { launch, buffers } = c;
      return { kind: 'launch' as const, launch, buffers, pipeline: c.kernel.pipeline, bindGroup, offsets, workgroups: launch.workgroups };
    });
    // Straight to the queue: nothing has used the buffer yet, and every replay is submitted after this.
    gpu().device.queue.writeBuffer(this.uniforms, 0, uniformWords);
  }

  /** Appends the recorded launches and copies to the work of the current step. */
  replay(): void {
    dispatchStats.dispatches += this.launches;
    dispatchStats.copies += this.copies;
    if (dryRun) return;
    let pipeline: GPUComputePipeline | null = null;
    for (const c of this.commands) {
      if (c.kind === 'copy') {
        commandEncoder().copyBufferToBuffer(c.src.buffer, c.src.offset ?? 0, c.dst.buffer, c.dst.offset ?? 0, c.bytes);
        pipeline = null;
        continue;
      }
      encoder ??= gpu().device.createCommandEncoder();
      // Observed (timed) launches get a pass of their own, as in launch().
      const timestampWrites = launchObserver?.(c.launch, c.buffers);
      if (timestampWrites) {
        pass?.end();
        pass = encoder.beginComputePass({ timestampWrites });
        pipeline = null;
      }
      pass ??= encoder.beginComputePass();
      if (c.pipeline !== pipeline) pass.setPipeline(c.pipeline);
      pipeline = c.pipeline;
      pass.setBindGroup(0, c.bindGroup, c.offsets);
      pass.dispatchWorkgroups(c.workgroups[0], c.workgroups[1], c.workgroups[2]);
      if (timestampWrites) {
        pass.end();
        pass = null;
      }
    }
  }

  release(): void {
    this.uniforms.destroy();
  }
}

/**
 * Runs `fn`, launching its work as usual, and returns its launches and copies as a Recording.
 * `fn` may not upload or read back (it throws if it tries).
 */
export function record(fn: () => void): Recording {
  if (recording) throw new Error('internal: record() inside record()');
  const commands: RecordedCommand[] = [];
  recording = commands;
  try {
    fn();
  } finally {
    recording = null;
  }
  return new Recording(commands);
}
