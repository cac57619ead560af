// The benchmark's command line: what to run, at which shapes, how long, and where to write.
//
// Every shape is an option so that llvmpipe (a CPU rasteriser, ~1-2 GFLOP/s) can use small ones;
// the defaults are DistilBERT-base at batch 64 × sequence 64, the shapes a training step sees.
import { parseArgs } from 'node:util';
import type { MatmulConfig } from '../engine/index.ts';
import { DEFAULT_MATMUL_CONFIGS, parseMatmulConfig } from '../tune/matmul_configs.ts';

export const GROUPS = [
  'matmul',
  'attention',
  'softmax',
  'layernorm',
  'rmsnorm',
  'gelu',
  'select',
  'xent',
  'embedding',
  'adamw',
  'gradnorm',
  'amp',
  'peers',
  'profile',
  'host',
  'grid',
] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchOptions {
  /** Tokens per step = batch · seq. */
  batch: number;
  seq: number;
  dim: number;
  hidden: number;
  heads: number;
  layers: number;
  vocab: number;
  /** Sequence classes (cross-entropy's C). */
  classes: number;
  /** Square sizes n for the n×n×n matmuls compared against the peers. */
  matmulSizes: number[];
  /** Configurations of the blocked (variant 3), direct (variant 4) and split-K (variant 6) matmuls to sweep. */
  matmulConfigs: MatmulConfig[];
  only: ReadonlySet<Group>;
  /** Only the variants numbered or named so (llm.c's `./matmul_forward 4`); all when undefined. */
  variant?: string;
  quick: boolean;
  warmup: number;
  repeats: number;
  /** A wall-clock sample runs the workload enough times to last this long. */
  minSampleMs: number;
  peakTflops?: number;
  peakGbps?: number;
  json?: string;
  report?: string;
}

export type { MatmulConfig };

export const HELP = `npm run bench -- [options]
Kernel benchmarks (every variant validated against a float64 CPU reference, then timed), the same
matmuls through TensorFlow.js and jax-js on the same device, a profile of one training step, and
(grid) the workgroups of every launch of a step as a GPU runs it, recorded without running: seconds.

  --only LIST          groups to run, comma-separated (default all):
                       ${GROUPS.join(', ')}
  --variant V          only the variants numbered V (e.g. --only matmul --variant 4) or named V
  --quick              one warm-up and three timed samples, short samples
  --warmup N           untimed runs before timing (default 2)
  --repeats N          timed samples; the table shows their median and spread (default 7)
  --json FILE          write every result as JSON
  --report FILE.md     write a markdown report, with SVG bar charts next to it
  --peak-tflops X      the device's fp32 peak, to show matmul as a fraction of it
  --peak-gbps X        the device's memory bandwidth, for memory-bound kernels
Shapes, named as npm run train names them (defaults: DistilBERT-base, batch 64 x sequence 64):
  --batch-size N (64)  --max-length N (64)  --dim N (768)  --hidden-dim N (3072)  --heads N (12)
  --layers N (6)  --vocab N (30522)  --classes N (2)
  (--batch, --seq and --hidden are accepted too)
  --matmul-sizes LIST  square sizes compared with the peers (default 256,512,1024)
  --matmul-configs LIST  matmul configurations to sweep, comma-separated. Blocked (variant 3):
                       TMxTNxTK/RMxRN, a TMxTN tile of C per workgroup, K steps of TK, RMxRN
                       outputs per thread. Split-K (variant 6): TMxTNxTK/RMxRN/sS, the same in S
                       slices of K. Direct (variant 4): RMxRN/T, RMxRN outputs per thread, T
                       threads per workgroup (default ${DEFAULT_MATMUL_CONFIGS.join(',')})
On llvmpipe (no GPU) use small shapes, e.g.
  npm run bench -- --quick --batch-size 4 --max-length 32 --dim 128 --hidden-dim 512 --heads 4 --layers 2 --vocab 1000
`;

const DEFAULTS = { batch: 64, seq: 64, dim: 768, hidden: 3072, heads: 12, layers: 6, vocab: 30522, classes: 2 };
export type ModelShape = typeof DEFAULTS;

