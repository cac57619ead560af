// Matmul variant 5: C = op(A)·op(B) (+ bias) on the GPU's matrix units (tensor cores, simdgroup
// matrices, XMX) through Dawn's `chromium_experimental_subgroup_matrix` WGSL extension: A and B
// f16, products accumulated in f32, C and the bias f32. Shapes, layouts, batching and bindings
// are those of kernels/matmul.ts (1 A, 2 B, 3 C, 4 bias).
//
// The extension gives a subgroup opaque matrices of the sizes the adapter lists in
// `adapter.info.subgroupMatrixConfigs` ({componentType, resultComponentType, M, N, K}): a left
// M×K and a right K×N f16 matrix, and an M×N f32 result, loaded from and stored to workgroup or
// storage arrays with a stride, and `subgroupMatrixMultiplyAccumulate(left, right, acc)`. Every
// call must be in uniform control flow with uniform arguments, and the workgroup's x size must be
// a multiple of the adapter's largest subgroup.
//
// Decomposition: one workgroup is one subgroup (`subgroupSize` threads, the adapter's largest
// subgroup) and owns a tileM × tileN block of C, tileM = tilesM·M and tileN = tilesN·N, held as
// tilesM × tilesN result matrices. It walks K in steps of tileK = kSteps·K: the threads copy the A
// and B tiles into workgroup memory as row-major f16 [tileM][tileK] and [tileK][tileN] whatever
// the global layout (transposes are handled here), zero past the edges, so any M, N, K works;
// then for each K-slice the subgroup loads tilesM left and tilesN right matrices and does
// tilesM·tilesN multiply-accumulates. At the end the result matrices go to a workgroup f32 tile,
// and the threads copy its in-range part to C, adding the bias.
//
// The adapter lists the configurations it runs, so this kernel is only ever launched after the
// engine has validated it on the device (engine/ops/subgroup_matrix.ts) against the f32 kernel.
// It cannot run on lavapipe; `emulated` replaces the four matrix operations by plain WGSL in
// which every thread computes the whole small matrix, so that the tiling around them is tested
// anywhere with shader-f16 (test/ops/matmul_subgroup_matrix.test.ts).
import { uniformBlock, type KernelLaunch } from './launch.ts';
import { entry, tileGrid, uniformsFor, type MatmulShape } from './matmul.ts';

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
  /** Threads per workgroup: the adapter's subgroupMaxSize. */
  subgroupSize: number;
  /** Result matrices per workgroup along M and N, and config.K steps per staged tile. */
  tilesM: number;
  tilesN: number;
  kSteps: number;
  /** Plain-WGSL stand-ins for the matrix operations, for testing without the extension. */
  emulated: boolean;
}

/** The adapter's first configuration with f16 operands and f32 results, if any. */
export function pickSubgroupMatrixConfig(configs: readonly SubgroupMatrixConfig[]): SubgroupMatrixConfig | undefined {
  return configs.find((c) => c.componentType === 'f16' && c.resultComponentType === 'f32');
}

/** Blocks of 32×32 outputs and 32-deep K tiles, whatever the matrix size. */
export function subgroupMatrixOptionsFor(config: SubgroupMatrixConfig, subgroupSize: number): SubgroupMatrixOptions {
  const per = (size: number) => Math.max(1, Math.floor(32 / size));
  return { config, subgroupSize, tilesM: per(config.M), tilesN: per(config.N), kSteps: per(config.K), emulated: false };
}

