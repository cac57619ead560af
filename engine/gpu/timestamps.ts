// GPU time per kernel launch, from timestamp queries: each timed launch gets a compute pass of its
// own with a timestamp at its beginning and end (WebGPU writes timestamps only at pass boundaries;
// Dawn rounds them to 100 µs unless told otherwise, which engine/gpu/device.ts does). The
// benchmark times workloads with `TimestampRecorder`; ENGINE_DEBUG=3 prints each submit's kernels
// with their times (`printKernelTimes`). Needs the adapter's 'timestamp-query' feature.
import { commandEncoder, flush, observeLaunches, observeSubmits, synchronize } from './dispatch.ts';

// WebGPU caps a query set at 4096 queries: two per launch.
const QUERIES_PER_SET = 4096;

export interface LaunchTime {
  name: string;
  ms: number;
}

/**
 * Gives every kernel launch recorded between `start` and `stop` a compute pass of its own with
 * timestamps at its beginning and end, and reads the durations back.
 */
export class TimestampRecorder {
  private sets: GPUQuerySet[] = [];
  private names: string[] = [];
  private resolve?: GPUBuffer;

  constructor(private readonly device: GPUDevice) {}

  start(): void {
    this.names = [];
    observeLaunches((launch) => {
      const index = this.names.length;
      this.names.push(launch.name);
      const set = Math.floor((2 * index) / QUERIES_PER_SET);
      const slot = (2 * index) % QUERIES_PER_SET;
      if (set === this.sets.length) this.sets.push(this.device.createQuerySet({ type: 'timestamp', count: QUERIES_PER_SET }));
      return { querySet: this.sets[set], beginningOfPassWriteIndex: slot, endOfPassWriteIndex: slot + 1 };
    });
  }

  /** Stops recording; the duration of every launch since `start`, in launch order. */
  async stop(): Promise<LaunchTime[]> {
    observeLaunches(null);
    const queries = 2 * this.names.length;
    if (queries === 0) return [];
    const bytes = queries * 8;
    if (!this.resolve || this.resolve.size < bytes) {
      this.resolve?.destroy();
      this.resolve = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    }
    const readback = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = commandEncoder();
    for (let first = 0; first < queries; first += QUERIES_PER_SET) {
      const count = Math.min(QUERIES_PER_SET, queries - first);
      encoder.resolveQuerySet(this.sets[first / QUERIES_PER_SET], 0, count, this.resolve, first * 8);
    }
    encoder.copyBufferToBuffer(this.resolve, 0, readback, 0, bytes);
    flush();
    try {
      await readback.mapAsync(GPUMapMode.READ);
      const ns = new BigInt64Array(readback.getMappedRange());
      // Timestamps of one pass can come back out of order on some drivers: clamp to zero.
      return this.names.map((name, i) => ({ name, ms: Math.max(0, Number(ns[2 * i + 1] - ns[2 * i])) / 1e6 }));
    } finally {
      readback.destroy();
      await synchronize();
    }
  }

  destroy(): void {
    for (const set of this.sets) set.destroy();
    this.resolve?.destroy();
    this.sets = [];
  }
}

/** ENGINE_DEBUG=3: after each submit (a training step is one), its kernels' GPU times, summed by kernel. */
export function printKernelTimes(device: GPUDevice): void {
  const sets: GPUQuerySet[] = [];
  let names: string[] = [];
  let resolve: GPUBuffer | undefined;
  let pending: { readback: GPUBuffer; names: string[] } | null = null;
  let submits = 0;
  observeLaunches((launch) => {
    const index = names.length;
    names.push(launch.name);
    const set = Math.floor((2 * index) / QUERIES_PER_SET);
    if (set === sets.length) sets.push(device.createQuerySet({ type: 'timestamp', count: QUERIES_PER_SET }));
    const slot = (2 * index) % QUERIES_PER_SET;
    return { querySet: sets[set], beginningOfPassWriteIndex: slot, endOfPassWriteIndex: slot + 1 };
  });
  observeSubmits({
    beforeFinish(encoder) {
      if (names.length === 0) return;
      const bytes = 16 * names.length;
      if (!resolve || resolve.size < bytes) {
        resolve?.destroy();
        resolve = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      }
      for (let first = 0; first < 2 * names.length; first += QUERIES_PER_SET) {
        encoder.resolveQuerySet(sets[first / QUERIES_PER_SET], 0, Math.min(QUERIES_PER_SET, 2 * names.length - first), resolve, first * 8);
      }
      const readback = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(resolve, 0, readback, 0, bytes);
      pending = { readback, names };
      names = [];
    },
    afterSubmit() {
      if (!pending) return;
      const { readback, names: launched } = pending;
      pending = null;
      const submit = ++submits;
      readback.mapAsync(GPUMapMode.READ).then(() => {
        const ns = new BigInt64Array(readback.getMappedRange());
        const byKernel = new Map<string, { ms: number; count: number }>();
        launched.forEach((name, i) => {
          const entry = byKernel.get(name) ?? { ms: 0, count: 0 };
          entry.ms += Math.max(0, Number(ns[2 * i + 1] - ns[2 * i])) / 1e6;
          entry.count++;
          byKernel.set(name, entry);
        });
        readback.destroy();
        const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
        const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
        const lines = rows.map(([name, e]) => `[engine]   ${e.ms.toFixed(3).padStart(9)} ms ${`${e.count}x`.padStart(5)} ${name}`);
        console.error([`[engine] submit ${submit}: ${launched.length} launches, ${total.toFixed(3)} ms of GPU time`, ...lines].join('\n'));
      });
    },
  });
}
