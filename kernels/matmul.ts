// Batched matrix products C[b] = op(A[b]) · op(B[b]) (+ bias), op = identity or transpose: the
// NN, NT and TN products that matmul and linear need forward and backward.
//
// Layout: every matrix is row-major and contiguous. A is [M, K], or [K, M] when transA (then
// element (m, k) sits at k·M + m); B is [K, N], or [N, K] when transB (element (k, n) at n·K + k).
// Batch entry b of A starts at b·strideA (strideA = 0 shares one matrix across the batch; likewise
// B); C is [batch, M, N] with batch stride M·N. The optional bias [N] is added in the epilogue,
// and with `gelu` the epilogue also applies GELU (kernels/gelu.ts): C = gelu(A·B + bias), the
// feed-forward's first layer in one launch, storing the pre-activation A·B + bias as well (for
// the backward, which needs gelu'(pre-activation): storing it costs one write of C's size, where
// recomputing it would cost the whole product again).
//
// Decomposition: workgroup (x, y, z) computes the tileM × tileN block of C at tile column x and
// tile row y of batch entry z. More than 65535 tile rows fold into z: z = batch · mFolds + fold,
// tile row = fold · gridY + y. The blocked kernel walks K in steps of tileK: its threads copy the
// A and B tiles into workgroup memory (stored k-major, [tileK][tileM] and [tileK][tileN], whatever
// the global layout, so the inner loop reads both the same way; out-of-range elements are
// zero-filled, so any M, N, K works), then thread (tx, ty) = (lid mod tileN/threadN, lid div
// tileN/threadN) accumulates rows ty·threadM… and columns tx·threadN… of the block, threadM ×
// threadN outputs in registers, from a column of the A tile and a row of the B tile at each k.
// Global loads are vec4 when the operand's contiguous dim is a multiple of 4, C stores when N is.
//
// Variants, numbered as in llm.c's dev/cuda so the benchmark can validate and time each
// (`matmulVariants[v].kernel(shape, options?)`):
//   1 naive: one thread per output, operands read straight from global memory;
//   2 tiled: one output per thread from 16×16 tiles in workgroup memory, scalar loads;
//   (1 and 2 are literal WGSL, the place to start reading: kernels/matmul_teaching.ts)
//   3 blocked: register-blocked, vec4 where aligned; tile sizes, work per thread, vector width and
//     prefetch from `BlockedOptions` (defaults by shape: `blockedOptionsFor`), all in the WGSL text;
//   4 direct: no workgroup memory and no barriers; each thread reads its rows of A and columns of B
//     straight from global memory, vec4 wherever the layout allows, into a large register block
//     (`DirectOptions`, defaults by shape: `directOptionsFor`). For CPU rasterisers such as
//     llvmpipe, which run a workgroup on one CPU thread, invocations in SIMD lanes, and pay for
//     every per-invocation load with a loop over the lanes and for every barrier with a coroutine
//     switch: there, loads per multiply-add decide the speed, and the CPU caches do the tiling.
// Measured on lavapipe (Mesa 25, Vulkan: a CPU rasteriser) on a 2-core machine shared with other
// jobs, GPU timestamps, lin1's forward x·Wᵀ+b [256,256]·[1024,256]ᵀ:
//   npm run bench -- --quick --only matmul --matmul-configs 8x8/2x4/4 --batch 4 --seq 64 --dim 256 --hidden 1024 --heads 4 --layers 1 --vocab 1000
//   1 naive 0.066 GFLOP/s; 2 tiled 0.033 (on a CPU rasteriser its barriers cost more than its
//   reuse saves); 3 blocked 0.29; 4 direct 0.64. Absolute figures are low because the cores were
//   shared (llvmpipe alone does ~1-2 GFLOP/s); the ratios are the point.
// Bindings: 1 A, 2 B, 3 C, then bias (when `bias` is set), then the pre-activation [batch, M, N]
// (when `gelu` is set).
//
// Element types: C and the bias are f32. A and B are f32, or f16 when `half` is set (autocast's
// mixed precision, engine/ops/autocast.ts): variants 3 and 4 then load f16 scalars or vec4<f16> and
// widens each to f32 as it is loaded, so the multiply-adds and the accumulators stay f32. A
// product of two f16 values is exact in f32 (11 + 11 significant bits), so only the f32
// accumulation rounds, as in the f32 kernels; f16 operands halve the bytes each load moves.
import { GELU_HELPERS } from './gelu.ts';
import { MAX_GRID, u32, uniformBlock, type KernelLaunch, type Uniforms } from './launch.ts';

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
  /** C = gelu(A·B (+ bias)), the pre-activation stored in a second output. */
  gelu?: boolean;
  /**
   * Operands bound once per batch entry (a0, a1, …) instead of as one stacked tensor: batch entry
   * z reads A (B) from its own binding and writes C, with its own bias and pre-activation, to its
   * own. Several products of the same shape on separate tensors then take one launch (attention's
   * q, k and v projections, forward and backward; engine/ops/self_attention.ts).
   */
  slots?: { a?: boolean; b?: boolean; c?: boolean };
}