/** Each shape's flag, named as npm run train names it, and the older name bench also accepts. */
const SHAPE_FLAG_NAMES: Record<keyof ModelShape, { flag: string; alias?: string }> = {
  batch: { flag: 'batch-size', alias: 'batch' },
  seq: { flag: 'max-length', alias: 'seq' },
  dim: { flag: 'dim' },
  hidden: { flag: 'hidden-dim', alias: 'hidden' },
  heads: { flag: 'heads' },
  layers: { flag: 'layers' },
  vocab: { flag: 'vocab' },
  classes: { flag: 'classes' },
};

/** The shape flags (--batch-size, --max-length, --dim, …) for node:util's parseArgs, shared with `npm run tune`. */
export const SHAPE_FLAGS = Object.fromEntries(
  Object.values(SHAPE_FLAG_NAMES).flatMap(({ flag, alias }) =>
    [flag, ...(alias ? [alias] : [])].map((f) => [f, { type: 'string' as const }]),
  ),
) as Record<string, { type: 'string' }>;

/** The value of shape `key` as given on the command line, under its name or its alias; undefined if not given. */
export function shapeFlag(values: Record<string, unknown>, key: keyof ModelShape): string | undefined {
  const { flag, alias } = SHAPE_FLAG_NAMES[key];
  if (alias && values[flag] !== undefined && values[alias] !== undefined)
    throw new Error(`--${flag} and --${alias} name the same shape: give one`);
  const value = values[flag] ?? (alias ? values[alias] : undefined);
  return value === undefined ? undefined : String(value);
}

export function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

/** The shape flags' values, defaults where not given. */
export function shapeOf(values: Record<string, unknown>): ModelShape {
  const shape = Object.fromEntries(
    Object.entries(DEFAULTS).map(([k, d]) => {
      const given = shapeFlag(values, k as keyof ModelShape);
      return [k, given === undefined ? d : positiveInt(SHAPE_FLAG_NAMES[k as keyof ModelShape].flag, given)];
    }),
  ) as ModelShape;
  if (shape.dim % shape.heads) throw new Error(`--dim ${shape.dim} must be a multiple of --heads ${shape.heads}`);
  return shape;
}

/** Parses argv (without node and the script); returns null when --help was asked for. */
export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      variant: { type: 'string' },
      warmup: { type: 'string' },
      repeats: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      'peak-tflops': { type: 'string' },
      'peak-gbps': { type: 'string' },
      'matmul-sizes': { type: 'string' },
      'matmul-configs': { type: 'string' },
      ...SHAPE_FLAGS,
    },
  });
  if (values.help) return null;
  const shape = shapeOf(values);

  const only = new Set<Group>();
  for (const name of values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? GROUPS) {
    if (!(GROUPS as readonly string[]).includes(name)) throw new Error(`--only: unknown group "${name}" (known: ${GROUPS.join(', ')})`);
    only.add(name as Group);
  }
  const quick = values.quick ?? false;
  if (values.report !== undefined && !values.report.endsWith('.md'))
    throw new Error(`--report must name a .md file, got "${values.report}"`);
  return {
    ...shape,
    matmulSizes: (values['matmul-sizes'] ?? '256,512,1024').split(',').map((s) => positiveInt('matmul-sizes', s.trim())),
    matmulConfigs: (values['matmul-configs']?.split(',') ?? DEFAULT_MATMUL_CONFIGS).map(parseMatmulConfig),
    only,
    variant: values.variant,
    quick,
    warmup: values.warmup === undefined ? (quick ? 1 : 2) : positiveInt('warmup', values.warmup),
    repeats: values.repeats === undefined ? (quick ? 3 : 7) : positiveInt('repeats', values.repeats),
    minSampleMs: quick ? 5 : 50,
    peakTflops: values['peak-tflops'] === undefined ? undefined : positiveNumber('peak-tflops', values['peak-tflops']),
    peakGbps: values['peak-gbps'] === undefined ? undefined : positiveNumber('peak-gbps', values['peak-gbps']),
    json: values.json,
    report: values.report,
  };
}
