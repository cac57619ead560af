// Matmul variant 5: C = op(A)·op(B) (+ bias) on the GPU's matrix units (tensor cores, simdgroup
// matrices, XMX) through Dawn's `chromium_experimental_subgroup_matrix` WGSL extension: A and B
// f16, products accumulated in f32, C and the bias f32. Shapes, layouts and batching are those of
// kernels/matmul.ts (bindings 1 A, 2 B, 3 C, 4 bias; no slots, no GELU epilogue).
//
// The extension gives a subgroup opaque matrices of the sizes the adapter lists in
// `adapter.info.subgroupMatrixConfigs` ({componentType, resultComponentType, M, N, K}): a left
// M×K and a right K×N f16 matrix and an M×N f32 result (typed `subgroup_matrix_left<f16, K, M>`,
// `subgroup_matrix_right<f16, N, K>`, `subgroup_matrix_result<f32, N, M>`: columns, then rows),
// loaded from and stored to workgroup or storage arrays with a stride, and
// `subgroupMatrixMultiplyAccumulate(left, right, acc)`. Every call must be in uniform control flow
// with uniform arguments (a subgroup's own id counts as uniform), and the workgroup's x size must
// be a multiple of the adapter's largest subgroup. Loads and stores say their layout as a template
// argument, `subgroupMatrixLoad<Left, row_major>(&tile, offset, stride)`; older Dawn builds (in
// browsers too) take only the deprecated form with a bool, `(&tile, offset, false, stride)`, which
// `syntax: 'bool'` writes (engine/ops/subgroup_matrix.ts picks one on the device).
//
// Decomposition: a workgroup owns a TILE_M × TILE_N block of C and holds SUBGROUPS_M × SUBGROUPS_N
// subgroups of the adapter's largest size; subgroup s (`@builtin(subgroup_id)`) owns a sub-block
// of tilesM × tilesN result matrices at row (s / SUBGROUPS_N)·tilesM·M and column
// (s % SUBGROUPS_N)·tilesN·N, so no two subgroups share a result. A device that runs smaller
// subgroups than its largest (Dawn may require a smaller size for these matrices) has more
// subgroups than planned: the spare ones only help stage tiles. The workgroup walks K in steps of
// TILE_K = kSteps·K: all its threads copy the A and B tiles into workgroup memory as row-major f16
// [TILE_M][TILE_K] and [TILE_K][TILE_N] whatever the global layout (transposes are handled here),
// four elements at a time where the global rows allow (vec4 loads), zero past the edges, so any
// M, N, K works; then each subgroup, for each K-slice, loads its tilesM left and tilesN right
// matrices and does tilesM·tilesN multiply-accumulates. At the end the result matrices go to a
// workgroup f32 tile, and the threads copy its in-range part to C, adding the bias.
//
// Launched only where the tuner (tune/tuner.ts) validated it on the device against the f32
// kernel and timed it faster than variant 3 at that product. It cannot run on lavapipe; `emulated`
// replaces the four matrix operations by plain WGSL in which every thread computes the whole small
// matrix (and a subgroup is a run of subgroupSize threads), so that the tiling around them is
// tested anywhere with shader-f16 (test/ops/matmul_subgroup_matrix.test.ts); Dawn's null backend
// compiles the real one (test/engine/kernel_compile.test.ts).
import { uniformBlock, type KernelLaunch } from './launch.ts';
import { tileGrid, uniformsFor, type MatmulShape } from './matmul.ts';

/** One entry of GPUAdapterInfo.subgroupMatrixConfigs (Dawn's experimental extension). */
export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

export interface SubgroupMatrixOptions {
  /** An f16 → f32 configuration the adapter reports. */
  config: SubgroupMatrixConfig;
  /** The adapter's largest subgroup: each planned subgroup is this many threads. */
  subgroupSize: number;
  /** Subgroups per workgroup along M and N. */
  subgroupsM: number;
  subgroupsN: number;
  /** Result matrices per subgroup along M and N, and config.K steps per staged tile. */
  tilesM: number;
  tilesN: number;
  kSteps: number;
  /** How loads and stores name their layout: a `row_major` template argument, or (older Dawn) a bool. */
  syntax: 'layout' | 'bool';
  /** Plain-WGSL stand-ins for the matrix operations, for testing without the extension. */
  emulated: boolean;
}

