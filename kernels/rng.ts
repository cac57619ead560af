// Counter-based random numbers for dropout: Philox-4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011; the generator behind PyTorch's CUDA dropout).
//
// A draw is a pure function of (seed, step, stream, index): no state is stored or advanced, so
// any kernel can draw the same number for the same element, and a backward pass recomputes the
// forward mask instead of saving it. The 64-bit seed is the Philox key; the counter is
// (index, stream, step, 0): `step` names the training step (a forward call), `stream` one of its
// independent streams (a dropout site) and `index` the element within it. Only word 0 of the
// output is used: one Philox evaluation per element keeps the element -> number mapping trivial.
//
// The step is not a uniform: kernels read it from a one-word storage buffer (`rngStep`) when
// they run, as CUDA graphs read the Philox offset from device memory. A recorded training step
// (engine/replay.ts) then draws new masks on every replay once its caller has copied the next
// step's number into that buffer; nothing in the recording changes.
//
// WGSL has no 32x32 -> 64-bit multiply, so `mulhilo` builds the high word from 16-bit halves.
// Kernels that draw numbers include `RNG_WGSL` and `rngStepBinding(n)`, spread `rngUniforms(rng)`
// into their uniforms and call `rngDraw(indexExpr)`; a uniform is the top 24 bits of word 0 times
// 2^-24, in [0, 1). The CPU reference, reference/float64.ts's rngUniform, takes the counter's two
// middle words as one offset, step · 2^32 + stream.
import { u32, type Uniforms } from './launch.ts';

/** What a kernel's uniforms fix of a stream; the step comes from the `rngStep` binding. */
export interface RngStream {
  /** Non-negative integer below 2^53: the stream family (e.g. the run's seed). */
  seed: number;
  /** Non-negative integer below 2^32: which stream of the step (e.g. a dropout site). */
  stream: number;
}

export const RNG_WGSL = `
fn mulhilo(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let hi = ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2u(hi, a * b);
}
fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2u(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}
fn rng_uniform(seed: vec2u, streamAndStep: vec2u, index: u32) -> f32 {
  let word = philox4x32_10(vec4u(index, streamAndStep.x, streamAndStep.y, 0u), seed).x;
  return f32(word >> 8u) * (1.0 / 16777216.0);
}
`;

const TWO_32 = 2 ** 32;

/** The uniforms `rngDraw` reads; spread them into a kernel's uniform block. */
export function rngUniforms(rng: RngStream): Uniforms {
  if (!Number.isSafeInteger(rng.seed) || rng.seed < 0)
    throw new Error(`rng: seed must be a non-negative integer below 2^53, got ${rng.seed}`);
  if (!Number.isInteger(rng.stream) || rng.stream < 0 || rng.stream >= TWO_32)
    throw new Error(`rng: stream must be a non-negative integer below 2^32, got ${rng.stream}`);
  return { seedLo: u32(rng.seed % TWO_32), seedHi: u32(Math.floor(rng.seed / TWO_32)), stream: u32(rng.stream) };
}

/** WGSL: the step's storage binding (an i32 [1] tensor, read as u32), binding number `binding`. */
export const rngStepBinding = (binding: number) => `@group(0) @binding(${binding}) var<storage, read> rngStep: array<u32>;`;

/** WGSL expression: the uniform in [0, 1) for element `indexExpr` (a u32) of the stream in `p`, at the step in `rngStep`. */
export const rngDraw = (indexExpr: string) => `rng_uniform(vec2u(p.seedLo, p.seedHi), vec2u(p.stream, rngStep[0]), ${indexExpr})`;
