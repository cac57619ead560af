// GPU memory with two lifetimes.
//
// Persistent buffers (parameters, their gradients, optimizer moments) live until released by hand.
// Everything a training step makes (activations, temporaries, gradients of activations) is
// created inside a `StepScope` and goes back to the pool when the scope ends, so GPU memory stays
// flat from step to step without relying on JavaScript's garbage collector.
//
// The pool keeps freed buffers by size class. Sizes are rounded up to 2^k·{1, 1.25, 1.5, 1.75}
// so that batches padded to slightly different lengths reuse the same buffers. Reuse is safe
// without waiting for the GPU: WebGPU executes submitted work in queue order, so a buffer's
// next user always runs after its previous one. Of the free buffers of a size, the oldest is
// handed out first: which buffer a tensor gets then depends only on which are free, not on the
// order they were released in, so a step that repeats the one before gets the same buffers back
// (and dispatch.ts finds its bind groups cached).
//
// The pool counts the bytes in use (handed out, not yet released), their peak, and the bytes it
// holds (in use or free). A budget (`limitBytes`, ENGINE_MEMORY_LIMIT=bytes) makes running out of
// memory reproducible on any machine: an allocation past it first frees the pool's idle buffers,
// then fails with a GpuOutOfMemoryError, as an allocation that Dawn refuses does (reported
// asynchronously, at the next point where the engine waits on the GPU).
import { setting } from '../env.ts';
import { gpu, reportGpuFailure } from './device.ts';
import { flush } from './dispatch.ts';

const USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const MIN_BYTES = 256;

function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  for (const step of [1, 1.25, 1.5, 1.75, 2]) {
    const size = pow * step;
    if (size >= bytes) return size;
  }
  return pow * 2;
}

/** An allocation the GPU (or the pool's budget) refused: which tensor, how many bytes. */
export class GpuOutOfMemoryError extends Error {
  constructor(
    readonly tensor: string,
    readonly bytes: number,
    detail: string,
  ) {
    super(`out of GPU memory: tensor ${tensor} needs ${megabytes(bytes)} (${detail})`);
    this.name = 'GpuOutOfMemoryError';
  }
}

const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

class BufferPool {
  /** Free buffers by size class, newest first (the oldest pops). */
  private free = new Map<number, GPUBuffer[]>();
  private age = new WeakMap<GPUBuffer, number>();
  private created = 0;
  /** Bytes of every buffer the pool has ever created and not destroyed (in use or free). */
  allocatedBytes = 0;
  /** Bytes handed out and not yet released. */
  inUseBytes = 0;
  /** The most bytes in use at once since the last `resetPeak`. */
  peakBytes = 0;
  /** The most bytes the pool may hold; past it an allocation fails with GpuOutOfMemoryError. */
  limitBytes = setting('ENGINE_MEMORY_LIMIT');

