// Tuned kernel choices: what `npm run tune` (bench/tune.ts) measured fastest on this adapter, per
// kernel and shape, for the ops to launch instead of their defaults.
//
// One JSON table per adapter, kept by the host (engine/gpu/host.ts: in Node, a file in the user's
// cache folder named after the adapter; a page keeps none). A table is used only when the adapter
// that wrote it (vendor, architecture, device, driver description, backend) is this one and its
// kernel version is this code's: the version is a hash of the WGSL the tunable generators emit at
// fixed probe shapes, so any change to a generator retires every older table.
//
// Entries are keyed by kernel (e.g. "matmul"), the fixed part of the shape (layout, flags) and its
// dims. Batches are padded to their longest sentence, so the token count (one dim of each product,
// the rows of layer norm, attention's sequence) moves from batch to batch, and the tuner measures
// a few representative lengths only. A launch takes the entry with its exact dims, else the
// nearest entry (by ratio) that differs from it in one dim by at most 2×; else the op's default.
// Two kernels choose only between the forms made for each class of adapter (`tunedForm`): the
// grad norm's grid and the embedding backward. ENGINE_KERNELS, their only setting, overrides the table.
import { host } from '#gpu-host';
import { attentionForward, attentionGradKeyValue } from '../../kernels/attention.ts';
import { attentionRowsForward, attentionRowsGradKeyValue } from '../../kernels/attention_rows.ts';
import { linkOccurrences, sortPositionsById, sumBuckets, sumChains } from '../../kernels/embedding.ts';
import { NORM_GRIDS, gradNormFinish, sumSquaresPartials, tensorSquaredNorms } from '../../kernels/grad_norm.ts';
import { layerNormBackwardInput, layerNormForward } from '../../kernels/layernorm.ts';
import { layerNormRowsBackwardInput, layerNormRowsForward } from '../../kernels/cpu/layernorm.ts';
import { DIRECT_DEFAULTS, matmulDirect } from '../../kernels/cpu/matmul.ts';
import { blockedOptionsFor, matmulBlocked, type MatmulShape } from '../../kernels/matmul.ts';
import { setting } from '../env.ts';
import { gpu, kernelClass, type AdapterIdentity, type KernelClass } from './device.ts';

export interface TunedEntry {
  kernel: string;
  key: string;
  dims: number[];
  /** The options to launch with (their meaning is the kernel's, e.g. a matmul configuration). */
  choice: Record<string, unknown>;
  /** Milliseconds per launch of the choice and of the default, re-timed side by side. */
  ms: number;
  defaultMs: number;
}

export interface TuningTable {
  version: string;
  adapter: AdapterIdentity;
  /** When it was made and for what (model shape, lengths), in words. */
  created: string;
  tunedFor: string;
  entries: TunedEntry[];
}

/** A launch may use an entry tuned for a size up to this factor away along one dim. */
const NEAREST_FACTOR = 2;

/** Where this adapter's table lives (in Node, a file). */
export function tuningFile(identity: AdapterIdentity = gpu().identity): string {
  return host.tuningTables.location(identity);
}

let version: string | undefined;

/**
 * Hash of what the tunable generators emit at fixed shapes and options, and of the option names a
 * table's choices are written in: changes with any of them.
 */
export function kernelVersion(): string {
  if (version) return version;
  const shapes: MatmulShape[] = [
    { batch: 1, m: 64, n: 48, k: 40, transA: false, transB: true, bias: true },
    { batch: 2, m: 37, n: 29, k: 23, transA: true, transB: false },
  ];
  const probes = [
    ...shapes.flatMap((s) => [
      matmulBlocked(s),
      matmulBlocked(s, { tileM: 32, threadM: 4 }),
      matmulDirect(s),
      matmulDirect(s, { threadM: 8, threads: 4 }),
    ]),
    attentionForward({ batch: 1, seq: 5, heads: 2, headDim: 8, tiling: { rows: 8, tile: 4 } }),
    attentionGradKeyValue({ batch: 1, seq: 5, heads: 2, headDim: 6 }),
    attentionRowsForward({ batch: 1, seq: 5, heads: 2, headDim: 8, tiling: { rows: 32, tile: 8 } }),
    attentionRowsGradKeyValue({ batch: 1, seq: 5, heads: 2, headDim: 6 }),
    layerNormForward(3, 40, 1e-5, false, { wg: 64 }),
    layerNormBackwardInput(3, 40, true, { wg: 128 }),
    layerNormRowsForward(3, 40, 1e-5, { residualRows: 3 }),
    layerNormRowsBackwardInput(3, 40),
    linkOccurrences(9, 5),
    sumChains(9, 5, 8),
    sortPositionsById(9, 5),
    sumBuckets(5, 8),
    ...Object.values(NORM_GRIDS).flatMap((grid) => [
      sumSquaresPartials([12, 7], 0, 0, grid),
      tensorSquaredNorms(2, 2, grid.threads),
      gradNormFinish(2, 1, grid.threads),
    ]),
  ];
  const optionNames = [blockedOptionsFor(shapes[0]), DIRECT_DEFAULTS].map((o) => Object.keys(o).join(','));
  version = host.hash([...optionNames, ...probes.map((k) => k.code)].join('\n'));
  return version;
}

