// Embedding lookup (a row gather) and its deterministic backward (a scatter-add of rows).
//
// Layout: ids [n] i32 (any shape, flattened), table [V, D] f32 row-major, output [n, D].
// Forward: one thread per output element copies table[ids[i], d]; ids outside [0, V) read as a
// zero row and get no gradient (a GPU cannot throw; callers validate ids when they build batches).
// The backward also leaves out a padding id when given (nn.Embedding's padding_idx): its row is
// read as any other, but gets no gradient.
//
// Backward: dTable[v] = sum of grad[i] over the positions i with ids[i] = v, in increasing i, so
// the result is identical run to run; WGSL has no float atomics, and float addition order matters.
// Both forms below add the same rows in the same order from 0, so they give the same bits.
//
// CPU implementations' form, a stable counting sort of the positions by id, then one plain sum per
// output element:
//   `sortPositionsById`, one workgroup, steps 1 to 3 with a storage barrier between them:
//   1. count:          atomicAdd(counts[id], 1) per position. Integer atomics are exact, so the
//                      counts do not depend on the order the threads run in.
//   2. bucket starts:  a scan of the counts: starts[v] = first slot of bucket v in the sorted
//                      order (starts[V] = number of valid ids); counts becomes a per-bucket write
//                      cursor, starting at starts[v].
//   3. place stably:   the positions in blocks of 256, in order. Within a block each thread ranks
//                      its position among the earlier ones with the same id (a compare with each
//                      position of the block, in workgroup memory) and writes it at cursor + rank;
//                      the block's last occurrence of each id then advances that cursor. Buckets
//                      thus hold their positions in increasing order. O(n) compares per thread.
//                      (One launch: steps 2 and 3 need one workgroup, and step 1 is n atomic adds.)
//   4. `sumBuckets`:   a few threads per dTable row v (one at small D), each summing some of its
//                      columns d: grad[order[k], d] over bucket v, in slot order; rows no id
//                      touches get 0.
// The work is O(n·256 + V·D + n·D); a per-row scan of all ids would be O(V·n·D).
//
// GPUs' form, each position linked to the next one with its id, in two launches sized by the work
// (one workgroup cannot fill a GPU: at DistilBERT-base, batch 64 × 64, n = 4,096 and V = 30,522):
//   1. `linkOccurrences`, a workgroup per position i: its threads compare ids[i] with every id,
//                      thread t with positions t, t + 64, …, and meet in workgroup atomics (integer
//                      min and or: exact, so the order threads run in does not matter). It writes
//                      next[i] = the nearest j > i with ids[j] = ids[i] (none: 0xffffffff) and,
//                      when no earlier position has that id, first[ids[i]] = i. O(n²) compares:
//                      16M at DistilBERT-base, 4,096 workgroups; a position whose id takes no
//                      gradient (padding: most of a short sentence's) returns at once. No scratch
//                      needs clearing: each next[i] on a chain has one writer, and first[v] is
//                      written only for ids that occur; for the others it holds whatever the
//                      buffer held, which step 2 rejects.
//   2. `sumChains`:    a thread per (row v, column vector) of dTable walks v's chain from first[v]
//                      (trusted only if ids[first[v]] = v), adding grad rows in increasing
//                      position; rows no id touches get 0. V·D/4 threads: 22,892 workgroups.
// The engine picks the form by adapter class, or as `npm run tune` chose (engine/ops/embedding.ts).
//
// CPU reference: reference/float64.ts `gatherRowsRef` (the backward through finite differences);
// tests: test/ops/embedding.test.ts (both forms, and their bits against each other); bench:
// `npm run bench -- --only embedding`.
import { flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

/** Bindings: 1 ids [n] i32, 2 table [V, D], 3 output [n, D]. */
export function gatherRows(n: number, vocab: number, dim: number): KernelLaunch {
  const uniforms = { total: u32(n * dim), vocab: u32(vocab), dim: u32(dim) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;
${flatKernelMain(
  WG,
  'p.total',
  `
  let id = u32(ids[i / p.dim]);
  var value = 0.0;
  if (id < p.vocab) { value = table[id * p.dim + i % p.dim]; }
  output[i] = value;`,
)}`;
  return { name: 'embedding_gather', code, workgroups: flatGrid(n * dim, WG), uniforms };
}

/** The id whose row gets no gradient, as a uniform: none is 0xffffffff, never a valid id. */
const paddingUniform = (paddingIdx: number | undefined) => u32(paddingIdx ?? 0xffffffff);

/** WGSL: whether an id gets a gradient (the kernel's uniforms hold `vocab` and `paddingIdx`). */
const VALID_ID = 'fn validId(id: u32) -> bool { return id < p.vocab && id != p.paddingIdx; }';

/**
 * Steps 1 to 3, one workgroup, with a storage barrier between them. Bindings: 1 ids [n] i32,
 * 2 cursors [V] (scratch: the counts, then each bucket's write cursor), 3 starts [V + 1], 4 order
 * [n] (positions by bucket). The cursors are atomic for step 1's adds, so every access is atomic;
 * after step 1 only one thread touches a given cursor between barriers.
 */
export function sortPositionsById(n: number, vocab: number, paddingIdx?: number): KernelLaunch {
  const uniforms = { n: u32(n), vocab: u32(vocab), paddingIdx: paddingUniform(paddingIdx) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> cursors: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> starts: array<u32>;
@group(0) @binding(4) var<storage, read_write> order: array<u32>;
var<workgroup> chunkTotals: array<u32, ${WG}>;
var<workgroup> blockIds: array<u32, ${WG}>;

${VALID_ID}

@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u) {
  let t = lid.x;
  // 1. Count each id.
  for (var v = t; v < p.vocab; v += ${WG}u) { atomicStore(&cursors[v], 0u); }
  storageBarrier();
  for (var i = t; i < p.n; i += ${WG}u) {
    let id = u32(ids[i]);
    if (validId(id)) { atomicAdd(&cursors[id], 1u); }
  }
  storageBarrier();

  // 2. Bucket starts: thread t owns a contiguous chunk of the vocabulary, totals it, adds the
  // totals of the chunks before it, then writes its chunk's exclusive prefix sums.
  let chunk = (p.vocab + ${WG - 1}u) / ${WG}u;
  let begin = min(t * chunk, p.vocab);
  let end = min(begin + chunk, p.vocab);
  var total = 0u;
  for (var v = begin; v < end; v++) { total += atomicLoad(&cursors[v]); }
  chunkTotals[t] = total;
  workgroupBarrier();
  var running = 0u;
  for (var s = 0u; s < t; s++) { running += chunkTotals[s]; }
  for (var v = begin; v < end; v++) {
    let count = atomicLoad(&cursors[v]);
    starts[v] = running;
    atomicStore(&cursors[v], running);
    running += count;
  }
  if (t == ${WG - 1}u) { starts[p.vocab] = running; }
  storageBarrier();

  // 3. Place the positions, in blocks of ${WG}, in order.
  for (var base = 0u; base < p.n; base += ${WG}u) {
    let i = base + t;
    var id = 0xffffffffu;
    if (i < p.n) { id = u32(ids[i]); }
    blockIds[t] = id;
    workgroupBarrier();
    var earlier = 0u;
    var later = 0u;
    // The last block may be partly filled: compare only the positions it holds.
    for (var s = 0u; s < min(${WG}u, p.n - base); s++) {
      if (blockIds[s] == id) {
        if (s < t) { earlier++; } else if (s > t) { later++; }
      }
    }
    let valid = validId(id);
    var slot = 0u;
    if (valid) { slot = atomicLoad(&cursors[id]) + earlier; }
    // Every thread has read its cursor (and blockIds) before any cursor moves or the next block loads.
    storageBarrier();
    workgroupBarrier();
    if (valid) {
      order[slot] = i;
      if (later == 0u) { atomicStore(&cursors[id], slot + 1u); }
    }
    storageBarrier();
  }
}`;
  return { name: 'embedding_sort_positions', code, workgroups: [1, 1, 1], uniforms };
}

/** A dTable row as the sums see it: vectors of 4 (vec4 loads and stores) when D is a multiple of 4, else single floats. */
function rowVectors(dim: number) {
  const width = dim % 4 === 0 ? 4 : 1;
  return { width, vec: width === 4 ? 'vec4f' : 'f32', columns: dim / width };
}

/** Most vectors (vec4 or scalar) of a dTable row that one step-4 thread sums. */
const VECTORS_PER_THREAD = 8;

/**
 * Step 4. Bindings: 1 grad [n, D], 2 starts [V + 1], 3 order [n], 4 dTable [V, D]. A row's
 * columns are `rowVectors`; `threadsPerRow` threads share a row, thread j taking vectors j,
 * j + threadsPerRow, … (at most VECTORS_PER_THREAD), so neighbouring threads store neighbouring
 * vectors. At DistilBERT-base (D = 768) that is 24 threads per row; at small D one thread does the
 * whole row, reading its bucket bounds once (on CPU rasterisers the per-thread work, not the
 * stores, costs).
 */
export function sumBuckets(vocab: number, dim: number): KernelLaunch {
  const { width, vec, columns } = rowVectors(dim);
  const threadsPerRow = Math.max(1, Math.ceil(columns / VECTORS_PER_THREAD));
  const uniforms = { threads: u32(vocab * threadsPerRow) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> grad: array<${vec}>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> dTable: array<${vec}>;
const COLUMNS = ${columns}u;
const THREADS_PER_ROW = ${threadsPerRow}u;
${flatKernelMain(
  WG,
  'p.threads',
  `
  let v = i / THREADS_PER_ROW;
  let begin = starts[v];
  let end = starts[v + 1u];
  for (var column = i % THREADS_PER_ROW; column < COLUMNS; column += THREADS_PER_ROW) {
    var acc = ${vec}(0.0);
    for (var k = begin; k < end; k++) { acc += grad[order[k] * COLUMNS + column]; }
    dTable[v * COLUMNS + column] = acc;
  }`,
)}`;
  return { name: `embedding_sum_buckets_x${width}`, code, workgroups: flatGrid(vocab * threadsPerRow, WG), uniforms };
}

/** Threads of a `linkOccurrences` workgroup, which share the compares of one position. */
const LINK_WG = 64;

/**
 * GPUs' step 1. Bindings: 1 ids [n] i32, 2 next [n] (u32: the next position with the same id, or
 * 0xffffffff), 3 first [V] (u32: the first position of each id that occurs). A workgroup per
 * position, numbered as `flatGrid` numbers threads.
 */
export function linkOccurrences(n: number, vocab: number, paddingIdx?: number): KernelLaunch {
  const uniforms = { n: u32(n), vocab: u32(vocab), paddingIdx: paddingUniform(paddingIdx) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> next: array<u32>;
@group(0) @binding(3) var<storage, read_write> first: array<u32>;
var<workgroup> idAtI: i32;
var<workgroup> nearestLater: atomic<u32>;
var<workgroup> anyEarlier: atomic<u32>;

${VALID_ID}

@compute @workgroup_size(${LINK_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= p.n) { return; }
  if (lid.x == 0u) {
    idAtI = ids[i];
    atomicStore(&nearestLater, 0xffffffffu);
    atomicStore(&anyEarlier, 0u);
  }
  // One value for the whole workgroup (the load is also a barrier), so all its threads may return.
  let id = workgroupUniformLoad(&idAtI);
  // A position whose id takes no gradient (padding, out of range) is on no chain: no link needed.
  if (!validId(u32(id))) { return; }
  var earlier = false;
  // This thread's positions rise, so its first match after i is its nearest one.
  for (var j = lid.x; j < p.n; j += ${LINK_WG}u) {
    if (ids[j] != id) { continue; }
    if (j < i) {
      earlier = true;
    } else if (j > i) {
      atomicMin(&nearestLater, j);
      break;
    }
  }
  if (earlier) { atomicOr(&anyEarlier, 1u); }
  workgroupBarrier();
  if (lid.x == 0u) {
    next[i] = atomicLoad(&nearestLater);
    if (atomicLoad(&anyEarlier) == 0u) { first[u32(id)] = i; }
  }
}`;
  return { name: 'embedding_link_occurrences', code, workgroups: flatGrid(n, 1), uniforms };
}

/**
 * GPUs' step 2. Bindings: 1 grad [n, D], 2 ids [n] i32, 3 next [n], 4 first [V], 5 dTable [V, D].
 * A thread per (row v, vector of `rowVectors`), so neighbouring threads store neighbouring vectors.
 */
export function sumChains(n: number, vocab: number, dim: number, paddingIdx?: number): KernelLaunch {
  const { width, vec, columns } = rowVectors(dim);
  const uniforms = { threads: u32(vocab * columns), n: u32(n), vocab: u32(vocab), paddingIdx: paddingUniform(paddingIdx) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> grad: array<${vec}>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read> next: array<u32>;
@group(0) @binding(4) var<storage, read> first: array<u32>;
@group(0) @binding(5) var<storage, read_write> dTable: array<${vec}>;
const COLUMNS = ${columns}u;

${VALID_ID}

${flatKernelMain(
  WG,
  'p.threads',
  `
  let v = i / COLUMNS;
  // first[v] is v's first position if v occurs, else a stale value: one whose id is not v.
  var k = first[v];
  if (!validId(v) || k >= p.n || u32(ids[k]) != v) { k = 0xffffffffu; }
  var acc = ${vec}(0.0);
  for (; k < p.n; k = next[k]) { acc += grad[k * COLUMNS + i % COLUMNS]; }
  dTable[i] = acc;`,
)}`;
  return { name: `embedding_sum_chains_x${width}`, code, workgroups: flatGrid(vocab * columns, WG), uniforms };
}
