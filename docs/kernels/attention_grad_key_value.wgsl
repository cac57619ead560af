// attention_grad_key_value: attention backward, step 3: dK and dV.
// Kernel attention_grad_key_value_d64_dropout at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [1, 768, 1], uniforms seq=64 heads=12 rowStride=768 sqrtHeadDim=8 dropProbability=0.1 keepScale=1.1111111111111112 seedLo=42 seedHi=0 stream=0.
struct Params {
  seq: u32,
  heads: u32,
  rowStride: u32,
  sqrtHeadDim: f32,
  dropProbability: f32,
  keepScale: f32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

const ROWS: u32 = 64u;
const TILE: u32 = 16u;
const D: u32 = 64u;
// A head row is DV values of type V, each W floats wide.
const W: u32 = 4u;
const DV: u32 = 16u;
alias V = vec4f;
const LOWEST: f32 = -3.4028234663852886e38;
fn vdot(a: V, b: V) -> f32 { return dot(a, b); }
// Element offset of row t, head h, batch b in a [B, T, H·D] tensor.
fn rowOffset(b: u32, t: u32, h: u32) -> u32 { return (b * p.seq + t) * p.rowStride + h * D; }

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

@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<i32>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> grad: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradK: array<f32>;
@group(0) @binding(8) var<storage, read_write> gradV: array<f32>;
@group(0) @binding(9) var<storage, read> rngStep: array<u32>;
var<workgroup> qTile: array<V, TILE * DV>;
var<workgroup> gTile: array<V, TILE * DV>;
var<workgroup> statsTile: array<vec2f, TILE>;
var<workgroup> anyKept: atomic<u32>;
@compute @workgroup_size(ROWS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let bh = wid.y;
  let b = bh / p.heads;
  let h = bh % p.heads;
  let mine = wid.x * ROWS + lid.x;
  let row = min(mine, p.seq - 1u);
  let base = rowOffset(b, row, h);

  var kr: array<V, DV>;
  var vr: array<V, DV>;
  for (var c = 0u; c < DV; c++) {
    kr[c] = vec4f(k[base + c * W], k[base + c * W + 1u], k[base + c * W + 2u], k[base + c * W + 3u]);
    vr[c] = vec4f(v[base + c * W], v[base + c * W + 1u], v[base + c * W + 2u], v[base + c * W + 3u]);
  }
  let kept = mask[b * p.seq + row] != 0;
  for (var t = lid.x; t < p.seq; t += ROWS) {
    if (mask[b * p.seq + t] != 0) { atomicOr(&anyKept, 1u); }
  }
  workgroupBarrier();
  // A masked key's weight: 0, or 1/T when the whole sequence is masked (uniform softmax).
  let maskedWeight = select(1.0 / f32(p.seq), 0.0, atomicLoad(&anyKept) != 0u);
  var dk: array<V, DV>;
  var dv: array<V, DV>;
  for (var start = 0u; start < p.seq; start += TILE) {
    let n = min(TILE, p.seq - start);
    for (var e = lid.x; e < n * DV; e += ROWS) {
      let o = rowOffset(b, start + e / DV, h) + (e % DV) * W;
      qTile[e] = vec4f(q[o], q[o + 1u], q[o + 2u], q[o + 3u]) / p.sqrtHeadDim;
    }
    for (var e = lid.x; e < n * DV; e += ROWS) {
      let o = rowOffset(b, start + e / DV, h) + (e % DV) * W;
      gTile[e] = vec4f(grad[o], grad[o + 1u], grad[o + 2u], grad[o + 3u]);
    }
    if (lid.x < n) {
      let r = 2u * (bh * p.seq + start + lid.x);
      statsTile[lid.x] = vec2f(stats[r], stats[r + 1u]);
    }
    workgroupBarrier();
    for (var i = 0u; i < n; i++) {
      if (kept || maskedWeight != 0.0) {
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < DV; c++) {
          s += vdot(qTile[i * DV + c], kr[c]);
          dp += vdot(gTile[i * DV + c], vr[c]);
        }
        // By selects, as unrolled kernels must not branch: a masked key takes maskedWeight and no dK.
        let weight = select(0.0, select(maskedWeight, exp(s - statsTile[i].x), kept), i < n);
        let keep = dropKeep(bh, start + i, row);
        let ds = select(0.0, weight * (keep * dp - statsTile[i].y), kept);
        for (var c = 0u; c < DV; c++) {
          dv[c] += weight * keep * gTile[i * DV + c];
          dk[c] += ds * qTile[i * DV + c];
        }
      }
    }
    workgroupBarrier();
  }
  if (mine < p.seq) {
    for (var c = 0u; c < DV; c++) {
      { let value = dk[c]; gradK[base + c * W + 0u] = value[0]; gradK[base + c * W + 1u] = value[1]; gradK[base + c * W + 2u] = value[2]; gradK[base + c * W + 3u] = value[3]; }
      { let value = dv[c]; gradV[base + c * W + 0u] = value[0]; gradV[base + c * W + 1u] = value[1]; gradV[base + c * W + 2u] = value[2]; gradV[base + c * W + 3u] = value[3]; }
    }
  }
}