  /** A buffer of at least `bytes` for the tensor named `owner` (named in out-of-memory errors). */
  acquire(bytes: number, owner: string): GPUBuffer {
    const size = sizeClass(bytes);
    const buffer = this.free.get(size)?.pop() ?? this.create(size, owner);
    this.inUseBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.inUseBytes);
    return buffer;
  }

  private create(size: number, owner: string): GPUBuffer {
    const { device, limits } = gpu();
    if (size > limits.maxBufferSize) {
      throw new GpuOutOfMemoryError(owner, size, `over this adapter's maxBufferSize of ${megabytes(limits.maxBufferSize)}`);
    }
    if (this.allocatedBytes + size > this.limitBytes) this.trim();
    if (this.allocatedBytes + size > this.limitBytes) {
      throw new GpuOutOfMemoryError(owner, size, `${megabytes(this.inUseBytes)} in use of a ${megabytes(this.limitBytes)} budget`);
    }
    device.pushErrorScope('out-of-memory');
    const buffer = device.createBuffer({ size, usage: USAGE });
    const inUse = this.inUseBytes;
    void device.popErrorScope().then((error) => {
      if (error)
        reportGpuFailure(new GpuOutOfMemoryError(owner, size, `the GPU refused it with ${megabytes(inUse)} in use: ${error.message}`));
    });
    this.age.set(buffer, this.created++);
    this.allocatedBytes += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    this.inUseBytes -= buffer.size;
    let list = this.free.get(buffer.size);
    if (!list) {
      list = [];
      this.free.set(buffer.size, list);
    }
    // Binary search for the place that keeps the list newest first.
    const age = this.age.get(buffer)!;
    let [lo, hi] = [0, list.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.age.get(list[mid])! > age) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, buffer);
  }

  /**
   * Takes `buffer` off the free lists and counts it in use, as `acquire` would have handed it out;
   * false if it is not free. The owner gives it back with `release`. (engine/replay.ts keeps the
   * buffers a recorded step used for its temporaries this way.)
   */
  claim(buffer: GPUBuffer): boolean {
    const list = this.free.get(buffer.size);
    const i = list ? list.indexOf(buffer) : -1;
    if (i < 0) return false;
    list!.splice(i, 1);
    this.inUseBytes += buffer.size;
    this.peakBytes = Math.max(this.peakBytes, this.inUseBytes);
    return true;
  }

  /** Starts a new peak measurement from the bytes in use now. */
  resetPeak(): void {
    this.peakBytes = this.inUseBytes;
  }

  /** Destroys every free buffer (e.g. between benchmark shapes). */
  trim(): void {
    // Launches recorded but not yet submitted may still use them: WebGPU only lets a buffer be
    // destroyed under work that has been submitted.
    flush();
    for (const list of this.free.values()) {
      for (const b of list) {
        this.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }
}

export const pool = new BufferPool();

/** Something that owns pooled memory and can give it back. */
export interface Releasable {
  release(): void;
  /** A view: the owner of its memory, which must live at least as long. */
  readonly viewOf?: Releasable | null;
}

/** Collects what is created while it is open, and releases all of it when it ends. */
export class StepScope {
  private owned: Releasable[] = [];
  private ended = false;

  adopt(item: Releasable): void {
    this.owned.push(item);
  }

  /** Keeps `item` alive past the end of this scope (it then belongs to the enclosing scope, if any). */
  keep(item: Releasable): void {
    if (item.viewOf) this.keep(item.viewOf);
    if (!this.disown(item)) return;
    const parent = scopes[scopes.indexOf(this) - 1];
    parent?.adopt(item);
  }

  /** Stops owning `item`; false if it did not. */
  disown(item: Releasable): boolean {
    const i = this.owned.lastIndexOf(item);
    if (i < 0) return false;
    this.owned.splice(i, 1);
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (scopes[scopes.length - 1] !== this) throw new Error('step scopes must end in the reverse order they began');
    scopes.pop();
    for (const item of this.owned) item.release();
    this.owned = [];
  }
}

const scopes: StepScope[] = [];

export function beginScope(): StepScope {
  const scope = new StepScope();
  scopes.push(scope);
  return scope;
}

/** Takes `item` out of the open scope that owns it: it then lives until released by hand. */
export function disown(item: Releasable): void {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].disown(item)) return;
}

export function currentScope(): StepScope | undefined {
  return scopes[scopes.length - 1];
}

/** Runs `fn` in a fresh scope; what it returns is kept, everything else it made is released. */
export function scoped<T>(fn: () => T): T {
  const scope = beginScope();
  try {
    const result = fn();
    for (const item of releasablesIn(result)) scope.keep(item);
    return result;
  } finally {
    scope.end();
  }
}

function releasablesIn(value: unknown): Releasable[] {
  if (value && typeof (value as Releasable).release === 'function') return [value as Releasable];
  if (Array.isArray(value)) return value.flatMap(releasablesIn);
  return [];
}
