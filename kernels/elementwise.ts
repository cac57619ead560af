// Elementwise maps: one thread per output element.
//
// `unaryMap` applies an expression of `x` (and the uniform scalar `p.s`) to every element.
// `binaryMap` applies an expression of `a` and `b`, with NumPy broadcasting: the engine collapses
// the output shape to at most four dims and passes each operand's strides over them (0 where the
// operand is broadcast), so the kernel turns a flat output index into one index per operand; an
// operand that is not broadcast is read at the flat index itself.
// Expressions are WGSL text; `helpers` may define functions they call (e.g. the erf of GELU).
import { f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

export function unaryMap(name: string, expr: string, n: number, scalar = 0, helpers = ''): KernelLaunch {
  const uniforms = { n: u32(n), s: f32(scalar) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
${helpers}
${flatKernelMain(
  WG,
  'p.n',
  `
  let x = input[i];
  output[i] = ${expr};`,
)}`;
  return { name, code, workgroups: flatGrid(n, WG), uniforms };
}

/** Output dims (4, outermost first) and each operand's element strides over them. */
export interface Broadcast4 {
  dims: [number, number, number, number];
  aStrides: [number, number, number, number];
  bStrides: [number, number, number, number];
}

export function binaryMap(name: string, expr: string, bc: Broadcast4, helpers = ''): KernelLaunch {
  const [, d1, d2, d3] = bc.dims;
  // An operand laid out like the output (not broadcast) is read at the output's own index, without
  // the divisions that split it into four (slow on CPU rasterisers: no vector integer division).
  const rowMajor = [d1 * d2 * d3, d2 * d3, d3, 1];
  const flat = (strides: readonly number[]) => strides.every((s, k) => s === rowMajor[k] || bc.dims[k] === 1);
  const aFlat = flat(bc.aStrides);
  const bFlat = flat(bc.bStrides);
  const n = bc.dims.reduce((x, y) => x * y, 1);
  const uniforms = {
    n: u32(n),
    d1: u32(d1),
    d2: u32(d2),
    d3: u32(d3),
    sa0: u32(bc.aStrides[0]),
    sa1: u32(bc.aStrides[1]),
    sa2: u32(bc.aStrides[2]),
    sa3: u32(bc.aStrides[3]),
    sb0: u32(bc.bStrides[0]),
    sb1: u32(bc.bStrides[1]),
    sb2: u32(bc.bStrides[2]),
    sb3: u32(bc.bStrides[3]),
  };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> lhs: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;
${helpers}
${flatKernelMain(
  WG,
  'p.n',
  `${
    aFlat && bFlat
      ? ''
      : `
  let i3 = i % p.d3;
  let i2 = (i / p.d3) % p.d2;
  let i1 = (i / (p.d3 * p.d2)) % p.d1;
  let i0 = i / (p.d3 * p.d2 * p.d1);`
  }
  let a = lhs[${aFlat ? 'i' : 'i0 * p.sa0 + i1 * p.sa1 + i2 * p.sa2 + i3 * p.sa3'}];
  let b = rhs[${bFlat ? 'i' : 'i0 * p.sb0 + i1 * p.sb1 + i2 * p.sb2 + i3 * p.sb3'}];
  output[i] = ${expr};`,
)}`;
  return { name, code, workgroups: flatGrid(n, WG), uniforms };
}

/**
 * Sets every element of a buffer (f32 or i32 bits) to one value. Each thread stores 4 consecutive
 * elements: one vec4 store when the length is a multiple of 4 (the binding is whole vec4s then),
 * else 4 scalar stores. Fewer, wider stores fill several times faster on CPU rasterisers.
 */
export function fill(n: number, value: number): KernelLaunch {
  const uniforms = { n: u32(n), value: f32(value) };
  const whole = n % 4 === 0;
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read_write> output: array<${whole ? 'vec4f' : 'f32'}>;
${flatKernelMain(
  WG,
  '(p.n + 3u) / 4u',
  whole
    ? `
  output[i] = vec4f(p.value);`
    : `
  for (var j = i * 4u; j < min(i * 4u + 4u, p.n); j++) { output[j] = p.value; }`,
)}`;
  return { name: whole ? 'fill_vec4' : 'fill_x4', code, workgroups: flatGrid(Math.ceil(n / 4), WG), uniforms };
}

/** output[i] = input[i] for i < n, 0 up to `total`: the gradient of a tensor's first n elements. Bindings: input [n], output [total]. */
export function padWithZeros(n: number, total: number): KernelLaunch {
  const uniforms = { n: u32(n), total: u32(total) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
${flatKernelMain(
  WG,
  'p.total',
  `
  output[i] = select(0.0, input[min(i, p.n - 1u)], i < p.n);`,
)}`;
  return { name: 'pad_with_zeros', code, workgroups: flatGrid(total, WG), uniforms };
}

/** acc += grad, in place (gradient accumulation into persistent parameter gradients). */
export function accumulate(n: number): KernelLaunch {
  const uniforms = { n: u32(n) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read_write> acc: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
${flatKernelMain(
  WG,
  'p.n',
  `
  acc[i] += grad[i];`,
)}`;
  return { name: 'accumulate', code, workgroups: flatGrid(n, WG), uniforms };
}
