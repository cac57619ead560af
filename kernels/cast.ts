// f32 -> f16 conversion as torch's .half() does it: `toHalf`'s kernel (engine/ops/autocast.ts),
// and `ROUND_TO_HALF`, the rounding autocast's kernels apply to f32 operands as they load them.
//
// torch's .half() rounds to nearest even, keeps NaN, and gives ±inf from ±65520 on (the midpoint
// between f16's largest value, 65504, and the next power of two); an overflowing scaled gradient
// or activation then reaches GradScaler as an inf. WGSL's f16(x) rounds in range as torch does
// (CPU reference: engine/autograd/float16.ts; test: test/engine/fp16.test.ts), but leaves the
// result of an out-of-range conversion to the implementation: Vulkan's gives ±inf on lavapipe,
// another may saturate to ±65504 and hide the overflow from GradScaler. So the kernel decides in
// f32, before converting: it converts only values clamped into range, and writes the f16 bits of
// ±inf for |x| >= 65520 and of a quiet NaN for NaN itself, testing the f32 bits as integers (WGSL
// lets compilers assume floats are finite and fold comparisons with inf or NaN away). The device
// kit's probe (bench/device/probe.ts) reports what the adapter's own conversion does.
//
// Layout: each thread converts two neighbouring elements and stores them as one 32-bit word (two
// f16 halves), so no two threads share a word; for an odd count the last thread writes the padding
// half of the final word, which the tensor's binding includes. Needs the `shader-f16` feature.
// `ROUND_TO_HALF` is the same rounding for one value, for kernels that round f32 operands as they
// load them (kernels/matmul.ts `roundA`, kernels/attention.ts `rounded`).
//
// CPU reference: engine/autograd/float16.ts `roundToHalf`; test: test/engine/fp16.test.ts.
import { flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

/** f32 bits of 65520, the smallest magnitude that rounds to f16's infinity. */
const F16_OVERFLOW_BITS = 0x477ff000;

// The f16 bits of x, given the bits of x clamped into f16's range and converted.
const HALF_BITS = `fn halfBits(x: f32, inRange: u32) -> u32 {
  let bits = bitcast<u32>(x);
  let sign = (bits >> 16u) & 0x8000u;
  let magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) { return sign | 0x7e00u; }
  if (magnitude >= ${F16_OVERFLOW_BITS}u) { return sign | 0x7c00u; }
  return inRange;
}`;

/**
 * WGSL `roundedToHalf(x)`: x as the cast kernels convert it, bit for bit, for a kernel that reads
 * f32 and computes on f16 values. Needs `enable f16`.
 */
export const ROUND_TO_HALF = `${HALF_BITS}
fn roundedToHalf(x: f32) -> f16 {
  let converted = bitcast<u32>(vec2<f16>(f16(clamp(x, -65504.0, 65504.0)), 0.0h));
  return bitcast<vec2<f16>>(halfBits(x, converted & 0xffffu)).x;
}`;

/** WGSL converting elements 2i and 2i + 1 of `input` (n elements) into word i of `output`. */
const convertPair = (input: string, output: string, n: string) => `
  let pair = vec2f(${input}[2u * i], ${input}[min(2u * i + 1u, ${n} - 1u)]);
  let converted = bitcast<u32>(vec2<f16>(clamp(pair, vec2f(-65504.0), vec2f(65504.0))));
  ${output}[i] = halfBits(pair.x, converted & 0xffffu) | (halfBits(pair.y, converted >> 16u) << 16u);`;

/** Bindings: input f32 [n], output f16 [n] (as words of two halves). */
export function castToHalf(n: number): KernelLaunch {
  const uniforms = { n: u32(n) };
  const code = `enable f16;
${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

${HALF_BITS}
${flatKernelMain(WG, '(p.n + 1u) / 2u', convertPair('input', 'output', 'p.n'))}`;
  return { name: 'cast_to_f16', code, workgroups: flatGrid(Math.ceil(n / 2), WG), uniforms };
}
