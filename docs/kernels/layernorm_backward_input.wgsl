// layernorm_backward_input: layerNorm's backward for x.
// Kernel layernorm_backward_input at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [4096, 1, 1], uniforms rows=4096 cols=768.
struct Params {
  rows: u32,
  cols: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> rstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;

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
  if (row >= p.rows) { return; }
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
  }
}
