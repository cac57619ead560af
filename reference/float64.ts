// Float64 CPU reference implementations that GPU ops are checked against.
// Arrays are row-major; shapes are passed explicitly.

export type F64 = Float64Array;

export function randn(n: number, seed: number, scale = 1): F64 {
  // Deterministic normal samples (Box-Muller over a mulberry32 stream) so failures reproduce.
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(uniform(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

/** erf in float64: Taylor series near 0, a continued fraction for erfc beyond |x| = 2. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  let f = ax;
  for (let n = 80; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}

export const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
/** d gelu / dx = Φ(x) + x·φ(x). */
export const geluGrad = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

/** C[b] = op(A[b]) · op(B[b]) for a batch of row-major matrices; op transposes when asked. */
export function matmul(a: F64, b: F64, batch: number, m: number, k: number, n: number, transA = false, transB = false): F64 {
  const c = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * m * k;
    const bo = bi * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a[ao + p * m + i] : a[ao + i * k + p];
          const bv = transB ? b[bo + j * k + p] : b[bo + p * n + j];
          acc += av * bv;
        }
        c[bi * m * n + i * n + j] = acc;
      }
    }
  }
  return c;
}

/** Softmax over the last dim of [rows, cols]. */
export function softmax(x: F64, rows: number, cols: number): F64 {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += out[r * cols + c] = Math.exp(x[r * cols + c] - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] /= sum;
  }
  return out;
}

/** LayerNorm over the last dim of [rows, cols] with weight and bias. */
export function layerNorm(x: F64, gamma: F64, beta: F64, rows: number, cols: number, eps: number): F64 {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < cols; c++) mean += x[r * cols + c];
    mean /= cols;
    let variance = 0;
    for (let c = 0; c < cols; c++) variance += (x[r * cols + c] - mean) ** 2;
    variance /= cols;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < cols; c++) out[r * cols + c] = (x[r * cols + c] - mean) * inv * gamma[c] + beta[c];
  }
  return out;
}

/** RMSNorm over the last dim of [rows, cols] with weight: x / sqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: F64, weight: F64, rows: number, cols: number, eps: number): F64 {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let meanSquare = 0;
    for (let c = 0; c < cols; c++) meanSquare += x[r * cols + c] ** 2 / cols;
    const rstd = 1 / Math.sqrt(meanSquare + eps);
    for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] * rstd * weight[c];
  }
  return out;
}

/** Mean over rows of -log softmax(logits[r])[labels[r]] for logits [rows, cols]. */
export function crossEntropy(logits: F64, labels: F64, rows: number, cols: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0));
    total += max + logSum - row[labels[r]];
  }
  return total / rows;
}

/** Philox-4x32-10 (Random123), word for word as kernels/rng.ts computes it. */
export function philox4x32(counter: readonly number[], key: readonly number[]): number[] {
  const mulhilo = (a: number, b: number): [number, number] => {
    const product = BigInt(a) * BigInt(b);
    return [Number(product >> 32n), Number(product & 0xffffffffn)];
  };
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulhilo(0xd2511f53, c0);
    const [hi1, lo1] = mulhilo(0xcd9e8d57, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The dropout uniform in [0, 1) for element `index` of stream (seed, offset), as kernels/rng.ts draws it. */
export function rngUniform(seed: number, offset: number, index: number): number {
  const split = (v: number) => [v % 2 ** 32, Math.floor(v / 2 ** 32)];
  const word = philox4x32([index, ...split(offset), 0], split(seed))[0];
  return (word >>> 8) / 2 ** 24;
}

/** softmax(x + mask) over the last dim, the mask broadcast to x's shape by NumPy rules. */
export function maskedSoftmax(x: F64, xShape: number[], mask: F64, maskShape: number[]): F64 {
  const cols = xShape[xShape.length - 1];
  const padded = [...Array(xShape.length - maskShape.length).fill(1), ...maskShape];
  const maskStrides = padded.map((d, i) => (d === 1 ? 0 : padded.slice(i + 1).reduce((a, b) => a * b, 1)));
  const sum = new Float64Array(x.length);
  for (let flat = 0; flat < x.length; flat++) {
    let rest = flat;
    let maskIndex = 0;
    for (let d = xShape.length - 1; d >= 0; d--) {
      maskIndex += (rest % xShape[d]) * maskStrides[d];
      rest = Math.floor(rest / xShape[d]);
    }
    sum[flat] = x[flat] + mask[maskIndex];
  }
  return softmax(sum, x.length / cols, cols);
}

/** Gradients of layerNorm for output gradient dy, by the analytic formula in float64. */
export function layerNormBackward(
  x: F64,
  gamma: F64,
  dy: F64,
  rows: number,
  cols: number,
  eps: number,
): { dx: F64; dGamma: F64; dBeta: F64 } {
  const dx = new Float64Array(x.length);
  const dGamma = new Float64Array(cols);
  const dBeta = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const mean = row.reduce((a, b) => a + b, 0) / cols;
    const rstd = 1 / Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / cols + eps);
    let meanG = 0;
    let meanGXhat = 0;
    for (let c = 0; c < cols; c++) {
      const g = dy[r * cols + c] * gamma[c];
      const xhat = (row[c] - mean) * rstd;
      meanG += g / cols;
      meanGXhat += (g * xhat) / cols;
      dGamma[c] += dy[r * cols + c] * xhat;
      dBeta[c] += dy[r * cols + c];
    }
    for (let c = 0; c < cols; c++) {
      const xhat = (row[c] - mean) * rstd;
      dx[r * cols + c] = rstd * (dy[r * cols + c] * gamma[c] - meanG - xhat * meanGXhat);
    }
  }
  return { dx, dGamma, dBeta };
}

