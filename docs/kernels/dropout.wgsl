// dropout: dropout before the classifier (`dropout`, seq_classif_dropout); the model's other dropouts are folded into attention and layer norm.
// Kernel dropout (op dropout, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [192, 1, 1], uniforms n=49152 dropProbability=0.2 keepScale=1.25 seedLo=1 seedHi=0 stream=3.
struct Params {
  n: u32,
  dropProbability: f32,
  keepScale: f32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
@group(0) @binding(3) var<storage, read> rngStep: array<u32>;

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

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.n) { return; }
  let keep = rng_uniform(vec2u(p.seedLo, p.seedHi), vec2u(p.stream, rngStep[0]), i) >= p.dropProbability;
  output[i] = select(0.0, input[i] * p.keepScale, keep);
}
