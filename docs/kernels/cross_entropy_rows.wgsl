// cross_entropy_rows: cross-entropy forward, one row per sequence (`crossEntropy`).
// Kernel cross_entropy_rows (op crossEntropy, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [64, 1, 1], uniforms rows=64 cols=2 nan=NaN.
struct Params {
  rows: u32,
  cols: u32,
  nan: f32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> logSumExp: array<f32>;

var<workgroup> rowMaxOf_scratch: array<f32, 256>;
fn rowMaxOf(lid: u32, value: f32) -> f32 {
  rowMaxOf_scratch[lid] = value;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride /= 2u) {
    if (lid < stride) { rowMaxOf_scratch[lid] = max(rowMaxOf_scratch[lid], rowMaxOf_scratch[lid + stride]); }
    workgroupBarrier();
  }
  return rowMaxOf_scratch[0];
}


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

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var m = -3.4028234663852886e38;
  for (var c = lid.x; c < p.cols; c += 256u) { m = max(m, logits[base + c]); }
  let rowMax = rowMaxOf(lid.x, m);
  var s = 0.0;
  for (var c = lid.x; c < p.cols; c += 256u) { s += exp(logits[base + c] - rowMax); }
  let logSum = log(rowSumOf(lid.x, s));
  if (lid.x == 0u) {
    let label = u32(labels[row]);
    var loss = p.nan;
    if (label < p.cols) { loss = (rowMax - logits[base + label]) + logSum; }
    rowLoss[row] = loss;
    logSumExp[row] = rowMax + logSum;
  }
}
