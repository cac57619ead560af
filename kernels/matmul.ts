// Batched matrix products C[b] = op(A[b]) · op(B[b]) (+ bias), op = identity or transpose: the
// NN, NT and TN products that matmul and linear need forward and backward.
//
// Layout: every matrix is row-major and contiguous. A is [M, K], or [K, M] when transA; B is
// [K, N], or [N, K] when transB. The kernels take the layout from uniforms, as strides: element
// (m, k) of A is at m·aStrideM + k·aStrideK, element (k, n) of B at k·bStrideK + n·bStrideN, so one
// compiled kernel serves all four layouts and every size. Batch entry b of A starts at b·strideA
// (strideA = 0 shares one matrix across the batch; likewise B); C is [batch, M, N].
//
// Epilogues: the optional bias [N] is added to C. With `gelu`, C = gelu(A·B + bias), the
// feed-forward's first layer in one launch, storing the pre-activation A·B + bias as well (the
// backward needs gelu'(pre-activation); storing it costs one write of C, recomputing it the whole
// product again). With `geluGrad`, C = (A·B) ⊙ gelu'(preActivation), elementwise: GELU's
// backward in the launch of the product that gives its output's gradient. With `biasGrad`, the
// launch also stores the row sums of op(A), Σ_k op(A)[m, k], to a vector [batch, M] (one [M] per
// slot with slotted C): a linear layer's bias gradient db = column sums of dY, computed in the
// launch of its weight gradient dW = dYᵀ·x. The kernel multiplies op(A) by [op(B) | 1], B with
// one more column of ones (column N, which loadB answers without reading B), and storeC stores
// that column to biasGrad instead of C; p.n counts that column, so every variant, split-K's slices
// and sum included, sums it exactly as it sums C's entries. On f16 operands it sums op(A)'s f16
// values, widened: the values the product multiplies, as torch's autocast sums the f16 gradient.
//
// Every fast variant reads its operands and writes C through the same three WGSL functions
// (`operandFunctions`): loadA(batch, m, k) and loadB(batch, k, n), widened to f32, and
// storeC(batch, m, n, value), which applies the epilogue. Bindings: A, B, C, then the bias (with
// `bias`), the pre-activation (with `gelu` or `geluGrad`) and the row sums (with `biasGrad`).
// With `slots`, batch entry z reads and writes bindings of its own (a0, a1, …): WGSL cannot index
// bindings, so the functions pick entry z's with a switch, and the kernel body is written once.
// With `kSlots`, A and B come in slices of K instead, each bound on its own, and C is the sum of
// the slices' products: the K loop runs through slice 0, then slice 1, …, and loadA and loadB
// pick the slice's bindings by k.
//
// Variants, numbered as in llm.c's dev/cuda so that the benchmark validates and times each
// (kernels/matmul_variants.ts):
//   1 naive and 2 tiled: the place to start reading (kernels/matmul_teaching.ts);
//   3 blocked, below: the kernel GPUs run;
//   4 direct: the kernel CPU implementations of WebGPU run (kernels/cpu/matmul.ts);
//   5 subgroup-matrix: f16 products on a GPU's matrix units (kernels/matmul_subgroup_matrix.ts);
//   6 split-K: variant 3 over slices of K, for weight gradients with too few tiles to fill a GPU
//     (kernels/matmul_split_k.ts).
//
// Variant 3, blocked. Workgroup (x, y, z) computes the TILE_M × TILE_N block of C at tile column
// x and tile row y of batch entry z (more than 65535 tile rows fold into z: z = batch·mFolds +
// fold, tile row = fold·gridY + y; with split-K, the batch entry also picks a slice of K). It
// walks K in steps of TILE_K: its threads copy the A and B tiles into workgroup memory, k-major
// ([TILE_K][TILE_M] and [TILE_K][TILE_N], whatever the global layout, so that the inner loop reads
// both the same way; zero past the edges, so any M, N, K works), consecutive threads taking
// consecutive elements of each operand's contiguous dim. Then thread (tx, ty) accumulates
// THREAD_M × THREAD_N outputs in registers: rows ty + i·THREADS_M and columns tx + j·THREADS_N of
// the block, so that neighbouring threads read neighbouring words of the B tile and store
// neighbouring columns of C. Options (tile sizes, outputs per thread): `BlockedOptions`, defaults
// by shape `blockedOptionsFor`, others chosen by `npm run tune`. The loops have constant bounds
// and are left for the compiler to unroll; nothing is unrolled by hand. Untimed on a GPU so far:
// bench/device/ is the kit that will time it.
//
// Element types: C and the bias are f32. A and B are f32, or f16 when `half` is set (autocast's
// mixed precision, engine/ops/autocast.ts): loads widen them to f32, so the multiply-adds and the
// accumulators stay f32. A product of two f16 values is exact in f32 (11 + 11 significant bits),
// so only the f32 accumulation rounds, as in the f32 kernels. With `roundA` (`roundB`) A (B) is
// f32 all the same, and its loads round each value to f16 as the cast kernel does
// (kernels/cast.ts `ROUND_TO_HALF`, overflow to ±inf included) before widening it back: the very
// numbers of a cast followed by an f16 product, without the cast's launch and f16 copy.
//
// Tested with every variant in test/ops/matmul.test.ts against reference/float64.ts's `matmul`.
import { ROUND_TO_HALF } from './cast.ts';
import { GELU_HELPERS } from './gelu.ts';
import { MAX_GRID, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';
import { fillTemplate } from './template.ts';

export interface MatmulShape {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** One A (or B) for every batch entry: batch stride 0. */
  sharedA?: boolean;
  sharedB?: boolean;
  bias?: boolean;
  /** A and B hold f16 (C and bias stay f32); needs the shader-f16 feature. */
  half?: boolean;
  /** With `half`: A (B) holds f32 instead, rounded to f16 as it is loaded (as kernels/cast.ts rounds). */
  roundA?: boolean;
  roundB?: boolean;
  /** C = gelu(A·B (+ bias)), the pre-activation stored in a second output. */
  gelu?: boolean;
  /** Also the row sums of op(A) into a second output [batch, M], or [M] per slot of C (a bias gradient); not with bias or gelu. */
  biasGrad?: boolean;
  /** C = (A·B) ⊙ gelu'(preActivation), a read-only binding of C's shape; not with bias or gelu. */
  geluGrad?: boolean;
  /**
   * Operands bound once per batch entry (a0, a1, …) instead of as one stacked tensor: batch entry
   * z reads A (B) from its own binding and writes C, with its own bias and pre-activation, to its
   * own. Several products of the same shape on separate tensors then take one launch (attention's
   * q, k and v projections, forward and backward; engine/ops/self_attention.ts).
   */
  slots?: { a?: boolean; b?: boolean; c?: boolean };
  /**
   * A and B bound as kSlots slices of K, slice z of each its own tensor (a0, a1, …, b0, b1, …):
   * C = Σz op(Az)·op(Bz), one product with K the slices' total (attention's dX = Σz dz·Wz over
   * q, k and v). Each slice is [M, K/kSlots] (transposed with transA) and [K/kSlots, N] (with
   * transB transposed). Batch 1, no `slots` or `biasGrad`.
   */
  kSlots?: number;
}

/** The columns the kernel computes: C's N, and with `biasGrad` the column of op(A)'s row sums. */
export const productColumns = (s: MatmulShape) => s.n + (s.biasGrad ? 1 : 0);

/**
 * Grid of tileM × tileN blocks of C with batch in z, folding tile
 * rows beyond the grid limit into z.
 */
export function tileGrid(s: MatmulShape, tileM: number, tileN: number): { workgroups: [number, number, number]; mFolds: number } {
  const tilesM = Math.max(1, Math.ceil(s.m / tileM));
  const tilesN = Math.max(1, Math.ceil(productColumns(s) / tileN));
  const mFolds = Math.ceil(tilesM / MAX_GRID);
  const z = s.batch * mFolds;
  if (tilesN > MAX_GRID || z > MAX_GRID) {
    throw new Error(
      `matmul: [${s.batch}, ${s.m}, ${s.n}] output needs a ${tilesN} x ${Math.ceil(tilesM / mFolds)} x ${z} grid of ${tileM}x${tileN} tiles, over the ${MAX_GRID} limit; split the batch or N`,
    );
  }
  return { workgroups: [tilesN, Math.ceil(tilesM / mFolds), z], mFolds };
}

/**
 * The uniforms of the fast variants: the sizes, batch strides (0: shared or slotted), the folding
 * of tile rows, the layouts as strides, and the K slices of split-K (kernels/matmul_split_k.ts):
 * `splits` slices of kSplit each.
 */
export function uniformsFor(s: MatmulShape, mFolds: number, splits = 1): Uniforms {
  return {
    m: u32(s.m),
    n: u32(productColumns(s)),
    k: u32(s.k),
    batch: u32(s.batch),
    splits: u32(splits),
    kSplit: u32(Math.ceil(s.k / splits)),
    strideA: u32(s.sharedA || s.slots?.a || s.kSlots ? 0 : s.m * s.k),
    strideB: u32(s.sharedB || s.slots?.b || s.kSlots ? 0 : s.k * s.n),
    mFolds: u32(mFolds),
    ...layoutStrides(s),
    ...(s.kSlots ? { kSlice: u32(s.k / s.kSlots) } : {}),
  };
}

/** The layouts as strides: element (m, k) of A at m·aStrideM + k·aStrideK, (k, n) of B at k·bStrideK + n·bStrideN. */
export function layoutStrides(s: MatmulShape): Uniforms {
  const k = s.kSlots ? s.k / s.kSlots : s.k; // the K of one operand tensor
  return {
    aStrideM: u32(s.transA ? 1 : k),
    aStrideK: u32(s.transA ? s.m : 1),
    bStrideK: u32(s.transB ? 1 : s.n),
    bStrideN: u32(s.transB ? k : 1),
  };
}

/**
 * The start of a kernel whose workgroups own tileM × tileN blocks of C (`tileGrid`): which batch
 * entry and which block, returning early past M (for kernels that do not write it out literally).
 */
export function entry(workgroupSize: number, tileM: number, tileN: number): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * ${tileM}u;
  if (m0 >= p.m) { return; }
  let n0 = wid.x * ${tileN}u;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  let cBase = batch * p.m * p.n;`;
}

interface Binding {
  name: string;
  type: string;
  access: 'read' | 'read_write';
}

/** How many slots a slotted operand has: one per slice of K with `kSlots`, else one per batch entry. */
const slotCount = (s: MatmulShape) => s.kSlots ?? s.batch;

function perSlot(s: MatmulShape, name: string, slotted: boolean | undefined, type: string, access: Binding['access']): Binding[] {
  return (slotted ? Array.from({ length: slotCount(s) }, (_, z) => `${name}${z}`) : [name]).map((n) => ({ name: n, type, access }));
}

/** A's and B's storage bindings, in binding order. */
function inputBindings(s: MatmulShape): Binding[] {
  if ((s.roundA || s.roundB) && !s.half) throw new Error('matmul: roundA and roundB round operands to f16 for a `half` product');
  const operand = (rounded?: boolean) => (s.half && !rounded ? 'f16' : 'f32');
  if (s.kSlots && (s.batch !== 1 || s.slots || s.biasGrad || s.k % s.kSlots))
    throw new Error(`matmul: kSlots ${s.kSlots} need batch 1, no slots, no biasGrad, and a K (${s.k}) they divide`);
  const [a, b] = s.kSlots ? [true, true] : [s.slots?.a, s.slots?.b];
  return [...perSlot(s, 'a', a, operand(s.roundA), 'read'), ...perSlot(s, 'b', b, operand(s.roundB), 'read')];
}

/** C's and the epilogue's storage bindings, in binding order. */
function outputBindings(s: MatmulShape): Binding[] {
  const c = s.slots?.c;
  if (s.biasGrad && (s.bias || s.gelu)) throw new Error('matmul: a biasGrad epilogue takes no bias or GELU');
  if (s.geluGrad && (s.bias || s.gelu)) throw new Error('matmul: a geluGrad epilogue takes no bias or GELU');
  return [
    ...perSlot(s, 'c', c, 'f32', 'read_write'),
    ...(s.bias ? perSlot(s, 'bias', c, 'f32', 'read') : []),
    ...(s.gelu ? perSlot(s, 'preActivation', c, 'f32', 'read_write') : []),
    ...(s.geluGrad ? perSlot(s, 'preActivation', c, 'f32', 'read') : []),
    ...(s.biasGrad ? perSlot(s, 'biasGrad', c, 'f32', 'read_write') : []),
  ];
}

/** How many storage buffers bind A and B (slotted operands take one per batch entry). */
export const matmulInputCount = (s: MatmulShape) => inputBindings(s).length;

/** How many storage buffers a launch of `s` binds. */
export const matmulBindingCount = (s: MatmulShape) => inputBindings(s).length + outputBindings(s).length;

/** WGSL declaring `bindings` from binding number `first`. */
const declare = (bindings: Binding[], first: number) =>
  bindings
    .map(({ name, type, access }, i) => `@group(0) @binding(${first + i}) var<storage, ${access}> ${name}: array<${type}>;`)
    .join('\n');

/**
 * WGSL `statements` for slot `slot` (the batch entry, or with `kSlots` the slice of K): as they
 * are, or, when the operand is slotted, once per slot inside a switch, with its bindings (and the
 * epilogue's) renamed to that slot's.
 */
function perEntry(s: MatmulShape, slotted: boolean | undefined, statements: string, slot = 'batch'): string {
  if (!slotted) return `  ${statements}`;
  const count = slotCount(s);
  const cases = Array.from({ length: count }, (_, z) => {
    const own = statements.replace(/\b(a|b|c|bias|preActivation|biasGrad)\[/g, `$1${z}[`);
    return `    ${z === count - 1 ? 'default' : `case ${z}u`}: { ${own} }`;
  });
  return `  switch ${slot} {\n${cases.join('\n')}\n  }`;
}

/** WGSL storing `value` at index i of C (column n), after the bias and through GELU as `s` asks. */
function epilogue(s: MatmulShape): string {
  if (s.geluGrad) return 'c[i] = value * gelu_grad(preActivation[i]);';
  const value = s.bias ? 'value + bias[n]' : 'value';
  return s.gelu ? `let pre = ${value}; preActivation[i] = pre; c[i] = gelu(pre);` : `c[i] = ${value};`;
}

/**
 * A's and B's bindings, from binding `first`, and the functions a kernel reads them through,
 * widened to f32 (rounded to f16 first with `roundA`, `roundB`): loadA(batch, m, k) and
 * loadB(batch, k, n). No bounds checks: callers pass indices inside the matrices.
 */
export function inputFunctions(s: MatmulShape, first = 1): string {
  // Element i of operand a or b as an f32.
  const widen = (operand: 'a' | 'b') => {
    if (!s.half) return `${operand}[i]`;
    return (operand === 'a' ? s.roundA : s.roundB) ? `f32(roundedToHalf(${operand}[i]))` : `f32(${operand}[i])`;
  };
  const rounding = s.roundA || s.roundB ? `${ROUND_TO_HALF}\n` : '';
  if (s.kSlots) {
    // k within its slice: slice k / kSlice of A and of B, at k % kSlice.
    const slice = (operand: 'a' | 'b', index: string) => `  let slice = k / p.kSlice;
  let kk = k - slice * p.kSlice;
  let i = ${index};
${perEntry(s, true, `return ${widen(operand)};`, 'slice')}`;
    return `${declare(inputBindings(s), first)}
${rounding}fn loadA(batch: u32, m: u32, k: u32) -> f32 {
${slice('a', 'm * p.aStrideM + kk * p.aStrideK')}
}
fn loadB(batch: u32, k: u32, n: u32) -> f32 {
${slice('b', 'kk * p.bStrideK + n * p.bStrideN')}
}`;
  }
  const aIndex = 'm * p.aStrideM + k * p.aStrideK';
  const bIndex = 'k * p.bStrideK + n * p.bStrideN';
  return `${declare(inputBindings(s), first)}
${rounding}fn loadA(batch: u32, m: u32, k: u32) -> f32 {
  let i = ${s.slots?.a ? aIndex : `batch * p.strideA + ${aIndex}`};
${perEntry(s, s.slots?.a, `return ${widen('a')};`)}
}
fn loadB(batch: u32, k: u32, n: u32) -> f32 {
${s.biasGrad ? '  if (n == p.n - 1u) { return 1.0; }  // the column of ones\n' : ''}  let i = ${s.slots?.b ? bIndex : `batch * p.strideB + ${bIndex}`};
${perEntry(s, s.slots?.b, `return ${widen('b')};`)}
}`;
}

/**
 * C's and the epilogue's bindings, from binding `first`, and storeC(batch, m, n, value), which
 * adds the bias, applies GELU (or multiplies by its derivative) and stores (column N of a
 * `biasGrad` product to biasGrad).
 */
export function outputFunctions(s: MatmulShape, first: number): string {
  const c = s.slots?.c;
  const row = c ? 'm' : 'batch * p.m + m';
  const rowSums = `  if (n == p.n - 1u) {  // the column of row sums
    let i = ${row};
  ${perEntry(s, c, 'biasGrad[i] = value;').replace(/\n/g, '\n  ')}
    return;
  }
`;
  return `${declare(outputBindings(s), first)}
${s.gelu || s.geluGrad ? `${GELU_HELPERS}\n` : ''}fn storeC(batch: u32, m: u32, n: u32, value: f32) {
${s.biasGrad ? rowSums : ''}  let i = ${row === 'm' ? 'm' : `(${row})`} * ${s.biasGrad ? '(p.n - 1u)' : 'p.n'} + n;
${perEntry(s, c, epilogue(s))}
}`;
}

/** The uniforms, the bindings, loadA, loadB and storeC: all a kernel of one launch needs of its operands. */
export function operandFunctions(s: MatmulShape, uniforms: Uniforms): string {
  return `${s.half ? 'enable f16;\n' : ''}${uniformBlock(uniforms)}${inputFunctions(s)}
${outputFunctions(s, matmulInputCount(s) + 1)}`;
}

/** What distinguishes kernels of one variant and options besides the layout: f16, epilogue, slots. */
export function flagsName(s: MatmulShape): string {
  const slotted = (['a', 'b', 'c'] as const).filter((o) => s.slots?.[o]).join('');
  const epilogue = `${s.bias ? '_bias' : ''}${s.gelu ? '_gelu' : ''}${s.geluGrad ? '_geluGrad' : ''}${s.biasGrad ? '_biasGrad' : ''}`;
  const rounded = `${s.roundA ? '_roundA' : ''}${s.roundB ? '_roundB' : ''}`;
  return `${s.half ? '_f16' : ''}${rounded}${epilogue}${slotted ? `_slots${s.batch}${slotted}` : ''}${s.kSlots ? `_kSlots${s.kSlots}` : ''}`;
}

export interface BlockedOptions {
  tileM: number;
  tileN: number;
  tileK: number;
  /** Outputs per thread along M and N; threads per workgroup = (tileM/threadM)·(tileN/threadN). */
  threadM: number;
  threadN: number;
}

/**
 * Tile sizes for a shape: 128×128×8 tiles (8×8 per thread, 256 threads) when that still makes
 * about two waves of workgroups on a large GPU (132 SMs), else 64×64×16 tiles (8×8 per thread, 64
 * threads). Two configurations only, so that each product compiles in at most two forms (on a CPU
 * implementation a few seconds each); smaller products gain little from narrower tiles.
 */
export function blockedOptionsFor(s: MatmulShape): BlockedOptions {
  const large = s.batch * Math.ceil(s.m / 128) * Math.ceil(s.n / 128) >= 256;
  return large ? { tileM: 128, tileN: 128, tileK: 8, threadM: 8, threadN: 8 } : { tileM: 64, tileN: 64, tileK: 16, threadM: 8, threadN: 8 };
}

// What every adapter allows (WebGPU's default limits, within compatibility mode's).
export const MAX_INVOCATIONS = 256;
const MAX_WORKGROUP_BYTES = 16384;

/** Throws one line naming the first option that is not a positive integer. */
export function checkPositive<T extends object>(o: T, keys: readonly (keyof T)[]): void {
  for (const key of keys) {
    const value = o[key];
    if (!Number.isInteger(value) || (value as number) < 1)
      throw new Error(`matmul options ${JSON.stringify(o)}: ${String(key)} must be a positive integer`);
  }
}

function checkOptions(o: BlockedOptions): void {
  checkPositive(o, ['tileM', 'tileN', 'tileK', 'threadM', 'threadN']);
  const bad = (why: string) => new Error(`matmul options ${JSON.stringify(o)}: ${why}`);
  if (o.tileM % o.threadM || o.tileN % o.threadN) throw bad('tileM and tileN must be multiples of threadM and threadN');
  const threads = (o.tileM / o.threadM) * (o.tileN / o.threadN);
  if (threads > MAX_INVOCATIONS) throw bad(`${threads} threads per workgroup, over ${MAX_INVOCATIONS}`);
  const bytes = (o.tileM + o.tileN) * o.tileK * 4;
  if (bytes > MAX_WORKGROUP_BYTES) throw bad(`${bytes} bytes of workgroup memory, over ${MAX_WORKGROUP_BYTES}`);
}

const BLOCKED = `{{OPERANDS}}
const TILE_M = {{TILE_M}}u;
const TILE_N = {{TILE_N}}u;
const TILE_K = {{TILE_K}}u;
const THREAD_M = {{THREAD_M}}u;  // outputs per thread along M and N
const THREAD_N = {{THREAD_N}}u;
const THREADS_M = TILE_M / THREAD_M;
const THREADS_N = TILE_N / THREAD_N;

var<workgroup> tileA: array<f32, TILE_K * TILE_M>;  // [k][m]
var<workgroup> tileB: array<f32, TILE_K * TILE_N>;  // [k][n]

@compute @workgroup_size(THREADS_M * THREADS_N)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let entry = wid.z / p.mFolds;  // split-K: slice · batch + batch entry
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * TILE_M;
  if (m0 >= p.m) { return; }  // the whole workgroup, so the barriers below stay uniform
  let n0 = wid.x * TILE_N;
  let batch = entry % p.batch;
  let kBegin = (entry / p.batch) * p.kSplit;
  let kEnd = min(p.k, kBegin + p.kSplit);
  let tx = lid.x % THREADS_N;
  let ty = lid.x / THREADS_N;
  // Along which dim each operand is contiguous, for the copies to read consecutive words.
  let aAlongK = p.aStrideK == 1u;
  let bAlongK = p.bStrideK == 1u;
  var acc: array<array<f32, THREAD_N>, THREAD_M>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    for (var e = lid.x; e < TILE_K * TILE_M; e += THREADS_M * THREADS_N) {
      let m = select(e % TILE_M, e / TILE_K, aAlongK);
      let k = select(e / TILE_M, e % TILE_K, aAlongK);
      var value = 0.0;
      if (m0 + m < p.m && k0 + k < kEnd) { value = loadA(batch, m0 + m, k0 + k); }
      tileA[k * TILE_M + m] = value;
    }
    for (var e = lid.x; e < TILE_K * TILE_N; e += THREADS_M * THREADS_N) {
      let n = select(e % TILE_N, e / TILE_K, bAlongK);
      let k = select(e / TILE_N, e % TILE_K, bAlongK);
      var value = 0.0;
      if (k0 + k < kEnd && n0 + n < p.n) { value = loadB(batch, k0 + k, n0 + n); }
      tileB[k * TILE_N + n] = value;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var aColumn: array<f32, THREAD_M>;
      for (var i = 0u; i < THREAD_M; i++) { aColumn[i] = tileA[kk * TILE_M + ty + i * THREADS_M]; }
      for (var j = 0u; j < THREAD_N; j++) {
        let bValue = tileB[kk * TILE_N + tx + j * THREADS_N];
        for (var i = 0u; i < THREAD_M; i++) { acc[i][j] += aColumn[i] * bValue; }
      }
    }
    workgroupBarrier();  // before the next step overwrites the tiles
  }
  for (var i = 0u; i < THREAD_M; i++) {
    for (var j = 0u; j < THREAD_N; j++) {
      let m = m0 + ty + i * THREADS_M;
      let n = n0 + tx + j * THREADS_N;
      if (m < p.m && n < p.n) { storeC(entry, m, n, acc[i][j]); }
    }
  }
}`;

/**
 * Variant 3's launch of `s` in `splits` K slices, its grid's z covering slices × batch entries:
 * `operands(uniforms)` declares what it reads and writes (`operandFunctions` without split-K).
 */
export function blockedLaunch(
  s: MatmulShape,
  options: Partial<BlockedOptions>,
  splits: number,
  operands: (uniforms: Uniforms) => string,
): KernelLaunch & { options: BlockedOptions } {
  const o = { ...blockedOptionsFor(s), ...options };
  checkOptions(o);
  const { workgroups, mFolds } = tileGrid({ ...s, batch: s.batch * splits }, o.tileM, o.tileN);
  const uniforms = uniformsFor(s, mFolds, splits);
  const code = fillTemplate(BLOCKED, {
    OPERANDS: operands(uniforms),
    TILE_M: o.tileM,
    TILE_N: o.tileN,
    TILE_K: o.tileK,
    THREAD_M: o.threadM,
    THREAD_N: o.threadN,
  });
  const name = `matmul_blocked_${o.tileM}x${o.tileN}x${o.tileK}_${o.threadM}x${o.threadN}${flagsName(s)}`;
  return { name, code, workgroups, uniforms, options: o };
}

/** Variant 3: tiles in workgroup memory, a threadM × threadN block of C per thread. */
export function matmulBlocked(s: MatmulShape, options: Partial<BlockedOptions> = {}): KernelLaunch {
  const { name, code, workgroups, uniforms } = blockedLaunch(s, options, 1, (u) => operandFunctions(s, u));
  return { name, code, workgroups, uniforms };
}
