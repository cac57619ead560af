// attention_grad_query: attention backward, step 2: dQ.
// Kernel attention_grad_query_d64_dropout (op attention backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [4, 768, 1], uniforms seq=64 heads=12 sqrtHeadDim=8 dropProbability=0.1 keepScale=1.1111111111111112 seedLo=1 seedHi=0 stream=1.
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
const TILE: u32 = 13u;  // rows of the other side staged per tile
const THREADS: u32 = ROWS * DV;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask: array<i32>;
fn keyKept(bh: u32, t: u32) -> bool { return mask[bh / p.heads * p.seq + t] != 0; }
// An element of q, k or v as the kernels compute on it.
fn widened(x: vec4<f32>) -> V { return x; }
var<workgroup> kTile: array<V, TILE * DV>;
var<workgroup> vTile: array<V, TILE * DV>;
var<workgroup> keptKey: array<u32, TILE>;

// Keys start..start+TILE-1 of head bh into the tiles, all threads helping; keys past the end are masked.
fn stageKeys(bh: u32, start: u32, t: u32) {
  for (var e = t; e < TILE * DV; e += THREADS) {
    let o = rowOffset(bh, min(start + e / DV, p.seq - 1u)) + e % DV;
    kTile[e] = widened(k[o]);
    vTile[e] = widened(v[o]);
  }
  for (var j = t; j < TILE; j += THREADS) { keptKey[j] = u32(start + j < p.seq && keyKept(bh, start + j)); }
}
@group(0) @binding(5) var<storage, read> stats: array<vec2f>;  // (lse, Δ) of each query row
@group(0) @binding(6) var<storage, read> grad: array<V>;  // dO
@group(0) @binding(7) var<storage, read_write> gradQ: array<V>;
@group(0) @binding(8) var<storage, read> rngStep: array<u32>;

var<workgroup> qBlock: array<V, ROWS * DV>;  // the block's query rows, over √D
var<workgroup> gBlock: array<V, ROWS * DV>;  // and their output gradients
var<workgroup> rowStats: array<vec2f, ROWS>;
var<workgroup> dScores: array<f32, ROWS * TILE>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let bh = wid.y;
  let first = wid.x * ROWS;
  let r = t / DV;
  let c = t % DV;
  let i = min(first + r, p.seq - 1u);
  qBlock[t] = widened(q[rowOffset(bh, i) + c]) / p.sqrtHeadDim;
  gBlock[t] = grad[rowOffset(bh, i) + c];
  if (c == 0u) { rowStats[r] = stats[bh * p.seq + i]; }
  var acc = V(0.0);
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    stageKeys(bh, start, t);
    workgroupBarrier();
    // dS = P ∘ (M ∘ dO·vᵀ - Δ), with P = exp(s - lse); masked keys pass no gradient.
    for (var e = t; e < ROWS * TILE; e += THREADS) {
      let row = e / TILE;
      let j = e % TILE;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < DV; d++) {
        s += vdot(qBlock[row * DV + d], kTile[j * DV + d]);
        dp += vdot(gBlock[row * DV + d], vTile[j * DV + d]);
      }
      let keepFactor = dropKeep(bh, min(first + row, p.seq - 1u), start + j);
      let ds = exp(s - rowStats[row].x) * (keepFactor * dp - rowStats[row].y);
      dScores[e] = select(0.0, ds, keptKey[j] != 0u);
    }
    workgroupBarrier();
    for (var j = 0u; j < n; j++) { acc += dScores[r * TILE + j] * kTile[j * DV + c]; }
    workgroupBarrier();
  }
  if (first + r < p.seq) { gradQ[rowOffset(bh, first + r) + c] = acc / p.sqrtHeadDim; }
}