function checkOptions(o: SubgroupMatrixOptions): void {
  const bad = (why: string) => new Error(`subgroup-matrix matmul options ${JSON.stringify(o)}: ${why}`);
  if (o.config.componentType !== 'f16' || o.config.resultComponentType !== 'f32') throw bad('the config must take f16 and give f32');
  for (const key of ['tilesM', 'tilesN', 'kSteps', 'subgroupSize'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw bad(`${key} must be a positive integer`);
  }
  for (const key of ['M', 'N', 'K'] as const) {
    if (!Number.isInteger(o.config[key]) || o.config[key] < 1) throw bad(`config.${key} must be a positive integer`);
  }
}

/**
 * WGSL for the matrix types and the four operations the kernel uses: `loadLeft(offset)` from the
 * A tile, `loadRight(offset)` from the B tile, `multiplyAccumulate(left, right, acc)` and
 * `storeResult(offset, value)` into the C tile, all row-major with the tiles' strides.
 */
function matrixOperations(o: SubgroupMatrixOptions): string {
  const { M, N, K } = o.config;
  if (!o.emulated) {
    return `alias Left = subgroup_matrix_left<f16, ${K}, ${M}>;
alias Right = subgroup_matrix_right<f16, ${N}, ${K}>;
alias Result = subgroup_matrix_result<f32, ${N}, ${M}>;
fn loadLeft(offset: u32) -> Left { return subgroupMatrixLoad<Left>(&aTile, offset, false, TILE_K); }
fn loadRight(offset: u32) -> Right { return subgroupMatrixLoad<Right>(&bTile, offset, false, TILE_N); }
fn multiplyAccumulate(left: Left, right: Right, acc: Result) -> Result { return subgroupMatrixMultiplyAccumulate(left, right, acc); }
fn storeResult(offset: u32, value: Result) { subgroupMatrixStore(&cTile, offset, value, false, TILE_N); }`;
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

/** A dim of a staged tile: its index's name, the tile's first index, the operand's extent, the tile's size. */
type TileDim = [name: string, origin: string, extent: string, size: string];

/**
 * WGSL: `threads` threads copy a row-major [rows][cols] tile of an operand into `tile`, `load`
 * reading one element, zero past the operand's edges.
 */
function stageTile(
  tile: string,
  threads: number,
  [row, rowOrigin, rowExtent, rows]: TileDim,
  [col, colOrigin, colExtent, cols]: TileDim,
  load: string,
): string {
  return `for (var e = lid.x; e < ${rows} * ${cols}; e += ${threads}u) {
      let ${row} = ${rowOrigin} + e / ${cols};
      let ${col} = ${colOrigin} + e % ${cols};
      var value = f16(0.0);
      if (${row} < ${rowExtent} && ${col} < ${colExtent}) { value = ${load}; }
      ${tile}[e] = value;
    }`;
}

/** Variant 5. Bindings: 1 A (f16), 2 B (f16), 3 C (f32), 4 bias (f32, only when `bias` is set). */
export function matmulSubgroupMatrix(s: MatmulShape, options: SubgroupMatrixOptions): KernelLaunch {
  checkOptions(options);
  const { config, subgroupSize, tilesM, tilesN, kSteps } = options;
  const [tileM, tileN, tileK] = [tilesM * config.M, tilesN * config.N, kSteps * config.K];
  const { workgroups, mFolds } = tileGrid(s, tileM, tileN);
  const uniforms = uniformsFor(s, mFolds);
  const aAt = s.transA ? 'aBase + k * p.m + m' : 'aBase + m * p.k + k';
  const bAt = s.transB ? 'bBase + n * p.k + k' : 'bBase + k * p.n + n';
  const blocks: [number, number][] = [];
  for (let i = 0; i < tilesM; i++) for (let j = 0; j < tilesN; j++) blocks.push([i, j]);
  const slice = (step: number) => [
    ...Array.from({ length: tilesM }, (_, i) => `let left${i} = loadLeft(${i * config.M * tileK + step * config.K}u);`),
    ...Array.from({ length: tilesN }, (_, j) => `let right${j} = loadRight(${step * config.K * tileN + j * config.N}u);`),
    ...blocks.map(([i, j]) => `acc${i}_${j} = multiplyAccumulate(left${i}, right${j}, acc${i}_${j});`),
  ];
  const code = `enable f16;
${options.emulated ? '' : 'enable chromium_experimental_subgroup_matrix;\n'}${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> a: array<f16>;
@group(0) @binding(2) var<storage, read> b: array<f16>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
${s.bias ? '@group(0) @binding(4) var<storage, read> bias: array<f32>;' : ''}
const TILE_M = ${tileM}u;
const TILE_N = ${tileN}u;
const TILE_K = ${tileK}u;
var<workgroup> aTile: array<f16, ${tileM * tileK}>;
var<workgroup> bTile: array<f16, ${tileK * tileN}>;
var<workgroup> cTile: array<f32, ${tileM * tileN}>;
${matrixOperations(options)}
${entry(subgroupSize, tileM, tileN)}
  ${blocks.map(([i, j]) => `var acc${i}_${j} = Result();`).join('\n  ')}
  for (var k0 = 0u; k0 < p.k; k0 += TILE_K) {
    ${stageTile('aTile', subgroupSize, ['m', 'm0', 'p.m', 'TILE_M'], ['k', 'k0', 'p.k', 'TILE_K'], `a[${aAt}]`)}
    ${stageTile('bTile', subgroupSize, ['k', 'k0', 'p.k', 'TILE_K'], ['n', 'n0', 'p.n', 'TILE_N'], `b[${bAt}]`)}
    workgroupBarrier();
    ${Array.from({ length: kSteps }, (_, step) => `{\n      ${slice(step).join('\n      ')}\n    }`).join('\n    ')}
    workgroupBarrier();
  }
  ${blocks.map(([i, j]) => `storeResult(${i * config.M * tileN + j * config.N}u, acc${i}_${j});`).join('\n  ')}
  workgroupBarrier();
  for (var e = lid.x; e < TILE_M * TILE_N; e += ${subgroupSize}u) {
    let m = m0 + e / TILE_N;
    let n = n0 + e % TILE_N;
    if (m < p.m && n < p.n) { c[cBase + m * p.n + n] = cTile[e]${s.bias ? ' + bias[n]' : ''}; }
  }
}`;
  const layout = `${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}`;
  const name = `matmul_subgroup_matrix_${layout}_${config.M}x${config.N}x${config.K}_${tilesM}x${tilesN}x${kSteps}${options.emulated ? '_emulated' : ''}`;
  return { name, code, workgroups, uniforms };
}
