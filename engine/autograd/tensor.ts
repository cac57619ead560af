// Tensor: a shaped piece of GPU memory, and a node of the autograd graph (see autograd.ts).
//
// Each op that makes a tensor from others records its parents and a backward function that maps
// the output's gradient to its parents' gradients. Unlike micrograd's `_backward`, which adds into
// its parents' `.grad` itself, it returns them, and autograd.ts does the summing. Ops also record
// their name on the tensor (`op`, see trace.ts).
//
// Tensors made while a StepScope is open are released when it ends; tensors made outside any
// scope (parameters, optimizer state) are persistent. Using a released tensor is an error.
import { readBuffersLater, writeBuffer } from '../gpu/dispatch.ts';
import { halfBits, halfValue } from './float16.ts';
import { currentScope, disown, pool, type Releasable } from '../gpu/memory.ts';

/** f16 tensors (2 bytes per element) hold the operands of mixed-precision products (autocast.ts). */
export type DType = 'f32' | 'i32' | 'f16';

const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, i32: 4, f16: 2 };

export interface TensorOptions {
  requiresGrad?: boolean;
  name?: string;
  /** Not owned by any step scope: lives until released by hand (parameters, optimizer state). */
  persistent?: boolean;
  /** Shares this tensor's memory: all of it (a reshape) or its first elements. */
  viewOf?: Tensor;
}
export type Shape = readonly number[];

let gradEnabled = true;
let nextId = 0;

/** The id the next tensor will get: every tensor made after this call has an id at least this. */
export function nextTensorId(): number {
  return nextId;
}

