// What every kernel module produces: WGSL text and launch geometry, as a pure function of shapes.
//
// Kernels know nothing of tensors or autograd. Each kernel function returns a `KernelLaunch`:
// its WGSL source (the pipeline cache key, so sizes that change per call go in uniforms, and only
// specialisation choices such as tile sizes go in the text), the workgroup counts, and the
// uniform values. Storage buffers are bound in the order the kernel documents, from binding 1;
// binding 0 is the uniform block that `uniformBlock` declares.

export type UniformType = 'u32' | 'i32' | 'f32';
export interface Uniform {
  type: UniformType;
  value: number;
}
export const u32 = (value: number): Uniform => ({ type: 'u32', value });
export const i32 = (value: number): Uniform => ({ type: 'i32', value });
export const f32 = (value: number): Uniform => ({ type: 'f32', value });

export type Uniforms = Record<string, Uniform>;

export interface KernelLaunch {
  /** Names the kernel in errors and profiles, e.g. "matmul_blocked_64x64x16_8x8". */
  name: string;
  code: string;
  workgroups: [number, number, number];
  uniforms: Uniforms;
}

/** WGSL for the uniform block `p` holding `uniforms` in declaration order (binding 0). */
export function uniformBlock(uniforms: Uniforms): string {
  const fields = Object.entries(uniforms).map(([name, u]) => `  ${name}: ${u.type},`);
  return `struct Params {\n${fields.join('\n')}\n}\n@group(0) @binding(0) var<uniform> p: Params;\n`;
}

/**
 * float32's lowest finite value as a WGSL literal: the masked-score value (PyTorch's
 * masked_fill(finfo.min)) and the identity of a max reduction, chosen over -inf so that no -inf
 * ever reaches an exp or a subtraction.
 */
export const F32_LOWEST = '-3.4028234663852886e38';

/** Grid dimension cap that every adapter supports (WebGPU's default maxComputeWorkgroupsPerDimension). */
export const MAX_GRID = 65535;

/**
 * Enough workgroups of `workgroupSize` threads for `threads` threads, folded into y when x would
 * exceed the grid limit. Kernels recover the flat thread index with `FLAT_INDEX`.
 */
export function flatGrid(threads: number, workgroupSize: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / workgroupSize));
  if (groups <= MAX_GRID) return [groups, 1, 1];
  return [MAX_GRID, Math.ceil(groups / MAX_GRID), 1];
}

/** WGSL expression for the flat thread index of a `flatGrid` launch (needs `wid`, `lid`, `nwg` builtins). */
export const flatIndex = (workgroupSize: number) => `(wid.x + wid.y * nwg.x) * ${workgroupSize}u + lid.x`;

/** The builtins `flatIndex` reads, for a kernel entry point's parameter list. */
export const FLAT_BUILTINS =
  '@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u';

/**
 * The entry point of a `flatGrid` kernel: `body` runs with the flat thread index bound to `index`
 * for each index below `count` (a WGSL expression); surplus threads return at once.
 */
export function flatKernelMain(workgroupSize: number, count: string, body: string, index = 'i'): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(${FLAT_BUILTINS}) {
  let ${index} = ${flatIndex(workgroupSize)};
  if (${index} >= ${count}) { return; }${body}
}`;
}
