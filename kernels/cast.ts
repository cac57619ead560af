// f32 -> f16 conversion, the cast autocast puts in front of every mixed-precision operand.
//
// WGSL's f16(x) rounds to nearest even and keeps NaN, as torch's .half() does (CPU reference:
// engine/autograd/float16.ts; test: test/engine/fp16.test.ts). Past ±65504 WGSL leaves the result to the
// implementation; Vulkan's conversion (lavapipe's, checked by the test) gives ±inf, as torch
// does, and an overflowing activation then reaches GradScaler as an inf. Each thread converts
// two neighbouring elements and stores them as one vec2<f16>, so every store is a whole 4-byte
// word (no two threads share a word); for an odd count the last thread writes the padding half of
// the final word, which the tensor's binding includes. Needs the `shader-f16` feature.
import { flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

/** Bindings: input f32 [n], output f16 [n]. */
export function castToHalf(n: number): KernelLaunch {
  const uniforms = { n: u32(n) };
  const code = `enable f16;
${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<vec2<f16>>;
${flatKernelMain(
  WG,
  '(p.n + 1u) / 2u',
  `
  output[i] = vec2<f16>(vec2f(input[2u * i], input[min(2u * i + 1u, p.n - 1u)]));`,
)}`;
  return { name: 'cast_to_f16', code, workgroups: flatGrid(Math.ceil(n / 2), WG), uniforms };
}