const sameIdentity = (a: AdapterIdentity, b: AdapterIdentity) => JSON.stringify(a) === JSON.stringify(b);

export type TableState =
  | { state: 'used'; file: string; table: TuningTable }
  | { state: 'none' | 'stale' | 'unreadable'; file: string; why: string };

let loaded: TableState | undefined;
let bypass = 0;

/** Whether this adapter has a table for this kernel version, and why not when it has none. */
export function tuningState(): TableState {
  if (loaded) return loaded;
  const file = tuningFile();
  try {
    const text = host.tuningTables.read(file);
    if (text === undefined) {
      loaded = { state: 'none', file, why: 'no tuned kernel table for this adapter' };
      return loaded;
    }
    const table = JSON.parse(text) as TuningTable;
    if (!sameIdentity(table.adapter, gpu().identity)) {
      loaded = {
        state: 'stale',
        file,
        why: `the table was made on another adapter (${table.adapter.device}, ${table.adapter.description})`,
      };
    } else if (table.version !== kernelVersion()) {
      loaded = { state: 'stale', file, why: `the table is for kernel version ${table.version}, not this code's ${kernelVersion()}` };
    } else if (!Array.isArray(table.entries)) {
      loaded = { state: 'unreadable', file, why: 'the table has no entries list' };
    } else {
      loaded = { state: 'used', file, table };
    }
  } catch (err) {
    loaded = { state: 'unreadable', file, why: `cannot read it: ${(err as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/** One line for a job's first lines: the table in use, or that there is none and how to make one. */
export function tuningSummary(): string {
  const s = tuningState();
  if (s.state === 'used') return `kernels: tuned table ${s.file} (${s.table.entries.length} shapes, ${s.table.tunedFor})`;
  return `kernels: defaults (${s.why}: ${s.file}); \`npm run tune\` or \`npm run train -- --tune\` makes one`;
}

/** Writes this adapter's table, replacing any older one, and makes this process use it. */
export function writeTuningTable(entries: TunedEntry[], tunedFor: string): string {
  const table: TuningTable = { version: kernelVersion(), adapter: gpu().identity, created: new Date().toISOString(), tunedFor, entries };
  const file = tuningFile();
  host.tuningTables.write(file, `${JSON.stringify(table, null, 1)}\n`);
  loaded = undefined;
  return file;
}

/** Forgets the loaded table, so that the next lookup reads the file again. */
export function reloadTuningTable(): void {
  loaded = undefined;
}

/** Runs `body` with every op on its defaults, whatever the table says (to time one against the other). */
export function withoutTuning<T>(body: () => T): T {
  bypass++;
  try {
    return body();
  } finally {
    bypass--;
  }
}

/** The tuned choice for a launch of `kernel` at `key` and `dims`, if the table covers it. */
export function tunedChoice(kernel: string, key: string, dims: readonly number[]): Record<string, unknown> | undefined {
  if (bypass > 0) return undefined;
  const s = tuningState();
  if (s.state !== 'used') return undefined;
  let best: TunedEntry | undefined;
  let bestRatio = NEAREST_FACTOR;
  for (const e of s.table.entries) {
    if (e.kernel !== kernel || e.key !== key || e.dims.length !== dims.length) continue;
    const differing = dims.flatMap((d, i) => (d === e.dims[i] ? [] : [Math.max(d, e.dims[i]) / Math.max(1, Math.min(d, e.dims[i]))]));
    if (differing.length === 0) return e.choice;
    if (differing.length === 1 && differing[0] <= bestRatio) {
      best = e;
      bestRatio = differing[0];
    }
  }
  return best?.choice;
}

/**
 * The class of adapter whose form of `kernel` to launch at `key` and `dims`, for the kernels that
 * choose only between the forms made for each class (the grad norm's grid, the embedding
 * backward): ENGINE_KERNELS when set, else the tuned table's `form`, else the adapter's class.
 */
export function tunedForm(kernel: string, key: string, dims: readonly number[]): KernelClass {
  const form = setting('ENGINE_KERNELS') ? undefined : tunedChoice(kernel, key, dims)?.form;
  return form === 'gpu' || form === 'software' ? form : kernelClass();
}
