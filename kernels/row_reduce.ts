// Building blocks for kernels that give each row of a [rows, cols] matrix its own workgroup
// (softmax, layer norm, cross-entropy): the grid, the workgroup size, and workgroup-wide
// reductions, in two forms with the same interface:
//
// - tree: each step halves the number of active threads, combining pairs in workgroup memory in a
//   fixed order (log2(workgroup) barriers). Works everywhere.
// - subgroup (adapters with the `subgroups` feature): `subgroupAdd`/`subgroupMax` combine each
//   subgroup's values in registers; each subgroup's first invocation writes its result to
//   workgroup memory; after one barrier every subgroup folds those (at most workgroup/4) partials
//   strided over its invocations and combines them with one more subgroup operation.
//   The subgroup size S is only known when the kernel runs (lavapipe 8, NVIDIA 32, AMD 32 or 64,
//   Intel 8-32, any power of two from 4 to 128), so nothing depends on it at generation time.
//   Workgroup sizes are powers of two, so either S divides the workgroup or the workgroup is one
//   partial subgroup. As every GPU does for a 1-D workgroup (no API promises it), we take
//   subgroup g to be invocations g·S … g·S + S − 1; the tests check results on a real adapter.
//
// Both are deterministic: the order of every combination is fixed by the workgroup and subgroup
// sizes, so a run repeats bit for bit on the same adapter (WGSL has no float atomics). They sum in
// different orders, so the two paths differ in the last bits.
import { F32_LOWEST, flatGrid } from './launch.ts';

/** Workgroups for one per row, folded into y beyond the grid limit (`rowKernelMain` undoes it). */
export const rowGrid = (rows: number): [number, number, number] => flatGrid(rows, 1);

/** How `workgroupReduce` combines two values: a sum, a max, or a WGSL expression of both (tree only). */
export type ReduceOp = 'sum' | 'max' | ((a: string, b: string) => string);

/**
 * What a kernel using subgroup reductions starts with: the `enable` directive, and the module-scope
 * `subgroupLane` and `subgroupWidth` the reductions read (empty without subgroups).
 */
export const subgroupPrelude = (subgroups: boolean) =>
  subgroups ? 'enable subgroups;\nvar<private> subgroupLane: u32;\nvar<private> subgroupWidth: u32;\n' : '';

/** Entry-point parameters binding the subgroup builtins (empty without subgroups). */
export const subgroupBuiltins = (subgroups: boolean) =>
  subgroups ? ', @builtin(subgroup_invocation_id) laneBuiltin: u32, @builtin(subgroup_size) widthBuiltin: u32' : '';

/** The entry point's first statements: copy the builtins to `subgroupLane` and `subgroupWidth`. */
export const subgroupSetup = (subgroups: boolean) => (subgroups ? '\n  subgroupLane = laneBuiltin;\n  subgroupWidth = widthBuiltin;' : '');

/**
 * The entry point of a `rowGrid` kernel over [p.rows, p.cols]: `body` runs with `row`, `base` (the
 * row's first element) and the thread's `lid.x`; surplus workgroups run `beyondRows` (if any) and return. With
 * `subgroups` it binds the subgroup builtins (the kernel starts with `subgroupPrelude`).
 */
export function rowKernelMain(workgroupSize: number, body: string, subgroups = false, beyondRows = ''): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u${subgroupBuiltins(subgroups)}) {${subgroupSetup(subgroups)}
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) {${beyondRows ? `\n    ${beyondRows}\n   ` : ''} return; }
  let base = row * p.cols;
${body}
}`;
}

/**
 * Threads per row: the power of two covering `cols`, between 32 and 256, so short rows (attention
 * over a short sequence) do not leave most of a 256-thread workgroup idle.
 */
export function rowWorkgroupSize(cols: number): number {
  let size = 32;
  while (size < cols && size < 256) size *= 2;
  return size;
}

/**
 * WGSL for `fn <name>(lid: u32, value: <type>) -> <type>`: combines every thread's `value` with
 * `op` (sum, max, or a custom combination such as an argmax pair) and returns the result to all
 * threads. Call it from uniform control flow (it holds barriers), and only once per kernel run:
 * each reduction a kernel makes needs its own function (its own scratch array). Reusing one
 * scratch array for a second reduction, even with a barrier after reading the first result, gave
 * some threads the second reduction's partial values on llvmpipe's OpenGL backend.
 *
 * With `subgroups` (sum and max only) the kernel starts with `subgroupPrelude` and its entry point
 * binds the builtins (`rowKernelMain` does; else `subgroupBuiltins` and `subgroupSetup`).
 */
export function workgroupReduce(name: string, type: 'f32' | 'vec2f', op: ReduceOp, workgroupSize: number, subgroups = false): string {
  if (workgroupSize & (workgroupSize - 1)) throw new Error(`workgroupReduce: workgroup size ${workgroupSize} is not a power of two`);
  const combine = op === 'sum' ? (a: string, b: string) => `${a} + ${b}` : op === 'max' ? (a: string, b: string) => `max(${a}, ${b})` : op;
  const scratch = `${name}_scratch`;
  if (subgroups) {
    if (typeof op !== 'string') throw new Error(`workgroupReduce ${name}: subgroup reductions take 'sum' or 'max'`);
    const subgroupOp = op === 'sum' ? 'subgroupAdd' : 'subgroupMax';
    const identity = `${type}(${op === 'sum' ? '0.0' : F32_LOWEST})`;
    // Subgroups have at least 4 invocations, so there are at most workgroupSize / 4 partials.
    return `
var<workgroup> ${scratch}: array<${type}, ${Math.max(1, workgroupSize / 4)}>;
fn ${name}(lid: u32, value: ${type}) -> ${type} {
  let partial = ${subgroupOp}(value);
  if (subgroupLane == 0u) { ${scratch}[lid / subgroupWidth] = partial; }
  workgroupBarrier();
  let partials = (${workgroupSize}u + subgroupWidth - 1u) / subgroupWidth;
  var acc = ${identity};
  for (var i = subgroupLane; i < partials; i += subgroupWidth) { acc = ${combine('acc', `${scratch}[i]`)}; }
  return ${subgroupOp}(acc);
}
`;
  }
  return `
var<workgroup> ${scratch}: array<${type}, ${workgroupSize}>;
fn ${name}(lid: u32, value: ${type}) -> ${type} {
  ${scratch}[lid] = value;
  workgroupBarrier();
  for (var stride = ${workgroupSize / 2}u; stride > 0u; stride /= 2u) {
    if (lid < stride) { ${scratch}[lid] = ${combine(`${scratch}[lid]`, `${scratch}[lid + stride]`)}; }
    workgroupBarrier();
  }
  return ${scratch}[0];
}
`;
}
