// The benchmark's names for matmul configurations (`--matmul-configs`, `npm run tune`'s table):
// what they mean and how they are written. No command-line parsing here, so that the lab page can
// build the benchmark's kernel groups as bench/options.ts does.
import type { MatmulConfig } from '../engine/index.ts';

/** The configurations `npm run bench` sweeps by default. */
export const DEFAULT_MATMUL_CONFIGS = [
  '128x128x8/8x8/4',
  '128x128x8/8x8/4/p',
  '128x128x16/8x8/4',
  '256x128x8/16x8/4',
  '64x64x16/8x8/4',
  '64x64x16/4x4/1',
  '8x8/2x4/4',
];

/**
 * "64x64x16/4x4/4" -> blocked: tile 64×64, K step 16, 4×4 outputs per thread, vec4 loads; "/p"
 * adds prefetch. "16x16/2x4/4" -> direct: 16×16 outputs per thread, 2×4 threads, vec4 loads.
 */
export function parseMatmulConfig(text: string): MatmulConfig {
  const blocked = /^(\d+)x(\d+)x(\d+)\/(\d+)x(\d+)\/([14])(\/p)?$/.exec(text.trim());
  if (blocked) {
    const [tileM, tileN, tileK, threadM, threadN, vectorWidth] = blocked.slice(1, 7).map(Number);
    return { variant: 3, tileM, tileN, tileK, threadM, threadN, vectorWidth: vectorWidth as 1 | 4, prefetch: blocked[7] !== undefined };
  }
  const direct = /^(\d+)x(\d+)\/(\d+)x(\d+)\/([14])$/.exec(text.trim());
  if (direct) {
    const [threadM, threadN, workgroupM, workgroupN, vectorWidth] = direct.slice(1).map(Number);
    return { variant: 4, threadM, threadN, workgroupM, workgroupN, vectorWidth: vectorWidth as 1 | 4 };
  }
  throw new Error(
    `--matmul-configs: "${text}" is not TMxTNxTK/RMxRN/V[/p] (blocked, e.g. 64x64x16/4x4/4) or RMxRN/WMxWN/V (direct, e.g. 16x16/2x4/4)`,
  );
}

export const configName = (o: MatmulConfig) =>
  o.variant === 3
    ? `${o.tileM}x${o.tileN}x${o.tileK}/${o.threadM}x${o.threadN}/${o.vectorWidth}${o.prefetch ? '/p' : ''}`
    : `${o.threadM}x${o.threadN}/${o.workgroupM}x${o.workgroupN}/${o.vectorWidth}`;
