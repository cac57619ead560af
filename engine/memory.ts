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
// next user always runs after its previous one.
import { gpu } from './device.ts';

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

class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** Bytes of every buffer the pool has ever created and not destroyed (in use or free). */
  allocatedBytes = 0;

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const reused = this.free.get(size)?.pop();
    if (reused) return reused;
    const { device, limits } = gpu();
    if (size > limits.maxBufferSize) {
      throw new Error(`cannot allocate ${bytes} bytes: over this adapter's maxBufferSize ${limits.maxBufferSize}`);
    }
    this.allocatedBytes += size;
    return device.createBuffer({ size, usage: USAGE });
  }

  release(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size);
    if (list) list.push(buffer);
    else this.free.set(buffer.size, [buffer]);
  }

  /** Destroys every free buffer (e.g. between benchmark shapes). */
  trim(): void {
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
    const i = this.owned.lastIndexOf(item);
    if (i < 0) return;
    this.owned.splice(i, 1);
    const parent = scopes[scopes.indexOf(this) - 1];
    parent?.adopt(item);
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