/** The adapter's configurations with f16 operands and f32 results. */
export const halfConfigs = (configs: readonly SubgroupMatrixConfig[]) =>
  configs.filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32');

/** 2 × 2 subgroups, each owning a 32 × 32 block of C, and 32-deep K tiles, whatever the matrix size. */
export function subgroupMatrixOptionsFor(
  config: SubgroupMatrixConfig,
  subgroupSize: number,
  syntax: SubgroupMatrixOptions['syntax'] = 'layout',
): SubgroupMatrixOptions {
  const per = (size: number) => Math.max(1, Math.floor(32 / size));
  return {
    config,
    subgroupSize,
    subgroupsM: 2,
    subgroupsN: 2,
    tilesM: per(config.M),
    tilesN: per(config.N),
    kSteps: per(config.K),
    syntax,
    emulated: false,
  };
}

function checkOptions(s: MatmulShape, o: SubgroupMatrixOptions): void {
  const bad = (why: string) => new Error(`subgroup-matrix matmul options ${JSON.stringify(o)}: ${why}`);
  if (o.config.componentType !== 'f16' || o.config.resultComponentType !== 'f32') throw bad('the config must take f16 and give f32');
  for (const key of ['subgroupSize', 'subgroupsM', 'subgroupsN', 'tilesM', 'tilesN', 'kSteps'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw bad(`${key} must be a positive integer`);
  }
  for (const key of ['M', 'N', 'K'] as const) {
    if (!Number.isInteger(o.config[key]) || o.config[key] < 1) throw bad(`config.${key} must be a positive integer`);
  }
  if (s.slots || s.kSlots || s.gelu)
    throw new Error('matmul variant 5 has no slotted operands and no GELU epilogue (variants 3 and 4 have)');
  if (s.roundA || s.roundB)
    throw new Error('matmul variant 5 reads f16 tensors only; f32 operands rounded as they load need variant 3 or 4');
}

/**
 * WGSL for the matrix types and the four operations the kernel uses: `loadLeft(offset)` from the
 * A tile, `loadRight(offset)` from the B tile, `multiplyAccumulate(left, right, acc)` and
 * `storeResult(offset, value)` into the C tile, all row-major with the tiles' strides.
 */
function matrixOperations(o: SubgroupMatrixOptions): string {
  const { M, N, K } = o.config;
  if (!o.emulated) {
    const load = (type: string, tile: string, stride: string) =>
      o.syntax === 'layout'
        ? `subgroupMatrixLoad<${type}, row_major>(&${tile}, offset, ${stride})`
        : `subgroupMatrixLoad<${type}>(&${tile}, offset, false, ${stride})`;
    const store =
      o.syntax === 'layout'
        ? 'subgroupMatrixStore<row_major>(&cTile, offset, value, TILE_N)'
        : 'subgroupMatrixStore(&cTile, offset, value, false, TILE_N)';
    return `alias Left = subgroup_matrix_left<f16, ${K}, ${M}>;
alias Right = subgroup_matrix_right<f16, ${N}, ${K}>;
alias Result = subgroup_matrix_result<f32, ${N}, ${M}>;
fn loadLeft(offset: u32) -> Left { return ${load('Left', 'aTile', 'TILE_K')}; }
fn loadRight(offset: u32) -> Right { return ${load('Right', 'bTile', 'TILE_N')}; }
fn multiplyAccumulate(left: Left, right: Right, acc: Result) -> Result { return subgroupMatrixMultiplyAccumulate(left, right, acc); }
fn storeResult(offset: u32, value: Result) { ${store}; }`;
  }
  return `alias Left = array<f32, ${M * K}>;
alias Right = array<f32, ${K * N}>;
alias Result = array<f32, ${M * N}>;
fn loadLeft(offset: u32) -> Left {
  var m: Left;
  for (var i = 0u; i < ${M * K}u; i++) { m[i] = f32(aTile[offset + (i / ${K}u) * TILE_K + i % ${K}u]); }
  return m;
}
fn loadRight(offset: u32) -> Right {
  var m: Right;
  for (var i = 0u; i < ${K * N}u; i++) { m[i] = f32(bTile[offset + (i / ${N}u) * TILE_N + i % ${N}u]); }
  return m;
}
fn multiplyAccumulate(left: Left, right: Right, acc: Result) -> Result {
  var out = acc;
  for (var i = 0u; i < ${M * N}u; i++) {
    for (var k = 0u; k < ${K}u; k++) { out[i] += left[(i / ${N}u) * ${K}u + k] * right[k * ${N}u + i % ${N}u]; }
  }
  return out;
}
fn storeResult(offset: u32, value: Result) {
  for (var i = 0u; i < ${M * N}u; i++) { cTile[offset + (i / ${N}u) * TILE_N + i % ${N}u] = value[i]; }
}`;
}

/**
 * An operand's staging into its row-major [rows][cols] workgroup tile. `row` and `col` name the
 * tile's axes as operand indices (m, n or k) with their origins and extents; `contiguous` is the
 * axis along which the operand is contiguous in memory, and `vec4` whether it is bound as vec4s
 * (its length along that axis a multiple of 4). `at` is the element index of (row, col).
 */
interface Staging {
  tile: string;
  binding: string;
  row: { name: string; origin: string; extent: string; size: string };
  col: { name: string; origin: string; extent: string; size: string };
  contiguous: 'row' | 'col';
  vec4: boolean;
  at: string;
}

/** WGSL: all THREADS threads copy one operand's tile into workgroup memory, zero past its edges. */
function stageTile(st: Staging): string {
  const { row, col, tile } = st;
  if (!st.vec4) {
    return `for (var e = lid.x; e < ${row.size} * ${col.size}; e += THREADS) {
      let ${row.name} = ${row.origin} + e / ${col.size};
      let ${col.name} = ${col.origin} + e % ${col.size};
      var value = f16(0.0);
      if (${row.name} < ${row.extent} && ${col.name} < ${col.extent}) { value = ${st.binding}[${st.at}]; }
      ${tile}[e] = value;
    }`;
  }
  // Four elements along the contiguous axis per thread and step: both the operand's length and the
  // tile's along it are multiples of 4, so a group of four is wholly in range or wholly out.
  const along = st.contiguous === 'col' ? col : row;
  const across = st.contiguous === 'col' ? row : col;
  const place = (i: number) =>
    st.contiguous === 'col' ? `${tile}[tr * ${col.size} + tc + ${i}u]` : `${tile}[(tr + ${i}u) * ${col.size} + tc]`;
  return `for (var e = lid.x; e < ${row.size} * ${col.size} / 4u; e += THREADS) {
      let ${across === row ? 'tr' : 'tc'} = e / (${along.size} / 4u);
      let ${along === row ? 'tr' : 'tc'} = (e % (${along.size} / 4u)) * 4u;
      let ${row.name} = ${row.origin} + tr;
      let ${col.name} = ${col.origin} + tc;
      var value = vec4<f16>();
      if (${row.name} < ${row.extent} && ${col.name} < ${col.extent}) { value = ${st.binding}[(${st.at}) / 4u]; }
      ${[0, 1, 2, 3].map((i) => `${place(i)} = value[${i}];`).join('\n      ')}
    }`;
}

/** Variant 5. Bindings: 1 A (f16), 2 B (f16), 3 C (f32), 4 bias (f32, only when `bias` is set). */
export function matmulSubgroupMatrix(s: MatmulShape, options: SubgroupMatrixOptions): KernelLaunch {
  checkOptions(s, options);
  const { config, subgroupSize, subgroupsM, subgroupsN, tilesM, tilesN, kSteps, emulated } = options;
  const [subTileM, subTileN] = [tilesM * config.M, tilesN * config.N];
  const [tileM, tileN, tileK] = [subgroupsM * subTileM, subgroupsN * subTileN, kSteps * config.K];
  const threads = subgroupsM * subgroupsN * subgroupSize;
  const { workgroups, mFolds } = tileGrid(s, tileM, tileN);
  const uniforms = uniformsFor(s, mFolds);
  // vec4 loads along the operand's contiguous axis where its length there is a multiple of 4.
  const vecA = (s.transA ? s.m : s.k) % 4 === 0 && (s.transA ? tileM : tileK) % 4 === 0;
  const vecB = (s.transB ? s.k : s.n) % 4 === 0 && (s.transB ? tileK : tileN) % 4 === 0;
  const stageA = stageTile({
    tile: 'aTile',
    binding: 'a',
    row: { name: 'm', origin: 'm0', extent: 'p.m', size: 'TILE_M' },
    col: { name: 'k', origin: 'k0', extent: 'p.k', size: 'TILE_K' },
    contiguous: s.transA ? 'row' : 'col',
    vec4: vecA,
    at: s.transA ? 'aBase + k * p.m + m' : 'aBase + m * p.k + k',
  });
  const stageB = stageTile({
    tile: 'bTile',
    binding: 'b',
    row: { name: 'k', origin: 'k0', extent: 'p.k', size: 'TILE_K' },
    col: { name: 'n', origin: 'n0', extent: 'p.n', size: 'TILE_N' },
    contiguous: s.transB ? 'row' : 'col',
    vec4: vecB,
    at: s.transB ? 'bBase + n * p.k + k' : 'bBase + k * p.n + n',
  });
  const blocks: [number, number][] = [];
  for (let i = 0; i < tilesM; i++) for (let j = 0; j < tilesN; j++) blocks.push([i, j]);
  const slice = (step: number) => [
    ...Array.from({ length: tilesM }, (_, i) => `let left${i} = loadLeft((rowOrigin + ${i * config.M}u) * TILE_K + ${step * config.K}u);`),
    ...Array.from({ length: tilesN }, (_, j) => `let right${j} = loadRight(${step * config.K}u * TILE_N + colOrigin + ${j * config.N}u);`),
    ...blocks.map(([i, j]) => `acc${i}_${j} = multiplyAccumulate(left${i}, right${j}, acc${i}_${j});`),
  ];
  const code = `enable f16;
${emulated ? '' : 'enable subgroups;\nenable chromium_experimental_subgroup_matrix;\n'}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> a: array<${vecA ? 'vec4<f16>' : 'f16'}>;
@group(0) @binding(2) var<storage, read> b: array<${vecB ? 'vec4<f16>' : 'f16'}>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
${s.bias ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;' : ''}
const TILE_M = ${tileM}u;
const TILE_N = ${tileN}u;
const TILE_K = ${tileK}u;
const THREADS = ${threads}u;
var<workgroup> aTile: array<f16, ${tileM * tileK}>;
var<workgroup> bTile: array<f16, ${tileK * tileN}>;
var<workgroup> cTile: array<f32, ${tileM * tileN}>;
${matrixOperations(options)}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u${
    emulated ? '' : ', @builtin(subgroup_id) subgroup: u32'
  }) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * TILE_M;
  if (m0 >= p.m) { return; }
  let n0 = wid.x * TILE_N;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  let cBase = batch * p.m * p.n;
  ${emulated ? `let subgroup = lid.x / ${subgroupSize}u;` : ''}
  // Planned subgroups own result blocks; spare ones (a device running smaller subgroups) only stage.
  let owner = subgroup < ${subgroupsM * subgroupsN}u;
  let rowOrigin = (subgroup / ${subgroupsN}u) * ${subTileM}u;
  let colOrigin = (subgroup % ${subgroupsN}u) * ${subTileN}u;
  ${blocks.map(([i, j]) => `var acc${i}_${j} = Result();`).join('\n  ')}
  for (var k0 = 0u; k0 < p.k; k0 += TILE_K) {
    ${stageA}
    ${stageB}
    workgroupBarrier();
    if (owner) {
      ${Array.from({ length: kSteps }, (_, step) => `{\n        ${slice(step).join('\n        ')}\n      }`).join('\n      ')}
    }
    workgroupBarrier();
  }
  if (owner) {
    ${blocks.map(([i, j]) => `storeResult((rowOrigin + ${i * config.M}u) * TILE_N + colOrigin + ${j * config.N}u, acc${i}_${j});`).join('\n    ')}
  }
  workgroupBarrier();
  for (var e = lid.x; e < TILE_M * TILE_N; e += THREADS) {
    let m = m0 + e / TILE_N;
    let n = n0 + e % TILE_N;
    if (m < p.m && n < p.n) { c[cBase + m * p.n + n] = cTile[e]${s.bias ? ' + bias[n]' : ''}; }
  }
}`;
  const layout = `${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}`;
  const shape = `${config.M}x${config.N}x${config.K}_${subgroupsM}x${subgroupsN}sg_${tilesM}x${tilesN}x${kSteps}`;
  const suffix = `${options.syntax === 'bool' ? '_bool' : ''}${emulated ? '_emulated' : ''}`;
  return { name: `matmul_subgroup_matrix_${layout}_${shape}${suffix}`, code, workgroups, uniforms };
}
