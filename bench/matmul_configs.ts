// The benchmark's names for matmul configurations (`--matmul-configs`, `npm run tune`'s table):
// what they mean and how they are written. No command-line parsing here, so that the lab page can
// build the benchmark's kernel groups as bench/options.ts does.
import type { MatmulConfig } from '../engine/index.ts';

/** The configurations `npm run bench` sweeps by default. */
export const DEFAULT_MATMUL_CONFIGS = ['128x128x8/8x8', '128x128x16/8x8', '256x128x8/16x8', '64x64x16/8x8', '64x64x16/4x4', '8x8/8'];

const FORMS = 'TMxTNxTK/RMxRN (blocked, e.g. 64x64x16/8x8) or RMxRN/T (direct, e.g. 16x4/8)';

/**
 * "64x64x16/8x8" -> blocked (variant 3): a 64×64 tile of C per workgroup, K steps of 16, 8×8
 * outputs per thread.
 * "16x4/8" -> direct (variant 4): 16×4 outputs per thread, 8 threads.
 */
export function parseMatmulConfig(text: string): MatmulConfig {
  const blocked = /^(\d+)x(\d+)x(\d+)\/(\d+)x(\d+)$/.exec(text.trim());
  if (blocked) {
    const [tileM, tileN, tileK, threadM, threadN] = blocked.slice(1, 6).map(Number);
    return { variant: 3, tileM, tileN, tileK, threadM, threadN };
  }
  const direct = /^(\d+)x(\d+)\/(\d+)$/.exec(text.trim());
  if (direct) {
    const [threadM, threadN, threads] = direct.slice(1).map(Number);
    return { variant: 4, threadM, threadN, threads };
  }
  throw new Error(`--matmul-configs: "${text}" is not ${FORMS}`);
}

export const configName = (o: MatmulConfig) =>
  o.variant === 3 ? `${o.tileM}x${o.tileN}x${o.tileK}/${o.threadM}x${o.threadN}` : `${o.threadM}x${o.threadN}/${o.threads}`;
