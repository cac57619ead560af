// Matmul variants 1 and 2 (kernels/matmul.ts's list) written out as literal WGSL, to read first:
// the same product C[b] = op(A[b]) · op(B[b]) (+ bias) and the same grid as the fast variants, with
// nothing generated but the optional bias binding and term.
//
// The layouts come in through uniforms: element (m, k) of A is at aBase + m·aStrideM + k·aStrideK,
// so a transposed A is the same kernel with the two strides swapped (likewise B with bStrideK,
// bStrideN). Batch entry b of A starts at b·strideA (0 shares one A across the batch), and more
// than 65535 tile rows fold into z as in matmul.ts's `tileGrid`.
//
// Variants 3 and 4 (kernels/matmul.ts, kernels/cpu/matmul.ts) are literal WGSL too, on this
// grid. What they add: a block of C per thread held in registers (8×8 for variant 3 on a GPU,
// 16×4 for variant 4 on a CPU), and loads and stores through loadA, loadB and storeC, which give
// them f16 operands, the epilogues and slots. `npm run bench` times all of them side by side.
//
// Tested with every variant in test/ops/matmul.test.ts against reference/float64.ts's `matmul`. Both are
// f32 only: f16 operands (`half`) are variants 3 and 4's.
import { layoutStrides, tileGrid, type MatmulShape } from './matmul.ts';
import { u32, type KernelLaunch } from './launch.ts';

/** The uniforms both kernels declare, in the order of their `Params` struct. */
function teachingUniforms(s: MatmulShape, mFolds: number) {
  return {
    m: u32(s.m),
    n: u32(s.n),
    k: u32(s.k),
    strideA: u32(s.sharedA ? 0 : s.m * s.k),
    strideB: u32(s.sharedB ? 0 : s.k * s.n),
    mFolds: u32(mFolds),
    ...layoutStrides(s),
  };
}

const PARAMS = `struct Params {
  m: u32, n: u32, k: u32,
  strideA: u32, strideB: u32,  // elements between batch entries of A and B (0: shared)
  mFolds: u32,                 // z = batch · mFolds + fold, for more than 65535 tile rows
  aStrideM: u32, aStrideK: u32,
  bStrideK: u32, bStrideN: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;`;

const biasBinding = (s: MatmulShape) => (s.bias ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;' : '');
const layoutName = (s: MatmulShape) => `${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}`;

function checkF32(s: MatmulShape, variant: string): void {
  if (s.half) throw new Error(`matmul variant ${variant} takes f32 operands only; f16 ones need variant 3 or 4`);
}

/** Variant 1: one thread per element of C, reading a row of A and a column of B from global memory. */
export function matmulNaive(s: MatmulShape): KernelLaunch {
  checkF32(s, '1 (naive)');
  const { workgroups, mFolds } = tileGrid(s, 16, 16);
  const code = `${PARAMS}
${biasBinding(s)}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let row = ((wid.z % p.mFolds) * nwg.y + wid.y) * 16u + lid.y;
  let col = wid.x * 16u + lid.x;
  if (row >= p.m || col >= p.n) { return; }
  let aBase = batch * p.strideA + row * p.aStrideM;
  let bBase = batch * p.strideB + col * p.bStrideN;
  var acc = 0.0;
  for (var i = 0u; i < p.k; i++) {
    acc += a[aBase + i * p.aStrideK] * b[bBase + i * p.bStrideK];
  }
  c[batch * p.m * p.n + row * p.n + col] = acc${s.bias ? ' + bias[col]' : ''};
}`;
  return { name: `matmul_naive_${layoutName(s)}`, code, workgroups, uniforms: teachingUniforms(s, mFolds) };
}

/**
 * Variant 2: a workgroup of 16×16 threads computes a 16×16 block of C. For each step of 16 along
 * k, every thread copies one element of A's tile and one of B's into workgroup memory, then all of
 * them multiply out of it: each element loaded from global memory is used 16 times.
 */
export function matmulTiled(s: MatmulShape): KernelLaunch {
  checkF32(s, '2 (tiled)');
  const { workgroups, mFolds } = tileGrid(s, 16, 16);
  const code = `${PARAMS}
${biasBinding(s)}
var<workgroup> tileA: array<array<f32, 16>, 16>;  // [row in block][k in step]
var<workgroup> tileB: array<array<f32, 16>, 16>;  // [k in step][column in block]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * 16u;
  if (m0 >= p.m) { return; }  // the whole workgroup, so the barriers below stay uniform
  let row = m0 + lid.y;
  let col = wid.x * 16u + lid.x;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.k; k0 += 16u) {
    // Thread (x, y) copies A(row, k0 + x) and B(k0 + y, col), zero past the edges of the matrices.
    var aValue = 0.0;
    if (row < p.m && k0 + lid.x < p.k) { aValue = a[aBase + row * p.aStrideM + (k0 + lid.x) * p.aStrideK]; }
    var bValue = 0.0;
    if (k0 + lid.y < p.k && col < p.n) { bValue = b[bBase + (k0 + lid.y) * p.bStrideK + col * p.bStrideN]; }
    tileA[lid.y][lid.x] = aValue;
    tileB[lid.y][lid.x] = bValue;
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) { acc += tileA[lid.y][kk] * tileB[kk][lid.x]; }
    workgroupBarrier();  // before the next step overwrites the tiles
  }
  if (row < p.m && col < p.n) {
    c[batch * p.m * p.n + row * p.n + col] = acc${s.bias ? ' + bias[col]' : ''};
  }
}`;
  return { name: `matmul_tiled_${layoutName(s)}`, code, workgroups, uniforms: teachingUniforms(s, mFolds) };
}