/** Attention dropout for the reference: probability and the rng stream, as engine/ops/attention.ts takes them. */
export interface AttentionDropoutRef {
  probability: number;
  seed: number;
  offset: number;
}

/**
 * HF DistilBERT attention in float64: q, k, v [B, T, H·D], mask [B, T] (1 keep, 0 padding key).
 * scores = (q/√D)·kᵀ, padding keys set to float32's lowest value (masked_fill with finfo.min),
 * softmax over keys, optional dropout on the weights (weight (b, h, i, j) is element
 * ((b·H + h)·T + i)·T + j of the rng stream, kept when its uniform >= p and scaled by 1/(1-p)),
 * times v. Returns the context [B, T, H·D].
 */
export function attentionRef(
  q: F64,
  k: F64,
  v: F64,
  mask: F64,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  dropout?: AttentionDropoutRef,
): F64 {
  const width = heads * headDim;
  const lowest = -3.4028234663852886e38;
  const scale = Math.sqrt(headDim);
  const out = new Float64Array(batch * seq * width);
  const scores = new Float64Array(seq);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < seq; i++) {
        const qo = (b * seq + i) * width + h * headDim;
        for (let j = 0; j < seq; j++) {
          const ko = (b * seq + j) * width + h * headDim;
          let s = 0;
          for (let d = 0; d < headDim; d++) s += (q[qo + d] / scale) * k[ko + d];
          scores[j] = mask[b * seq + j] === 0 ? lowest : s;
        }
        const weights = softmax(scores, 1, seq);
        for (let j = 0; j < seq; j++) {
          let w = weights[j];
          if (dropout) {
            const keep =
              rngUniform(dropout.seed, dropout.offset, ((b * heads + h) * seq + i) * seq + j) >= Math.fround(dropout.probability);
            w = keep ? w / (1 - dropout.probability) : 0;
          }
          const vo = (b * seq + j) * width + h * headDim;
          for (let d = 0; d < headDim; d++) out[qo + d] += w * v[vo + d];
        }
      }
    }
  }
  return out;
}

/** Hyperparameters of one AdamW step (torch.optim.AdamW). */
export interface AdamWRef {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * Step number `step` (1-based) of torch.optim.AdamW's `_single_tensor_adamw` in float64 for one
 * parameter: updates `param`, `m` and `v` in place from `grad`.
 */
export function adamwStep(param: F64, grad: ArrayLike<number>, m: F64, v: F64, step: number, o: AdamWRef): void {
  const bc1 = 1 - o.beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - o.beta2 ** step);
  for (let j = 0; j < param.length; j++) {
    param[j] *= 1 - o.lr * o.weightDecay;
    m[j] = o.beta1 * m[j] + (1 - o.beta1) * grad[j];
    v[j] = o.beta2 * v[j] + (1 - o.beta2) * grad[j] * grad[j];
    param[j] -= (o.lr / bc1) * (m[j] / (Math.sqrt(v[j]) / bc2Sqrt + o.eps));
  }
}

/** An embedding lookup: out[i, :] = table[ids[i], :], for a table of `dim` columns; ids outside [0, V) give zero rows. */
export function gatherRowsRef(ids: ArrayLike<number>, table: F64, dim: number): F64 {
  const vocab = table.length / dim;
  const out = new Float64Array(ids.length * dim);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id >= 0 && id < vocab) out.set(table.subarray(id * dim, (id + 1) * dim), i * dim);
  }
  return out;
}

/** x[:, position] of a row-major [batch, seq, dim] tensor: [batch, dim]. */
export function selectPosition(x: F64, batch: number, seq: number, dim: number, position: number): F64 {
  const out = new Float64Array(batch * dim);
  for (let b = 0; b < batch; b++) out.set(x.subarray((b * seq + position) * dim, (b * seq + position + 1) * dim), b * dim);
  return out;
}

/** torch.cuda.amp.GradScaler's state between steps: the scale and its growth tracker. */
export interface GradScalerRef {
  scale: number;
  growthTracker: number;
}

/**
 * One step of torch's GradScaler (aten/src/ATen/native/cuda/AmpKernels.cu, `_amp_update_scale_`),
 * given whether the scaled gradients held inf/NaN (then the optimizer step is skipped).
 */
export function gradScalerUpdate(
  s: GradScalerRef,
  foundInf: boolean,
  growthFactor = 2,
  backoffFactor = 0.5,
  growthInterval = 2000,
): GradScalerRef {
  if (foundInf) return { scale: s.scale * backoffFactor, growthTracker: 0 };
  const successful = s.growthTracker + 1;
  if (successful < growthInterval) return { scale: s.scale, growthTracker: successful };
  const grown = Math.fround(s.scale * growthFactor);
  return { scale: Number.isFinite(grown) ? grown : s.scale, growthTracker: 0 };
}
