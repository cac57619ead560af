// Building blocks for kernels that give each row of a [rows, cols] matrix its own workgroup
// (softmax, layer norm): the grid, the workgroup size, and workgroup-wide tree reductions.
//
// A tree reduction halves the number of active threads each step, combining pairs in workgroup
// memory in a fixed order, so its result is identical run to run (WGSL has no float atomics).
import { flatGrid } from './launch.ts';

/** Workgroups for one per row, folded into y beyond the grid limit (`rowKernelMain` undoes it). */
export const rowGrid = (rows: number): [number, number, number] => flatGrid(rows, 1);

/**
 * The entry point of a `rowGrid` kernel over [p.rows, p.cols]: `body` runs with `row`, `base` (the
 * row's first element) and the thread's `lid.x`; surplus workgroups return at once.
 */
export function rowKernelMain(workgroupSize: number, body: string): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
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
 * `combine` and returns the result to all threads. Call it from uniform control flow (it holds
 * barriers), and only once per kernel run: each reduction a kernel makes needs its own function
 * (its own scratch array). Reusing one scratch array for a second reduction, even with a barrier
 * after reading the first result, gave some threads the second reduction's partial values on
 * llvmpipe's OpenGL backend.
 */
export function workgroupReduce(name: string, type: 'f32' | 'vec2f', combine: (a: string, b: string) => string, workgroupSize: number): string {
  const scratch = `${name}_scratch`;
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
