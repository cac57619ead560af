// Every ENGINE_* setting, declared in one place (as tinygrad's helpers.py declares its own).
//
// Nothing else in the engine reads the environment: code asks `setting('ENGINE_MATMUL')` and gets
// the parsed value, or an Error naming the variable and what it accepts. In Node the values come
// from process.env; a page (which has no process.env) hands its own with `configureSettings`.
// `withSettings` runs a function with some values replaced, for tests and benchmarks that compare
// kernels. docs/settings.md lists the same table, and test/docs checks that the two agree.

type Parsed<S> = S extends { parse: (text: string) => infer V } ? V : never;

/** A setting that takes one of a few words; unset (or empty) means `fallback`. */
function oneOf<const W extends string, F>(words: readonly W[], fallback: F, help: string) {
  return {
    accepts: words
      .map((w) => (/^\d+$/.test(w) ? w : `"${w}"`))
      .join(', ')
      .replace(/, ([^,]*)$/, ' or $1'),
    help,
    parse(text: string): W | F {
      if (text === '') return fallback;
      if (!(words as readonly string[]).includes(text)) throw new Error(`must be ${this.accepts}, not "${text}"`);
      return text as W;
    },
  };
}

export const SETTINGS = {
  ENGINE_BACKEND: oneOf(
    ['gpu', 'opengl'],
    undefined,
    "Dawn's backend: gpu (Vulkan, Metal or D3D12; a CPU implementation such as lavapipe is refused) or opengl (compatibility mode). Default: a GPU backend when there is one, else opengl.",
  ),
  ENGINE_DEBUG: oneOf(
    ['0', '1', '2', '3', '4'],
    '0',
    "What the engine prints on stderr: 1 each new kernel with its compile cost (pipeline creation, and its first launch run alone: CPU implementations compile then) and each replayed step; 2 also every launch (op, kernel, grid, tensors); 3 also each submit's kernels with their GPU time (a training step is one submit); 4 also the WGSL of each compiled kernel.",
  ),
  ENGINE_QUIET: oneOf(['0', '1'], '0', "1 silences the engine's one-line notes (the adapter it opened, a kernel it turned off)."),
  ENGINE_KERNELS: oneOf(
    ['gpu', 'software'],
    undefined,
    "The class of adapter every kernel choice and constant is made for (matmul variant, attention's form, layer norm's threads per row, the grad norm's grid, the embedding backward's form): gpu or software (a CPU implementation). Default: the adapter's own class. Set, it also overrides the tuned table for the grad norm's grid and the embedding backward's form, which have no setting of their own.",
  ),
  ENGINE_MATMUL: oneOf(
    ['blocked', 'direct', 'split-k'],
    undefined,
    "The matmul kernel the ops launch: blocked (variant 3), direct (variant 4, CPU implementations' default) or split-k (variant 6, at least 2 slices of K). GPUs' default is blocked, split-K for weight gradients whose output has too few tiles to fill the GPU. Set, it also overrides the tuned table.",
  ),
  ENGINE_ATTENTION: oneOf(
    ['blocks', 'rows', 'cpu'],
    undefined,
    "Attention's kernels: blocks (variant 3, a workgroup per block of rows: GPUs' default), rows (variant 2, a thread per row) or cpu (the row kernels as CPU implementations run them: their default). Set, it also overrides the tuned table.",
  ),
  ENGINE_SUBGROUPS: oneOf(
    ['0', '1'],
    undefined,
    'Row reductions with subgroup operations: 0 forces workgroup-memory trees, 1 insists on subgroups (an error without them). Default: subgroups when the adapter has them.',
  ),
  ENGINE_SUBGROUP_MATRIX: oneOf(
    ['0', '1'],
    undefined,
    'f16 products on subgroup matrices (matmul variant 5) when the adapter offers them: 0 turns them off, tuned table or not. Default: used for the products where npm run tune validated it and timed it faster than variant 3.',
  ),
  ENGINE_REPLAY: oneOf(['0', '1'], '1', 'Training steps are recorded once per batch shape and replayed: 0 runs the op code every step.'),
  ENGINE_MEMORY_LIMIT: {
    accepts: 'a positive number of bytes',
    help: "A cap on the engine's GPU memory pool, in bytes: past it, allocation fails as it would on a small GPU. Default: no cap.",
    parse(text: string): number {
      if (text === '') return Infinity;
      const bytes = Number(text);
      if (!Number.isInteger(bytes) || bytes <= 0) throw new Error(`must be ${this.accepts}, not "${text}"`);
      return bytes;
    },
  },
} as const;

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<N extends SettingName> = Parsed<(typeof SETTINGS)[N]>;

/** Where unset values come from: process.env in Node, `configureSettings`' object in a page. */
let source: Readonly<Record<string, string | undefined>> = globalThis.process?.env ?? {};
const overrides = new Map<SettingName, string | undefined>();
const parsed = new Map<SettingName, unknown>();

/** The value of setting `name`, parsed (and cached: the engine reads some on every launch). */
export function setting<N extends SettingName>(name: N): SettingValue<N> {
  if (parsed.has(name)) return parsed.get(name) as SettingValue<N>;
  const text = (overrides.has(name) ? overrides.get(name) : source[name]) ?? '';
  let value: unknown;
  try {
    value = SETTINGS[name].parse(text);
  } catch (err) {
    throw new Error(`${name} ${(err as Error).message}`);
  }
  parsed.set(name, value);
  return value as SettingValue<N>;
}

/** Reads settings from `values` from now on (a page's settings; Node reads process.env). */
export function configureSettings(values: Readonly<Record<string, string | undefined>>): void {
  source = values;
  parsed.clear();
}

/**
 * Runs `fn` with some settings replaced (undefined: unset), then restores them: when `fn` returns,
 * or, when it returns a promise, once that settles.
 */
export function withSettings<T>(values: Partial<Record<SettingName, string | undefined>>, fn: () => T): T {
  const saved = new Map(overrides);
  const restore = () => {
    overrides.clear();
    for (const [name, value] of saved) overrides.set(name, value);
    parsed.clear();
  };
  for (const [name, value] of Object.entries(values)) overrides.set(name as SettingName, value);
  parsed.clear();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    restore();
    throw err;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
