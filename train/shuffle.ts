// The order in which training examples are visited: a fresh permutation each epoch, drawn from
// (seed, epoch) alone, so the order of any epoch can be recomputed on resume without replaying
// the ones before it, and batches of consecutive indices into that order (the last may be short,
// as with the Trainer's drop_last=False).
//
// It cannot bit-match the Trainer: torch's RandomSampler draws its permutation with torch.randperm
// from a Mersenne Twister generator seeded through accelerate's per-epoch seeding, which we do not
// reproduce. Same seed, same order here; a different (equally uniform) order than PyTorch's.

/** splitmix32's finaliser: spreads every input bit over the whole word. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** sfc32 (Chris Doty-Humphrey's small fast chaotic generator), seeded from (seed, stream). */
export function seededRandom(seed: number, stream: number): () => number {
  let a = mix32(seed ^ 0x9e3779b9);
  let b = mix32(a ^ stream);
  let c = mix32(b + 0x6a09e667);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform integer in [0, bound) without modulo bias (rejection of the top partial range). */
function below(next: () => number, bound: number): number {
  const limit = 2 ** 32 - (2 ** 32 % bound);
  let x: number;
  do x = next();
  while (x >= limit);
  return x % bound;
}

/** The example indices of one epoch (0-based): Fisher–Yates from (seed, epoch), or file order. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (!shuffle) return order;
  const next = seededRandom(seed, epoch);
  for (let i = count - 1; i > 0; i--) {
    const j = below(next, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Consecutive slices of `order` of `batchSize` indices; the last holds the remainder. */
export function batchesOf(order: readonly number[], batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

export const batchesPerEpoch = (count: number, batchSize: number) => Math.ceil(count / batchSize);
