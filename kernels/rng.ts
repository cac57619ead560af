// Counter-based random numbers for dropout: Philox-4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011; the generator behind PyTorch's CUDA dropout).
//
// A draw is a pure function of (seed, offset, index): no state is stored or advanced, so any
// kernel can draw the same number for the same element, and a backward pass recomputes the
// forward mask instead of saving it. The 64-bit seed is the Philox key; the counter is
// (index, offset low, offset high, 0), so `offset` names an independent stream (e.g. one per
// dropout call per step) and `index` is the element within it. Only word 0 of the output is
// used: one Philox evaluation per element keeps the element -> number mapping trivial.
//
// WGSL has no 32x32 -> 64-bit multiply, so `mulhilo` builds the high word from 16-bit halves.
// Kernels that draw numbers include `RNG_WGSL`, spread `rngUniforms(rng)` into their uniforms and
// call `rngDraw(indexExpr)`; a uniform is the top 24 bits of word 0 times 2^-24, in [0, 1).
import { u32, type Uniforms } from './launch.ts';

export interface RngState {
  /** Non-negative integer below 2^53: the stream family (e.g. the run's seed). */
  seed: number;
  /** Non-negative integer below 2^53: which stream (e.g. a counter of dropout calls). */
  offset: number;
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
fn rng_uniform(seed: vec2u, offset: vec2u, index: u32) -> f32 {
  let word = philox4x32_10(vec4u(index, offset.x, offset.y, 0u), seed).x;
  return f32(word >> 8u) * (1.0 / 16777216.0);
}
`;

const TWO_32 = 2 ** 32;

function split64(value: number, what: string): [number, number] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`rng: ${what} must be a non-negative integer below 2^53, got ${value}`);
  return [value % TWO_32, Math.floor(value / TWO_32)];
}

/** The uniforms `rngDraw` reads; spread them into a kernel's uniform block. */
export function rngUniforms(rng: RngState): Uniforms {
  const [seedLo, seedHi] = split64(rng.seed, 'seed');
  const [offsetLo, offsetHi] = split64(rng.offset, 'offset');
  return { seedLo: u32(seedLo), seedHi: u32(seedHi), offsetLo: u32(offsetLo), offsetHi: u32(offsetHi) };
}

/** WGSL expression: the uniform in [0, 1) for element `indexExpr` (a u32) of the stream in `p`. */
export const rngDraw = (indexExpr: string) => `rng_uniform(vec2u(p.seedLo, p.seedHi), vec2u(p.offsetLo, p.offsetHi), ${indexExpr})`;
