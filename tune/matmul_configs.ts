// The benchmark's names for matmul configurations (`--matmul-configs`, `npm run tune`'s table):
// what they mean and how they are written. No command-line parsing here, so that the lab page can
// build the benchmark's kernel groups as bench/options.ts does.
import type { MatmulConfig } from '../engine/index.ts';
import { matmulVariants } from '../kernels/matmul_variants.ts';

/** The configurations `npm run bench` sweeps by default. */
export const DEFAULT_MATMUL_CONFIGS = [
  '128x128x8/8x8',
  '128x128x16/8x8',
  '256x128x8/16x8',
  '64x64x16/8x8',
  '64x64x16/4x4',
  '64x64x16/8x8/s4',
  '8x8/8',
];

const FORMS = 'TMxTNxTK/RMxRN[/sS] (blocked, e.g. 64x64x16/8x8, split-K in S slices with /s8) or RMxRN/T (direct, e.g. 16x4/8)';

/**
 * "64x64x16/8x8" -> blocked (variant 3): a 64×64 tile of C per workgroup, K steps of 16, 8×8
 * outputs per thread; "64x64x16/8x8/s8" -> split-K (variant 6): the same in 8 slices of K.
 * "16x4/8" -> direct (variant 4): 16×4 outputs per thread, 8 threads.
 */
export function parseMatmulConfig(text: string): MatmulConfig {
  const blocked = /^(\d+)x(\d+)x(\d+)\/(\d+)x(\d+)(?:\/s(\d+))?$/.exec(text.trim());
  if (blocked) {
    const [tileM, tileN, tileK, threadM, threadN] = blocked.slice(1, 6).map(Number);
    if (blocked[6] !== undefined) return { variant: 6, tileM, tileN, tileK, threadM, threadN, splits: Number(blocked[6]) };
    return { variant: 3, tileM, tileN, tileK, threadM, threadN };
  }
  const direct = /^(\d+)x(\d+)\/(\d+)$/.exec(text.trim());
  if (direct) {
    const [threadM, threadN, threads] = direct.slice(1).map(Number);
    return { variant: 4, threadM, threadN, threads };
  }
  throw new Error(`--matmul-configs: "${text}" is not ${FORMS}`);
}

/** A configuration in the words above; variant 5's: its matrices M×N×K, subgroups, matrices per subgroup and K steps. */
export function configName(o: MatmulConfig): string {
  if (o.variant === 4) return `${o.threadM}x${o.threadN}/${o.threads}`;
  if (o.variant === 5) {
    const { M, N, K } = o.config;
    return `${M}x${N}x${K} matrices, ${o.subgroupsM}x${o.subgroupsN} subgroups of ${o.tilesM}x${o.tilesN}, ${o.kSteps} K steps`;
  }
  const tiles = `${o.tileM}x${o.tileN}x${o.tileK}/${o.threadM}x${o.threadN}`;
  return o.variant === 6 ? `${tiles}/s${o.splits}` : tiles;
}

/** A variant's name: blocked, direct, split-k (kernels/matmul_variants.ts) or subgroup-matrix. */
export const variantName = (o: MatmulConfig) => (o.variant === 5 ? 'subgroup-matrix' : matmulVariants[o.variant].name);
