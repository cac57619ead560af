// layernorm_backward_input: output_layer_norm's backward: a layer norm's backward for x, with its weight and bias gradients' partial sums by chunks of rows, and the gradient through the dropout folded into its forward.
// Kernel layernorm_backward_input_dropout_param_grads (op layerNorm backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [4288, 1, 1], uniforms rows=4096 cols=768 chunks=64 dropProbability=0.1 keepScale=1.1111111111111112 seedLo=1 seedHi=0 stream=2.
struct Params {
  rows: u32,
  cols: u32,
  chunks: u32,
  dropProbability: f32,
  keepScale: f32,
  seedLo: u32,
  seedHi: u32,
  stream: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dxDropped: array<f32>;
@group(0) @binding(8) var<storage, read_write> weightPartial: array<f32>;
@group(0) @binding(9) var<storage, read_write> biasPartial: array<f32>;
@group(0) @binding(10) var<storage, read> rngStep: array<u32>;

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

fn dropOne(v: f32, i: u32) -> f32 { return select(0.0, v * p.keepScale, rng_uniform(vec2u(p.seedLo, p.seedHi), vec2u(p.stream, rngStep[0]), i) >= p.dropProbability); }
fn dropped(v: f32, i: u32) -> f32 { return dropOne(v, i); }
fn paramGradChunk(i: u32) {
  let n = p.cols;
  let col = i % n;
  let chunk = i / n;
  let end = min(p.rows, (chunk + 1u) * 64u);
  var dWeight = f32(0.0);
  var dBias = f32(0.0);
  for (var r = chunk * 64u; r < end; r++) {
    let g = dy[r * n + col];
    dWeight += g * (x[r * n + col] - mean[r]) * rstd[r];
    dBias += g;
  }
  weightPartial[i] = dWeight;
  biasPartial[i] = dBias;
}

var<workgroup> rowSumsOf_scratch: array<vec2f, 256>;
fn rowSumsOf(lid: u32, value: vec2f) -> vec2f {
  rowSumsOf_scratch[lid] = value;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride /= 2u) {
    if (lid < stride) { rowSumsOf_scratch[lid] = rowSumsOf_scratch[lid] + rowSumsOf_scratch[lid + stride]; }
    workgroupBarrier();
  }
  return rowSumsOf_scratch[0];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) {
    let i = (row - p.rows) * 256u + lid.x;
    if (i < p.chunks * p.cols) { paramGradChunk(i); }
    return; }
  let base = row * p.cols;
  let m = mean[row];
  let r = rstd[row];
  var local = vec2f(0.0);
  for (var c = lid.x; c < p.cols; c += 256u) {
    let g = dy[base + c] * weight[c];
    local += vec2f(g, g * (x[base + c] - m) * r);
  }
  // (mean(g), mean(g · x̂))
  let means = rowSumsOf(lid.x, local) / f32(p.cols);
  for (var c = lid.x; c < p.cols; c += 256u) {
    let g = dy[base + c] * weight[c];
    let xhat = (x[base + c] - m) * r;
    let d = r * (g - means.x - xhat * means.y);
    dx[base + c] = d;
    dxDropped[base + c] = dropped(d, base + c);
  }
}
