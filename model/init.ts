// Hugging Face's random initialisation of DistilBERT and BERT (their PreTrainedModel._init_weights,
// the same rule): Linear and Embedding weights ~ N(0, initializer_range), biases 0, the padding row
// of the word embedding 0, LayerNorm weight 1 and bias 0. Draws come from a seeded CPU generator, one stream
// per parameter named by (seed, parameter name), so a tensor's initial values do not depend on
// which other tensors were drawn before it (a fresh classifier head is the same with or without
// a pretrained encoder underneath).
import { numel, type Shape } from '../engine/index.ts';
import type { EncoderConfig } from './config.ts';

/** xoshiro128** seeded through splitmix32: a small, fast, well-tested 32-bit generator. */
class Xoshiro128 {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in (0, 1]: never 0, so log() is finite. */
  nextUniform(): number {
    return (this.nextU32() + 1) / 4294967296;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a of the name mixed with the seed: the stream of one parameter. */
function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** `count` samples of N(0, std²) (Box-Muller, both outputs used). */
export function normalSamples(count: number, std: number, seed: number): Float32Array {
  const rng = new Xoshiro128(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = std * Math.sqrt(-2 * Math.log(rng.nextUniform()));
    const angle = 2 * Math.PI * rng.nextUniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** The initial value of parameter `name` (a Hugging Face name) of shape `shape`. */
export function initialValues(config: EncoderConfig, name: string, shape: Shape, seed: number): Float32Array {
  const count = numel(shape);
  const isNorm = /(LayerNorm|layer_norm)\.(weight|bias)$/.test(name);
  if (isNorm) return new Float32Array(count).fill(name.endsWith('.weight') ? 1 : 0);
  if (name.endsWith('.bias')) return new Float32Array(count);
  const values = normalSamples(count, config.initializerRange, streamSeed(seed, name));
  if (name.endsWith('embeddings.word_embeddings.weight')) {
    values.fill(0, config.padTokenId * config.dim, (config.padTokenId + 1) * config.dim);
  }
  return values;
}
