// Matmul variant 4, "direct": the product as CPU implementations of WebGPU (Mesa's lavapipe and
// llvmpipe, SwiftShader) run it fastest, and the form the ops launch there. Shapes, layouts,
// bindings and the epilogue are kernels/matmul.ts's; this file is off the main reading path.
//
// Such an adapter runs a workgroup on one CPU thread with its invocations in SIMD lanes: a load
// whose address differs between lanes becomes a loop over the lanes, one whose address is the
// same in every lane a single load, and a workgroup barrier a switch between coroutines. So this
// kernel has no workgroup memory and no barriers: each thread reads its rows of A and columns of
// B straight from memory (the CPU caches do the tiling), and the workgroup's threads lie side by
// side along N, sharing their rows, so that every load of A is the same in all lanes.
//
// Thread t of workgroup (x, y, z) accumulates ROWS × COLS outputs of batch entry z: rows
// y·ROWS …, columns (x·THREADS + t)·COLS …. Threads past the edge of C read the last row or
// column and store nothing.
//
// These adapters compile a shader with LLVM before it first runs, after unrolling loops with
// constant bounds, so the block per thread sets both the compile time and the speed. On lavapipe
// (process CPU time, 768³ NT, NN and TN, a 2-core machine shared with other jobs), 16×4 per thread
// ran 4-10% slower than the kernel this one replaced (16×16 per thread, unrolled by hand and
// specialised for each layout and alignment) and compiles 2-100× faster; 8×8 ran as fast and
// compiled up to twice as slowly, 4×4 ran 1.4× slower. The compile times, kernel by kernel:
// bench/README.md, "Matmul on CPU adapters" (bench/matmul_cost.ts).
//
// CPU reference: reference/float64.ts `matmul`; tests: test/ops/matmul.test.ts.
import { type MatmulShape, MAX_INVOCATIONS, checkPositive, flagsName, operandFunctions, tileGrid, uniformsFor } from '../matmul.ts';
import type { KernelLaunch } from '../launch.ts';
import { fillTemplate } from '../template.ts';

export interface DirectOptions {
  /** Outputs per thread along M and N. */
  threadM: number;
  threadN: number;
  /** Threads per workgroup, side by side along N. */
  threads: number;
}

/** 8 threads: one SIMD batch of 256-bit lanes on llvmpipe. One configuration for every shape, so each kernel compiles once. */
export const DIRECT_DEFAULTS: DirectOptions = { threadM: 16, threadN: 4, threads: 8 };

const DIRECT = `{{OPERANDS}}
const ROWS = {{ROWS}}u;
const COLS = {{COLS}}u;
const THREADS = {{THREADS}}u;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let row0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * ROWS;
  if (row0 >= p.m) { return; }
  let col0 = (wid.x * THREADS + lid.x) * COLS;
  var acc: array<array<f32, COLS>, ROWS>;
  for (var k = 0u; k < p.k; k++) {
    var bRow: array<f32, COLS>;
    for (var j = 0u; j < COLS; j++) { bRow[j] = loadB(batch, k, min(col0 + j, p.n - 1u)); }
    for (var i = 0u; i < ROWS; i++) {
      let aValue = loadA(batch, min(row0 + i, p.m - 1u), k);
      for (var j = 0u; j < COLS; j++) { acc[i][j] += aValue * bRow[j]; }
    }
  }
  for (var i = 0u; i < ROWS; i++) {
    for (var j = 0u; j < COLS; j++) {
      if (row0 + i < p.m && col0 + j < p.n) { storeC(batch, row0 + i, col0 + j, acc[i][j]); }
    }
  }
}`;

/** Variant 4. */
export function matmulDirect(s: MatmulShape, options: Partial<DirectOptions> = {}): KernelLaunch {
  const o = { ...DIRECT_DEFAULTS, ...options };
  checkPositive(o, ['threadM', 'threadN', 'threads']);
  if (o.threads > MAX_INVOCATIONS)
    throw new Error(`matmul options ${JSON.stringify(o)}: ${o.threads} threads per workgroup, over ${MAX_INVOCATIONS}`);
  const { workgroups, mFolds } = tileGrid(s, o.threadM, o.threadN * o.threads);
  const uniforms = uniformsFor(s, mFolds);
  const code = fillTemplate(DIRECT, { OPERANDS: operandFunctions(s, uniforms), ROWS: o.threadM, COLS: o.threadN, THREADS: o.threads });
  return { name: `matmul_direct_${o.threadM}x${o.threadN}_${o.threads}${flagsName(s)}`, code, workgroups, uniforms };
}