export interface BlockedOptions {
  tileM: number;
  tileN: number;
  tileK: number;
  /** Outputs per thread along M and N; threads per workgroup = (tileM/threadM)·(tileN/threadN). */
  threadM: number;
  threadN: number;
  /** 4: vec4 global loads and stores wherever the layout allows; 1: scalar only. */
  vectorWidth: 1 | 4;
  /** Load the next k-step's tiles into registers while computing this one (hides global latency). */
  prefetch: boolean;
}

/**
 * Tile sizes for a shape: 128×128×8 tiles (8×8 per thread, 256 threads) when that still makes
 * about two waves of workgroups on a large GPU (132 SMs), else 64-wide tiles (8×8 per thread),
 * narrower along M or N when that dim is 32 or less, so small products waste little work.
 */
export function blockedOptionsFor(s: MatmulShape): BlockedOptions {
  if (s.batch * Math.ceil(s.m / 128) * Math.ceil(s.n / 128) >= 256) {
    return { tileM: 128, tileN: 128, tileK: 8, threadM: 8, threadN: 8, vectorWidth: 4, prefetch: false };
  }
  const along = (size: number) => (size <= 16 ? [16, 4] : size <= 32 ? [32, 4] : [64, 8]);
  const [tileM, threadM] = along(s.m);
  const [tileN, threadN] = along(s.n);
  return { tileM, tileN, tileK: 16, threadM, threadN, vectorWidth: 4, prefetch: false };
}

// What every adapter allows (WebGPU's default limits, within compatibility mode's).
const MAX_INVOCATIONS = 256;
const MAX_WORKGROUP_BYTES = 16384;

/** Grid of tileM × tileN blocks with batch in z, folding tile rows beyond the grid limit into z. */
export function tileGrid(s: MatmulShape, tileM: number, tileN: number): { workgroups: [number, number, number]; mFolds: number } {
  const tilesM = Math.max(1, Math.ceil(s.m / tileM));
  const tilesN = Math.max(1, Math.ceil(s.n / tileN));
  const mFolds = Math.ceil(tilesM / MAX_GRID);
  const z = s.batch * mFolds;
  if (tilesN > MAX_GRID || z > MAX_GRID) {
    throw new Error(
      `matmul: [${s.batch}, ${s.m}, ${s.n}] output needs a ${tilesN} x ${Math.ceil(tilesM / mFolds)} x ${z} grid of ${tileM}x${tileN} tiles, over the ${MAX_GRID} limit; split the batch or N`,
    );
  }
  return { workgroups: [tilesN, Math.ceil(tilesM / mFolds), z], mFolds };
}

export function uniformsFor(s: MatmulShape, mFolds: number) {
  return {
    m: u32(s.m),
    n: u32(s.n),
    k: u32(s.k),
    strideA: u32(s.sharedA || s.slots?.a ? 0 : s.m * s.k),
    strideB: u32(s.sharedB || s.slots?.b ? 0 : s.k * s.n),
    mFolds: u32(mFolds),
  };
}

/**
 * Common entry: which tile of which batch entry this workgroup owns; returns early past M. (C of
 * a slotted batch entry starts at 0 of its own binding.)
 */
