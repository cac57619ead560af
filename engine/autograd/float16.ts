// IEEE 754 half precision on the CPU (Node 20 has no Float16Array): f16 tensors are written and
// read through these, and tests round their inputs with them.
//
// Rounding is to nearest, ties to even, as WGSL's f32 -> f16 conversion and torch's .half() do:
// magnitudes from 65520 up become infinity, below 2^-14 the result is subnormal (steps of 2^-24),
// and NaN stays NaN.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f16 bit pattern nearest to `x` (after rounding `x` to f32). */
export function halfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  // The value as an integer multiple of 2^-24 (f16's smallest subnormal) would need 2^40 range;
  // instead shift the 24-bit significand so that its last kept bit is f16's last mantissa bit.
  const unbiased = exponent - 127;
  if (unbiased < -25) return sign; // below half the smallest subnormal: rounds to zero
  const significand = mantissa | (exponent ? 0x800000 : 0);
  // f16 keeps 10 mantissa bits for normals (exponent >= -14), fewer for subnormals.
  const shift = unbiased >= -14 ? 13 : 13 + (-14 - unbiased);
  const kept = significand >>> shift;
  const rest = significand - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  const rounded = kept + (rest > half || (rest === half && kept & 1) ? 1 : 0);
  // For normals `rounded` still carries the implicit bit at 2^10: adding the biased exponent
  // shifted to bit 10 then gives the pattern, and a mantissa carry bumps the exponent by itself.
  const value = unbiased >= -14 ? ((unbiased + 14) << 10) + rounded : rounded;
  return value >= 0x7c00 ? sign | 0x7c00 : sign | value;
}

/** The number an f16 bit pattern holds. */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** `x` rounded to the nearest f16 value. */
export const roundToHalf = (x: number) => halfValue(halfBits(x));
