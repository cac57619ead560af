// attention_grad_key_value: attention backward, step 3: dK and dV.
// Kernel attention_grad_key_value_d64_dropout (op attention backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [4, 768, 1], uniforms seq=64 heads=12 sqrtHeadDim=8 dropProbability=0.1 keepScale=1.1111111111111112 seedLo=1 seedHi=0 stream=1.
struct Params {
  seq: u32,
  heads: u32,
  sqrtHeadDim: f32,
  dropProbability: f32,
  keepScale: f32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

// A head row is DV vectors of type V (vec4f when D is a multiple of 4, else f32).
alias V = vec4f;
const DV: u32 = 16u;
const LOWEST: f32 = -3.4028234663852886e38;
fn vdot(a: V, b: V) -> f32 { return dot(a, b); }
// Offset, in vectors, of row t of head bh = b·H + h in a [B, T, H·D] tensor.
fn rowOffset(bh: u32, t: u32) -> u32 { return ((bh / p.heads * p.seq + t) * p.heads + bh % p.heads) * DV; }
// The dropout factor of weight (i, j) of head bh: 0, 1/(1-p), or 1 without dropout.

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
fn dropKeep(bh: u32, i: u32, j: u32) -> f32 {
  return select(0.0, p.keepScale, rng_uniform(vec2u(p.seedLo, p.seedHi), vec2u(p.stream, rngStep[0]), (bh * p.seq + i) * p.seq + j) >= p.dropProbability);
}
const ROWS: u32 = 16u;  // rows a workgroup owns: query rows (forward, dQ) or key rows (dK/dV)
const TILE: u32 = 12u;  // rows of the other side staged per tile
const THREADS: u32 = ROWS * DV;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask: array<i32>;
fn keyKept(bh: u32, t: u32) -> bool { return mask[bh / p.heads * p.seq + t] != 0; }
// An element of q, k or v as the kernels compute on it.
fn widened(x: vec4<f32>) -> V { return x; }
@group(0) @binding(5) var<storage, read> stats: array<vec2f>;  // (lse, Δ) of each query row
@group(0) @binding(6) var<storage, read> grad: array<V>;  // dO
@group(0) @binding(7) var<storage, read_write> gradK: array<V>;
@group(0) @binding(8) var<storage, read_write> gradV: array<V>;
@group(0) @binding(9) var<storage, read> rngStep: array<u32>;

var<workgroup> kBlock: array<V, ROWS * DV>;  // the block's key rows
var<workgroup> vBlock: array<V, ROWS * DV>;  // and value rows
var<workgroup> keptKey: array<u32, ROWS>;
var<workgroup> qTile: array<V, TILE * DV>;  // a tile of query rows, over √D
var<workgroup> gTile: array<V, TILE * DV>;  // and their output gradients
var<workgroup> statsTile: array<vec2f, TILE>;
var<workgroup> weights: array<f32, TILE * ROWS>;  // P ∘ M
var<workgroup> dScores: array<f32, TILE * ROWS>;
var<workgroup> anyKept: atomic<u32>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let first = wid.x * ROWS;
  let r = t / DV;
  let c = t % DV;
  let j = min(first + r, p.seq - 1u);
  kBlock[t] = widened(k[rowOffset(bh, j) + c]);
  vBlock[t] = widened(v[rowOffset(bh, j) + c]);
  if (c == 0u) { keptKey[r] = u32(keyKept(bh, j)); }
  for (var key = t; key < p.seq; key += THREADS) {
    if (keyKept(bh, key)) { atomicOr(&anyKept, 1u); }
  }
  workgroupBarrier();
  // A masked key's weight: 0, or 1/T when the whole sequence is masked (uniform softmax).
  let maskedWeight = select(1.0 / f32(p.seq), 0.0, atomicLoad(&anyKept) != 0u);
  var dk = V(0.0);
  var dv = V(0.0);
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    for (var e = t; e < TILE * DV; e += THREADS) {
      let o = rowOffset(bh, min(start + e / DV, p.seq - 1u)) + e % DV;
      qTile[e] = widened(q[o]) / p.sqrtHeadDim;
      gTile[e] = grad[o];
    }
    for (var e = t; e < TILE; e += THREADS) { statsTile[e] = stats[bh * p.seq + min(start + e, p.seq - 1u)]; }
    workgroupBarrier();
    // P, M and dS = P ∘ (M ∘ dO·vᵀ - Δ) for each (query, key); masked keys get no dK.
    for (var e = t; e < TILE * ROWS; e += THREADS) {
      let query = e / ROWS;
      let key = e % ROWS;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < DV; d++) {
        s += vdot(qTile[query * DV + d], kBlock[key * DV + d]);
        dp += vdot(gTile[query * DV + d], vBlock[key * DV + d]);
      }
      let kept = keptKey[key] != 0u;
      let weight = select(maskedWeight, exp(s - statsTile[query].x), kept);
      let keepFactor = dropKeep(bh, start + query, min(first + key, p.seq - 1u));
      weights[e] = weight * keepFactor;
      dScores[e] = select(0.0, weight * (keepFactor * dp - statsTile[query].y), kept);
    }
    workgroupBarrier();
    for (var query = 0u; query < n; query++) {
      dv += weights[query * ROWS + r] * gTile[query * DV + c];
      dk += dScores[query * ROWS + r] * qTile[query * DV + c];
    }
    workgroupBarrier();
  }
  if (first + r < p.seq) {
    gradK[rowOffset(bh, first + r) + c] = dk;
    gradV[rowOffset(bh, first + r) + c] = dv;
  }
}
