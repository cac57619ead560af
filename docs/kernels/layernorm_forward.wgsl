// layernorm_forward: sa_layer_norm forward with the residual add folded in (`layerNorm` with a residual, eps 1e-12).
// Kernel layernorm_residual (op layerNorm, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [4096, 1, 1], uniforms rows=4096 cols=768 eps=1e-12 residualRows=4096.
struct Params {
  rows: u32,
  cols: u32,
  eps: f32,
  residualRows: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;
@group(0) @binding(7) var<storage, read> residual: array<f32>;
@group(0) @binding(8) var<storage, read_write> sum: array<f32>;

var<workgroup> rowSumOf_scratch: array<f32, 256>;
fn rowSumOf(lid: u32, value: f32) -> f32 {
  rowSumOf_scratch[lid] = value;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride /= 2u) {
    if (lid < stride) { rowSumOf_scratch[lid] = rowSumOf_scratch[lid] + rowSumOf_scratch[lid + stride]; }
    workgroupBarrier();
  }
  return rowSumOf_scratch[0];
}


var<workgroup> rowSumOfSquares_scratch: array<f32, 256>;
fn rowSumOfSquares(lid: u32, value: f32) -> f32 {
  rowSumOfSquares_scratch[lid] = value;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride /= 2u) {
    if (lid < stride) { rowSumOfSquares_scratch[lid] = rowSumOfSquares_scratch[lid] + rowSumOfSquares_scratch[lid + stride]; }
    workgroupBarrier();
  }
  return rowSumOfSquares_scratch[0];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var local = 0.0;
  for (var c = lid.x; c < p.cols; c += 256u) {
    let v = (x[base + c] + residual[base + c]);
    sum[base + c] = v;
    local += v;
  }
  let mean = rowSumOf(lid.x, local) / f32(p.cols);
  local = 0.0;
  for (var c = lid.x; c < p.cols; c += 256u) {
    let d = sum[base + c] - mean;
    local += d * d;
  }
  let rstd = inverseSqrt(rowSumOfSquares(lid.x, local) / f32(p.cols) + p.eps);
  for (var c = lid.x; c < p.cols; c += 256u) {
    let normalised = (sum[base + c] - mean) * rstd * weight[c] + bias[c];
    y[base + c] = normalised;
  }
  if (lid.x == 0u) {
    meanOut[row] = mean;
    rstdOut[row] = rstd;
  }
}
