// Swaps two axes of a row-major tensor.
//
// Any swap of axes i < j is the swap of B and D in the view [A, B, C, D, E] (A: dims before i,
// B: dim i, C: dims between, D: dim j, E: dims after j), giving [A, D, C, B, E]. One thread per
// output element gathers its input element.
import { flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

export function swapAxes(a: number, b: number, c: number, d: number, e: number): KernelLaunch {
  const uniforms = { b: u32(b), c: u32(c), d: u32(d), e: u32(e), n: u32(a * b * c * d * e) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
${flatKernelMain(
  WG,
  'p.n',
  `
  // Output index (ia, id, ic, ib, ie) over dims [A, D, C, B, E].
  let ie = i % p.e;
  let ib = (i / p.e) % p.b;
  let ic = (i / (p.e * p.b)) % p.c;
  let id = (i / (p.e * p.b * p.c)) % p.d;
  let ia = i / (p.e * p.b * p.c * p.d);
  output[i] = input[(((ia * p.b + ib) * p.c + ic) * p.d + id) * p.e + ie];`,
)}`;
  return { name: 'swap_axes', code, workgroups: flatGrid(a * b * c * d * e, WG), uniforms };
}