export function entry(workgroupSize: number, tileM: number, tileN: number, s?: MatmulShape): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * ${tileM}u;
  if (m0 >= p.m) { return; }
  let n0 = wid.x * ${tileN}u;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  let cBase = ${s?.slots?.c ? '0u' : 'batch * p.m * p.n'};`;
}

/** The WGSL type of A's or B's elements as loaded: vec4 or scalar, f16 when `half`. */
const operandType = (s: MatmulShape, vec: boolean) => (s.half ? (vec ? 'vec4<f16>' : 'f16') : vec ? 'vec4f' : 'f32');

/** An operand load as f32: f16 values are widened (exactly) where they are read. */
const widen = (s: MatmulShape, load: string, vec: boolean) => (s.half ? `${vec ? 'vec4f' : 'f32'}(${load})` : load);

/** Batch entry z's binding of a slotted operand (kernels already use names such as b0 for values). */
const slotName = (name: string, z: number) => `${name}Slot${z}`;

/** Names of the storage bindings, in binding order from 1, and their element types' operand. */
function bindingNames(s: MatmulShape): { name: string; operand: 'a' | 'b' | 'c'; write: boolean }[] {
  const perSlot = (name: string, slotted: boolean | undefined) =>
    slotted ? Array.from({ length: s.batch }, (_, z) => slotName(name, z)) : [name];
  return [
    ...perSlot('a', s.slots?.a).map((name) => ({ name, operand: 'a' as const, write: false })),
    ...perSlot('b', s.slots?.b).map((name) => ({ name, operand: 'b' as const, write: false })),
    ...perSlot('c', s.slots?.c).map((name) => ({ name, operand: 'c' as const, write: true })),
    ...(s.bias ? perSlot('bias', s.slots?.c).map((name) => ({ name, operand: 'c' as const, write: false })) : []),
    ...(s.gelu ? perSlot('preActivation', s.slots?.c).map((name) => ({ name, operand: 'c' as const, write: true })) : []),
  ];
}

/** How many storage buffers a launch of `s` binds (slotted operands take one per batch entry). */
export const matmulBindingCount = (s: MatmulShape) => bindingNames(s).length;

/** The uniform block and the bindings (`aVec`/`bVec`/`cVec`: arrays of vec4), after `enable f16;` for f16 operands. */
function header(s: MatmulShape, uniforms: Uniforms, aVec: boolean, bVec: boolean, cVec: boolean): string {
  const types = { a: operandType(s, aVec), b: operandType(s, bVec), c: cVec ? 'vec4f' : 'f32' };
  const declarations = bindingNames(s).map(
    ({ name, operand, write }, i) =>
      `@group(0) @binding(${i + 1}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${types[operand]}>;`,
  );
  return [
    `${s.half ? 'enable f16;\n' : ''}${uniformBlock(uniforms)}`,
    ...declarations,
    ...(s.gelu ? [GELU_HELPERS, 'fn gelu4(v: vec4f) -> vec4f { return vec4f(gelu(v.x), gelu(v.y), gelu(v.z), gelu(v.w)); }'] : []),
  ].join('\n');
}

/**
 * The kernel body, or with `slots` one copy per batch entry behind a branch on the entry, each
 * reading and writing that entry's bindings (WGSL cannot index bindings dynamically; as in
 * multi_tensor.ts). The branch is uniform across a workgroup, so barriers in the body stay legal.
 */
function perSlot(s: MatmulShape, body: string): string {
  if (!s.slots) return body;
  const slotted = [...(s.slots.a ? ['a'] : []), ...(s.slots.b ? ['b'] : []), ...(s.slots.c ? ['c', 'bias', 'preActivation'] : [])];
  const copies = Array.from({ length: s.batch }, (_, z) => {
    const renamed = body.replace(new RegExp(`\\b(${slotted.join('|')})\\[`, 'g'), (_, name) => `${slotName(name, z)}[`);
    return `${z === 0 ? '  if' : ' else if'} (batch == ${z}u) {\n${renamed.replace(/^/gm, '  ')}\n  }`;
  });
  return copies.join('');
}

/** WGSL storing the epilogue `value` (acc + bias) at `index` of C, through GELU when `gelu`. */
function storeC(s: MatmulShape, index: string, value: string, vec: boolean): string {
  if (!s.gelu) return `c[${index}] = ${value};`;
  return `let pre = ${value}; preActivation[${index}] = pre; c[${index}] = gelu${vec ? '4' : ''}(pre);`;
}

const slotsName = (s: MatmulShape) =>
  s.slots ? `_slots${s.batch}${['a', 'b', 'c'].filter((o) => s.slots?.[o as 'a' | 'b' | 'c']).join('')}` : '';
const layoutName = (s: MatmulShape) =>
  `${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}${s.half ? '_f16' : ''}${s.gelu ? '_gelu' : ''}${slotsName(s)}`;

function checkOptions(o: BlockedOptions): void {
  const bad = (why: string) => new Error(`matmul options ${JSON.stringify(o)}: ${why}`);
  for (const key of ['tileM', 'tileN', 'tileK', 'threadM', 'threadN'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw bad(`${key} must be a positive integer`);
  }
  if (o.vectorWidth !== 1 && o.vectorWidth !== 4) throw bad('vectorWidth must be 1 or 4');
  if (o.tileM % o.threadM || o.tileN % o.threadN) throw bad('tileM and tileN must be multiples of threadM and threadN');
  const threads = (o.tileM / o.threadM) * (o.tileN / o.threadN);
  if (threads > MAX_INVOCATIONS) throw bad(`${threads} threads per workgroup, over ${MAX_INVOCATIONS}`);
  const bytes = (o.tileM + o.tileN) * o.tileK * 4;
  if (bytes > MAX_WORKGROUP_BYTES) throw bad(`${bytes} bytes of workgroup memory, over ${MAX_WORKGROUP_BYTES}`);
}

const COMPONENTS = ['x', 'y', 'z', 'w'];

/** `expr + n` and `expr * n` as WGSL, leaving out `+ 0u` and `* 1u`. */
const plus = (expr: string, n: number) => (n === 0 ? expr : `${expr} + ${n}u`);
const times = (expr: string, n: number) => (n === 1 ? expr : `${expr} * ${n}u`);
/** Parenthesised unless a single name. */
const parenthesized = (expr: string) => (/^[\w.]+$/.test(expr) ? expr : `(${expr})`);

/**
 * How one operand's tile reaches workgroup memory. The shared tile is k-major: [tileK][span], span
 * = tileM for A, tileN for B. In global memory the operand is rows × cols with cols contiguous;
 * `kMajor` when its rows run along k (A transposed, B not): then (r, c) goes to r·span + c, else
 * to c·span + r.
 */
interface TileCopy {
  name: 'a' | 'b';
  span: number;
  kMajor: boolean;
  /** Global vec4 loads. */
  vec: boolean;
  /** The operand holds f16 (widened to f32 on load). */
  half: boolean;
  /** The shared tile holds vec4s (its readers take 4 consecutive elements at a time). */
  packed: boolean;
  /** First row (of C) of the workgroup's tile along M or N, and that dim's size. */
  origin: 'm0' | 'n0';
  extent: 'p.m' | 'p.n';
}

/**
 * WGSL pieces for copying an operand's tile, `threads` cooperating: `setup` (each thread's unit
 * coordinates and registers, at function scope), `load(k0)` (global memory to registers, zero past
 * the edges) and `store` (registers to workgroup memory). A unit is unitRows × unitCols elements,
 * sized so that a packed tile is only ever written whole vec4s: 1 × 4 when rows run along k (one
 * vec4 load or 4 scalar ones), 4 × width when columns do (4 rows, transposed in registers).
 */
function tileCopy(t: TileCopy, tileK: number, threads: number) {
  const width = t.vec ? 4 : 1;
  const [rows, cols] = t.kMajor ? [tileK, t.span] : [t.span, tileK];
  const [unitRows, unitCols] = !t.packed ? [1, width] : t.kMajor ? [1, 4] : [4, width];
  const perRow = cols / unitCols;
  const units = (rows / unitRows) * perRow;
  const ld = t.kMajor ? t.extent : 'p.k';
  const setup: string[] = [];
  const loads: ((k0: string) => string[])[] = [];
  const stores: string[] = [];
  for (let first = 0; first < units; first += threads) {
    const unit = `load${t.name.toUpperCase()}${first / threads}`;
    const guarded = (lines: string[]) =>
      first + threads > units ? [`if (${plus('lid.x', first)} < ${units}u) {`, ...lines.map((l) => `  ${l}`), '}'] : lines;
    const id = parenthesized(plus('lid.x', first));
    setup.push(`let ${unit}r = ${times(`${id} / ${perRow}u`, unitRows)};`, `let ${unit}c = ${times(`${id} % ${perRow}u`, unitCols)};`);
    const value = (dr: number, dc: number) => `${unit}_${dr}_${dc}`;
    const unitLoads: ((k0: string) => string)[] = [];
    for (let dr = 0; dr < unitRows; dr++) {
      for (let dc = 0; dc < unitCols; dc += width) {
        setup.push(`var ${value(dr, dc)}: ${t.vec ? 'vec4f' : 'f32'};`);
        unitLoads.push((k0) => {
          const [rowStart, colStart] = t.kMajor ? [k0, t.origin] : [t.origin, k0];
          const row = `${rowStart} + ${plus(`${unit}r`, dr)}`;
          const col = `${colStart} + ${plus(`${unit}c`, dc)}`;
          const index = `${t.name}Base + (${row}) * ${ld} + ${col}`;
          const [rowLimit, colLimit] = t.kMajor ? ['p.k', t.extent] : [t.extent, 'p.k'];
          const type = t.vec ? 'vec4f' : 'f32';
          const load = `${t.name}[${t.vec ? `(${index}) / 4u` : index}]`;
          return `${value(dr, dc)} = ${type}(0.0);\nif (${row} < ${rowLimit} && ${col} < ${colLimit}) { ${value(dr, dc)} = ${t.half ? `${type}(${load})` : load}; }`;
        });
      }
    }
    loads.push((k0) => guarded(unitLoads.flatMap((f) => f(k0).split('\n'))));
    const element = (dr: number, dc: number) => (t.vec ? `${value(dr, 0)}.${COMPONENTS[dc]}` : value(dr, dc));
    const shared = `tile${t.name.toUpperCase()}`;
    const unitStores: string[] = [];
    if (!t.packed) {
      for (let dc = 0; dc < unitCols; dc++) {
        const index = t.kMajor
          ? `${unit}r * ${t.span}u + ${plus(`${unit}c`, dc)}`
          : `${parenthesized(plus(`${unit}c`, dc))} * ${t.span}u + ${unit}r`;
        unitStores.push(`${shared}[${index}] = ${element(0, dc)};`);
      }
    } else if (t.kMajor) {
      const v = t.vec ? value(0, 0) : `vec4f(${[0, 1, 2, 3].map((dc) => element(0, dc)).join(', ')})`;
      unitStores.push(`${shared}[(${unit}r * ${t.span}u + ${unit}c) / 4u] = ${v};`);
    } else {
      for (let dc = 0; dc < unitCols; dc++) {
        unitStores.push(
          `${shared}[(${parenthesized(plus(`${unit}c`, dc))} * ${t.span}u + ${unit}r) / 4u] = vec4f(${[0, 1, 2, 3].map((dr) => element(dr, dc)).join(', ')});`,
        );
      }
    }
    stores.push(...guarded(unitStores));
  }
  return {
    setup,
    load: (k0: string) => loads.flatMap((f) => f(k0)),
    store: stores,
    shared: `var<workgroup> tile${t.name.toUpperCase()}: array<${t.packed ? 'vec4f' : 'f32'}, ${(tileK * t.span) / (t.packed ? 4 : 1)}>;`,
  };
}

/**
 * The epilogue of a thread that holds a block of C in registers: acc{i}_{j} for its threadM rows
 * from row0 and `accumulatorsPerRow` accumulators per row from col0, each 4 consecutive columns (a vec4) when
 * `packed`, else one. Stores C (+ bias, through GELU when `gelu`), as vec4s when `cVec`, skipping
 * rows and columns past C.
 */
function storeBlock(s: MatmulShape, threadM: number, accumulatorsPerRow: number, packed: boolean, cVec: boolean): string[] {
  const lines: string[] = [];
  for (let i = 0; i < threadM; i++) {
    const stores: string[] = [];
    for (let j = 0; j < accumulatorsPerRow; j++) {
      if (cVec) {
        const col = plus('col0', j * 4);
        stores.push(
          `if (${col} < p.n) { ${storeC(s, `(rowBase + ${col}) / 4u`, `acc${i}_${j}${s.bias ? ` + bias[${parenthesized(col)} / 4u]` : ''}`, true)} }`,
        );
        continue;
      }
      const parts = packed
        ? [0, 1, 2, 3].map((e) => ({ offset: j * 4 + e, value: `acc${i}_${j}.${COMPONENTS[e]}` }))
        : [{ offset: j, value: `acc${i}_${j}` }];
      for (const { offset, value } of parts) {
        const col = plus('col0', offset);
        stores.push(`if (${col} < p.n) { ${storeC(s, `rowBase + ${col}`, `${value}${s.bias ? ` + bias[${col}]` : ''}`, false)} }`);
      }
    }
    lines.push(
      `if (${plus('row0', i)} < p.m) {`,
      `  let rowBase = cBase + ${parenthesized(plus('row0', i))} * p.n;`,
      ...stores.map((l) => `  ${l}`),
      '}',
    );
  }
  return lines;
}

const indent = (lines: string[], depth: number) => lines.map((l) => `${' '.repeat(depth)}${l}`).join('\n');

/** Variant 3: tiles in workgroup memory, a threadM × threadN block of C per thread. */
export function matmulBlocked(s: MatmulShape, options: Partial<BlockedOptions> = {}): KernelLaunch {
  const o = { ...blockedOptionsFor(s), ...options };
  checkOptions(o);
  const { tileM, tileN, tileK, threadM, threadN } = o;
  const threadsN = tileN / threadN;
  const threads = (tileM / threadM) * threadsN;
  const { workgroups, mFolds } = tileGrid(s, tileM, tileN);
  const uniforms = uniformsFor(s, mFolds);
  const vector = o.vectorWidth === 4;
  // A's contiguous dim is K (or M when transposed), B's is N (or K): vec4 needs it, and the tile's
  // extent along it, to be multiples of 4.
  const aVec = vector && s.k > 0 && (s.transA ? s.m % 4 === 0 && tileM % 4 === 0 : s.k % 4 === 0 && tileK % 4 === 0);
  const bVec = vector && s.k > 0 && (s.transB ? s.k % 4 === 0 && tileK % 4 === 0 : s.n % 4 === 0 && tileN % 4 === 0);
  const packedA = threadM % 4 === 0;
  const packedB = threadN % 4 === 0;
  const cVec = vector && packedB && s.n % 4 === 0;
  const half = s.half ?? false;
  const copyA = tileCopy(
    { name: 'a', span: tileM, kMajor: s.transA, vec: aVec, half, packed: packedA, origin: 'm0', extent: 'p.m' },
    tileK,
    threads,
  );
  const copyB = tileCopy(
    { name: 'b', span: tileN, kMajor: !s.transB, vec: bVec, half, packed: packedB, origin: 'n0', extent: 'p.n' },
    tileK,
    threads,
  );

  // Per k: thread (tx, ty) reads its threadM values of A's column (scalars, or vec4s when packed)
  // and threadN of B's row, and updates acc_i_j (vec4 groups of 4 columns when packed).
  const aValue = (i: number) => (packedA ? `a${Math.floor(i / 4)}.${COMPONENTS[i % 4]}` : `a${i}`);
  const accGroups = packedB ? threadN / 4 : threadN;
  const aGroups = packedA ? threadM / 4 : threadM;
  const compute: string[] = [];
  for (let v = 0; v < aGroups; v++)
    compute.push(`let a${v} = tileA[${plus(`kk * ${(tileM * aGroups) / threadM}u + ${times('ty', aGroups)}`, v)}];`);
  for (let j = 0; j < accGroups; j++)
    compute.push(`let b${j} = tileB[${plus(`kk * ${(tileN * accGroups) / threadN}u + ${times('tx', accGroups)}`, j)}];`);
  for (let i = 0; i < threadM; i++) for (let j = 0; j < accGroups; j++) compute.push(`acc${i}_${j} += ${aValue(i)} * b${j};`);

  const epilogue = storeBlock(s, threadM, accGroups, packedB, cVec);

  const accDecls: string[] = [];
  for (let i = 0; i < threadM; i++)
    for (let j = 0; j < accGroups; j++) accDecls.push(`var acc${i}_${j} = ${packedB ? 'vec4f' : 'f32'}(0.0);`);
  const next = `k0 + ${tileK}u`;
  // With prefetch, the next k-step's tiles are loaded into registers while this one is computed.
  const kLoop = [
    ...(o.prefetch ? [...copyA.load('0u'), ...copyB.load('0u')] : []),
    `for (var k0 = 0u; k0 < p.k; k0 += ${tileK}u) {`,
    ...(o.prefetch ? [] : [...copyA.load('k0'), ...copyB.load('k0')].map((l) => `  ${l}`)),
    ...[...copyA.store, ...copyB.store].map((l) => `  ${l}`),
    '  workgroupBarrier();',
    ...(o.prefetch ? [...copyA.load(next), ...copyB.load(next)].map((l) => `  ${l}`) : []),
    `  for (var kk = 0u; kk < ${tileK}u; kk++) {`,
    ...compute.map((l) => `    ${l}`),
    '  }',
    '  workgroupBarrier();',
    '}',
  ];

  const code = `${header(s, uniforms, aVec, bVec, cVec)}
${copyA.shared}
${copyB.shared}
${entry(threads, tileM, tileN, s)}
${perSlot(
  s,
  `  let tx = lid.x % ${threadsN}u;
  let ty = lid.x / ${threadsN}u;
${indent([...copyA.setup, ...copyB.setup, ...accDecls], 2)}
${indent(kLoop, 2)}
  let row0 = m0 + ${times('ty', threadM)};
  let col0 = n0 + ${times('tx', threadN)};
${indent(epilogue, 2)}`,
)}
}`;
  const vecTag = `${aVec ? 'v' : 's'}${bVec ? 'v' : 's'}${cVec ? 'v' : 's'}`;
  const name = `matmul_${layoutName(s)}_${tileM}x${tileN}x${tileK}_${threadM}x${threadN}_${vecTag}${o.prefetch ? '_prefetch' : ''}`;
  return { name, code, workgroups, uniforms };
}

export interface DirectOptions {
  /** Outputs per thread along M and N, multiples of 4 (vec4 accumulators, vec4 loads along M or N). */
  threadM: number;
  threadN: number;
  /** Threads per workgroup along M and N. */
  workgroupM: number;
  workgroupN: number;
  /** 4: vec4 loads and stores wherever the layout allows; 1: scalar only. */
  vectorWidth: 1 | 4;
}

/**
 * 16×16 outputs per thread and 2×4 threads per workgroup (one 8-lane SIMD batch on llvmpipe),
 * fewer outputs along a dim too small to fill them: llvmpipe runs a clamped duplicate in an
 * idle lane for as long as a useful one. 16×16 is where it levels off there: 8×8 is ~30% slower
 * at 1024³, 32×32 ~15-20% faster but 8× longer to compile (4 s per pipeline).
 */
export function directOptionsFor(s: MatmulShape): DirectOptions {
  const along = (size: number, threads: number) => Math.max(4, Math.min(16, 2 ** Math.floor(Math.log2(Math.max(1, size / threads)))));
  return { threadM: along(s.m, 2), threadN: along(s.n, 4), workgroupM: 2, workgroupN: 4, vectorWidth: 4 };
}

function checkDirectOptions(o: DirectOptions): void {
  const bad = (why: string) => new Error(`matmul options ${JSON.stringify(o)}: ${why}`);
  for (const key of ['threadM', 'threadN', 'workgroupM', 'workgroupN'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw bad(`${key} must be a positive integer`);
  }
  if (o.vectorWidth !== 1 && o.vectorWidth !== 4) throw bad('vectorWidth must be 1 or 4');
  if (o.threadM % 4 || o.threadN % 4) throw bad('threadM and threadN must be multiples of 4');
  const threads = o.workgroupM * o.workgroupN;
  if (threads > MAX_INVOCATIONS) throw bad(`${threads} threads per workgroup, over ${MAX_INVOCATIONS}`);
}

/**
 * Variant 4: thread (tx, ty) accumulates rows ty·threadM… and columns tx·threadN… of its
 * workgroup's tile, reading A and B from global memory 4 k at a time. Per step it loads
 * threadM + threadN vec4s (one per row of an operand contiguous along k; for one contiguous along
 * m or n, one per 4 rows at each of the 4 k) and does 4·threadM·threadN multiply-adds, accumulator
 * by accumulator: all 4 k of one accumulator in a row, so that each accumulator the CPU spills is
 * read and written once per step (k-outer order was ~25% slower on llvmpipe). Threads past the
 * edge of C read clamped rows and columns and store nothing; K % 4 leaves a scalar tail loop.
 */
export function matmulDirect(s: MatmulShape, options: Partial<DirectOptions> = {}): KernelLaunch {
  const o = { ...directOptionsFor(s), ...options };
  checkDirectOptions(o);
  const { threadM, threadN, workgroupM, workgroupN } = o;
  const { workgroups, mFolds } = tileGrid(s, threadM * workgroupM, threadN * workgroupN);
  const uniforms = uniformsFor(s, mFolds);
  const vector = o.vectorWidth === 4;
  // A is contiguous along k unless transposed, B only when transposed.
  const aAlongK = !s.transA;
  const bAlongK = s.transB;
  const aVec = vector && (aAlongK ? s.k % 4 === 0 : s.m % 4 === 0);
  const bVec = vector && (bAlongK ? s.k % 4 === 0 : s.n % 4 === 0);
  const cVec = vector && s.n % 4 === 0;
  const vec4sPerRow = threadN / 4;

  // Each thread's rows of A and columns of B, clamped into the matrix: the start of each row of an
  // operand read along k, or the column (first of a vec4) of one read along m or n.
  const setup: string[] = [];
  if (aAlongK) for (let i = 0; i < threadM; i++) setup.push(`let aRow${i} = aBase + min(${plus('row0', i)}, p.m - 1u) * p.k;`);
  else for (let i = 0; i < threadM; i += aVec ? 4 : 1) setup.push(`let aCol${i} = min(${plus('row0', i)}, p.m - ${aVec ? 4 : 1}u);`);
  if (bAlongK) for (let j = 0; j < threadN; j++) setup.push(`let bRow${j} = bBase + min(${plus('col0', j)}, p.n - 1u) * p.k;`);
  else for (let j = 0; j < threadN; j += bVec ? 4 : 1) setup.push(`let bCol${j} = min(${plus('col0', j)}, p.n - ${bVec ? 4 : 1}u);`);

  /** Loads and multiply-adds for `steps` consecutive k from k (4: the main loop, 1: the tail). */
  const body = (steps: 1 | 4): string[] => {
    const lines: string[] = [];
    const kAt = (kk: number) => plus('k', kk);
    // Along k: one vector per row of the operand over the steps. Along m or n: at each k, one
    // vec4 per 4 consecutive rows (m) or columns (n) of C.
    const alongK = (name: 'a' | 'b', count: number, vec: boolean, start: string) => {
      for (let r = 0; r < count; r++) {
        const scalars = [...Array(steps).keys()].map((kk) => widen(s, `${name}[${start}${r} + ${kAt(kk)}]`, false));
        const value =
          vec && steps === 4
            ? widen(s, `${name}[(${start}${r} + k) / 4u]`, true)
            : steps === 1
              ? scalars[0]
              : `vec4f(${scalars.join(', ')})`;
        lines.push(`let ${name}${r} = ${value};`);
      }
    };
    const across = (name: 'a' | 'b', count: number, vec: boolean, extent: string) => {
      for (let kk = 0; kk < steps; kk++) {
        const row = `${name}Base + ${parenthesized(kAt(kk))} * ${extent}`;
        for (let g = 0; g < count / 4; g++) {
          const col = (e: number) => `${name}Col${vec ? 4 * g : 4 * g + e}`;
          const value = vec
            ? widen(s, `${name}[(${row} + ${col(0)}) / 4u]`, true)
            : `vec4f(${[0, 1, 2, 3].map((e) => widen(s, `${name}[${row} + ${col(e)}]`, false)).join(', ')})`;
          lines.push(`let ${name}${kk}_${g} = ${value};`);
        }
      }
    };
    if (aAlongK) alongK('a', threadM, aVec, 'aRow');
    else across('a', threadM, aVec, 'p.m');
    if (bAlongK) alongK('b', threadN, bVec, 'bRow');
    else across('b', threadN, bVec, 'p.n');
    const component = (v: string, c: number) => (steps === 1 ? v : `${v}.${COMPONENTS[c]}`);
    const aAt = (i: number, kk: number) => (aAlongK ? component(`a${i}`, kk) : `a${kk}_${Math.floor(i / 4)}.${COMPONENTS[i % 4]}`);
    const bAt = (g: number, kk: number) =>
      bAlongK ? `vec4f(${[0, 1, 2, 3].map((e) => component(`b${4 * g + e}`, kk)).join(', ')})` : `b${kk}_${g}`;
    for (let i = 0; i < threadM; i++) {
      for (let g = 0; g < vec4sPerRow; g++) {
        // Both along k (NT, linear's forward): dot products keep each output's 4 k together.
        if (aAlongK && bAlongK && steps === 4) {
          lines.push(`acc${i}_${g} += vec4f(${[0, 1, 2, 3].map((e) => `dot(a${i}, b${4 * g + e})`).join(', ')});`);
          continue;
        }
        for (let kk = 0; kk < steps; kk++) lines.push(`acc${i}_${g} += ${aAt(i, kk)} * ${bAt(g, kk)};`);
      }
    }
    return lines;
  };

  const epilogue = storeBlock(s, threadM, vec4sPerRow, true, cVec);

  const accDecls: string[] = [];
  for (let i = 0; i < threadM; i++) for (let g = 0; g < vec4sPerRow; g++) accDecls.push(`var acc${i}_${g} = vec4f(0.0);`);
  const kLoops = [
    'var k = 0u;',
    'for (; k + 4u <= p.k; k += 4u) {',
    ...body(4).map((l) => `  ${l}`),
    '}',
    // Only a K that is not a multiple of 4 leaves a tail (and K's alignment is in the text anyway).
    ...(s.k % 4 ? ['for (; k < p.k; k++) {', ...body(1).map((l) => `  ${l}`), '}'] : []),
  ];
  const code = `${header(s, uniforms, aVec, bVec, cVec)}
${entry(workgroupM * workgroupN, threadM * workgroupM, threadN * workgroupN, s)}
${perSlot(
  s,
  `  let row0 = m0 + ${times(`(lid.x / ${workgroupN}u)`, threadM)};
  let col0 = n0 + ${times(`(lid.x % ${workgroupN}u)`, threadN)};
${indent([...setup, ...accDecls, ...kLoops, ...epilogue], 2)}`,
)}
}`;
  const vecTag = `${aVec ? 'v' : 's'}${bVec ? 'v' : 's'}${cVec ? 'v' : 's'}`;
  const name = `matmul_direct_${layoutName(s)}_${threadM}x${threadN}_${workgroupM}x${workgroupN}_${vecTag}`;
  return { name, code, workgroups, uniforms };
}