export function numel(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export const shapeStr = (shape: Shape) => `[${shape.join(', ')}]`;

export class Tensor implements Releasable {
  readonly id = nextId++;
  /** Number of elements (torch's numel()); byteLength is its size in bytes. */
  readonly numel: number;
  grad: Tensor | null = null;
  /** Set on leaves whose gradient we want (parameters); propagated to op results. */
  requiresGrad: boolean;
  name: string;
  /** The op that made this tensor, e.g. "linear" (set by trace.ts's `op`); null for leaves. */
  op: string | null = null;
  private _buffer: GPUBuffer | null;
  /** A view (a reshape, or a tensor's first elements) shares its base's memory and never frees it. */
  readonly viewOf: Tensor | null;
  private _persistent: boolean;
  private parents: Tensor[] = [];
  private backwardFn: BackwardFn | null = null;
  private takesTwoParts = false;

  constructor(
    readonly shape: Shape,
    readonly dtype: DType = 'f32',
    opts: TensorOptions = {},
  ) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`invalid tensor shape ${shapeStr(shape)}`);
    }
    this.numel = numel(shape);
    this.requiresGrad = opts.requiresGrad ?? false;
    this.name = opts.name ?? `t${this.id}`;
    this.viewOf = opts.viewOf ?? null;
    this._persistent = opts.persistent ?? false;
    if (this.viewOf) {
      if (this.viewOf.numel < this.numel || this.viewOf.dtype !== this.dtype)
        throw new Error(
          `cannot view ${this.viewOf.name} ${this.viewOf.dtype} ${shapeStr(this.viewOf.shape)} as ${dtype} ${shapeStr(shape)}`,
        );
      this._buffer = this.viewOf.buffer;
    } else {
      this._buffer = pool.acquire(this.bindingBytes, this.name);
    }
    if (!opts.persistent) currentScope()?.adopt(this);
  }

  get byteLength(): number {
    return this.numel * BYTES_PER_ELEMENT[this.dtype];
  }

  /** Bindings are whole 4-byte words: an odd count of f16 elements ends in half a word of padding. */
  private get bindingBytes(): number {
    return Math.max(4, Math.ceil(this.byteLength / 4) * 4);
  }

  get buffer(): GPUBuffer {
    if (!this._buffer || this.viewOf?.released)
      throw new Error(`tensor ${this.name} ${shapeStr(this.shape)} was released and cannot be used`);
    return this._buffer;
  }

  /** The binding a kernel sees: exactly this tensor's bytes. */
  get binding(): GPUBufferBinding {
    return { buffer: this.buffer, offset: 0, size: this.bindingBytes };
  }

  /** Not owned by any step scope (parameters, optimizer state): lives until released by hand. */
  get persistent(): boolean {
    return this._persistent;
  }

  /** Takes this tensor out of the step scope that owns it: it then lives until released by hand. */
  persist(): void {
    disown(this);
    this._persistent = true;
  }

  get released(): boolean {
    return this._buffer === null;
  }

  release(): void {
    if (this._buffer && !this.viewOf) pool.release(this._buffer);
    this._buffer = null;
    this.parents = [];
    this.backwardFn = null;
    this.takesTwoParts = false;
  }

  static fromArray(data: ArrayLike<number>, shape: Shape, dtype: DType = 'f32', opts: TensorOptions = {}): Tensor {
    if (data.length !== numel(shape)) {
      throw new Error(`${data.length} values do not fill shape ${shapeStr(shape)} (${numel(shape)} elements)`);
    }
    const t = new Tensor(shape, dtype, opts);
    t.write(data);
    return t;
  }

  write(data: ArrayLike<number>): void {
    if (data.length !== this.numel) throw new Error(`${data.length} values do not fill tensor ${this.name} ${shapeStr(this.shape)}`);
    if (this.numel === 0) return;
    if (this.dtype === 'f16') {
      // Padded to whole words: writeBuffer takes multiples of 4 bytes.
      const bits = new Uint16Array(this.bindingBytes / 2);
      for (let i = 0; i < data.length; i++) bits[i] = halfBits(data[i]);
      writeBuffer(this.buffer, 0, bits);
      return;
    }
    writeBuffer(this.buffer, 0, this.dtype === 'i32' ? Int32Array.from(data) : Float32Array.from(data));
  }

  /** The values on the CPU; f16 ones widened to f32 (exactly). */
  async toArray(): Promise<Float32Array | Int32Array> {
    return (await readLater([this])())[0];
  }

  async toFloat32(): Promise<Float32Array> {
    const a = await this.toArray();
    return a instanceof Float32Array ? a : Float32Array.from(a);
  }

  /** Reads a one-element tensor. */
  async item(): Promise<number> {
    if (this.numel !== 1) throw new Error(`item() needs a one-element tensor, ${this.name} has shape ${shapeStr(this.shape)}`);
    return (await this.toArray())[0];
  }

  /**
   * Records how this tensor was made: `backwardFn` maps its gradient to one gradient per parent.
   * With `twoParts`, a tensor that two ops use gets both their gradients, `backwardFn(grad, more)`,
   * and adds them as its kernels read them, instead of backward adding them in a launch first.
   */
  setBackward(parents: Tensor[], backwardFn: BackwardFn, { twoParts = false } = {}): this {
    if (gradEnabled && parents.some((p) => p.requiresGrad)) {
      this.requiresGrad = true;
      this.parents = parents;
      this.backwardFn = backwardFn;
      this.takesTwoParts = twoParts;
    }
    return this;
  }

  /** The graph edges, for autograd.ts. */
  get creator(): { parents: readonly Tensor[]; backwardFn: BackwardFn; twoParts: boolean } | null {
    return this.backwardFn ? { parents: this.parents, backwardFn: this.backwardFn, twoParts: this.takesTwoParts } : null;
  }
}

/**
 * Copies the tensors' values out in order with the work recorded so far, and returns the function
 * that reads them (see dispatch.ts's `readBuffersLater`): i32 tensors as Int32Array, others as
 * Float32Array (f16 widened exactly).
 */
export function readLater(tensors: readonly Tensor[]): () => Promise<(Float32Array | Int32Array)[]> {
  const read = readBuffersLater(tensors.map((t) => ({ ...t.binding, size: Math.max(4, t.byteLength) })));
  return async () =>
    (await read()).map((bytes, i) => {
      const t = tensors[i];
      if (t.numel === 0) return t.dtype === 'i32' ? new Int32Array(0) : new Float32Array(0);
      if (t.dtype === 'f16') return Float32Array.from(new Uint16Array(bytes, 0, t.numel), halfValue);
      return t.dtype === 'i32' ? new Int32Array(bytes, 0, t.numel) : new Float32Array(bytes, 0, t.numel);
    });
}

/**
 * Given the gradient of an op's output, the gradient for each parent (null where none is needed).
 * `more`, only for a backward declared with `twoParts`: a second part of the output's gradient,
 * which is then grad + more.
 */
export type BackwardFn = (grad: Tensor, more?: Tensor) => (Tensor | null)[];

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Runs `fn` without recording the graph (evaluation). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

export function assertShape(t: Tensor, shape: Shape, what: string): void {
  if (!sameShape(t.shape, shape)) throw new Error(`${what}: expected shape ${shapeStr(shape)}, got ${t.name} ${shapeStr(t.shape)}`);
}
