// The matmul variants, numbered as in llm.c's dev/cuda so that the benchmark can validate and time
// each one (`matmulVariants[v].kernel(shape, options?)`); kernels/matmul.ts describes them.
import { type DirectOptions, matmulDirect } from './cpu/matmul.ts';
import { type BlockedOptions, type MatmulShape, matmulBlocked } from './matmul.ts';
import { type SplitKOptions, matmulSplitK } from './matmul_split_k.ts';
import { matmulNaive, matmulTiled } from './matmul_teaching.ts';

export const matmulVariants = {
  1: { name: 'naive', kernel: (s: MatmulShape) => matmulNaive(withoutGelu(s, 'naive')) },
  2: { name: 'tiled', kernel: (s: MatmulShape) => matmulTiled(withoutGelu(s, 'tiled')) },
  3: { name: 'blocked', kernel: (s: MatmulShape, options?: Partial<BlockedOptions>) => matmulBlocked(s, options) },
  4: { name: 'direct', kernel: (s: MatmulShape, options?: Partial<DirectOptions>) => matmulDirect(s, options) },
  // 5, subgroup-matrix, runs only where the engine validated it (engine/ops/subgroup_matrix.ts).
  6: { name: 'split-K', kernel: (s: MatmulShape, options?: Partial<SplitKOptions>) => matmulSplitK(s, options) },
} as const;
export type MatmulVariant = keyof typeof matmulVariants;

/** Variants 1 and 2 stay literal WGSL (matmul_teaching.ts): no epilogue but the bias, no slots. */
function withoutGelu(s: MatmulShape, variant: string): MatmulShape {
  if (s.gelu) throw new Error(`matmul variant ${variant} has no GELU epilogue (variants 3, 4 and 6 have)`);
  if (s.slots) throw new Error(`matmul variant ${variant} has no slotted operands (variants 3, 4 and 6 have)`);
  return s;
}
