// Attention on CPU implementations of WebGPU (Mesa's lavapipe and llvmpipe, SwiftShader), the
// form the op launches there: the row kernels (kernels/attention_rows.ts, attention variant 2) at
// one fixed tiling, with their loops over a head row bounded by a uniform.
//
// These adapters compile a shader with LLVM before it first runs, and LLVM unrolls a loop whose
// bound is a constant. Measured on lavapipe with a cold cache, on a 2-core machine shared with
// other jobs (process CPU time; `MESA_SHADER_CACHE_DISABLE=true npx tsx bench/attention_cost.ts`
// with the shapes below), for the forward / dQ / dK,dV kernels:
//                                   first launch (compile)    later launches
//   B8 H12 T64 D64     row kernels  4.8 / 7.0 / 8.4 s          49 / 61 / 62 ms
//                      this form    0.66 / 0.64 / 0.75 s       91 / 115 / 153 ms
//                      blocks       3.7 / 9.4 / 13.5 s         158 / 190 / 255 ms
//   B16 H2 T32 D16,    row kernels  0.99 / 1.2 / 1.1 s         2.6 / 2.5 / 2.2 ms
//   dropout            this form    0.41 / 0.69 / 0.57 s       3.5 / 4.0 / 5.6 ms
//                      blocks       1.8 / 2.7 / 5.2 s          4.3 / 4.7 / 5.7 ms
// Loops to a uniform compile 2-13× faster and run 1.5-2.5× slower: the default, because a test
// process, or a user's first run, pays every compile and runs few steps (Mesa keeps compiled
// shaders on disk, so later runs do not). For a long run, `npm run tune` times the row kernels
// (ENGINE_ATTENTION=rows) against this form and keeps the faster. The block kernels, what GPUs
// run (kernels/attention.ts), lose on both counts here: their barriers cost a CPU more than the
// row kernels' long loops.
//
// One tiling for every sequence length, 32 rows per workgroup, so that each head dim compiles
// once. CPU reference: reference/float64.ts `attentionRef`; tests: test/ops/attention.test.ts.
import type { AttentionDims, AttentionDropout } from '../attention.ts';
import { attentionRowsForward, attentionRowsGradKeyValue, attentionRowsGradQuery, rowTiling } from '../attention_rows.ts';
import type { KernelLaunch } from '../launch.ts';

/** Rows per workgroup: a sequence of up to 32 is one workgroup, with no idle thread past 32. */
const ROWS = 32;

const cpuDims = (dims: AttentionDims): AttentionDims => ({ ...dims, tiling: rowTiling({ ...dims, tiling: undefined }, ROWS) });
const UNIFORM_LOOPS = { uniformLoops: true };

/** Bindings as `attentionForward`'s (kernels/attention.ts). */
export const attentionCpuForward = (dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch =>
  attentionRowsForward(cpuDims(dims), dropout, UNIFORM_LOOPS);

/** Bindings as `attentionGradQuery`'s (kernels/attention.ts). */
export const attentionCpuGradQuery = (dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch =>
  attentionRowsGradQuery(cpuDims(dims), dropout, UNIFORM_LOOPS);

/** Bindings as `attentionGradKeyValue`'s (kernels/attention.ts). */
export const attentionCpuGradKeyValue = (dims: AttentionDims, dropout: AttentionDropout | null = null): KernelLaunch =>
  attentionRowsGradKeyValue(cpuDims(dims), dropout, UNIFORM_LOOPS);
