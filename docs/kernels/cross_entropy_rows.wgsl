// cross_entropy_rows: cross-entropy forward, one row per sequence (`crossEntropy`).
// Kernel cross_entropy_rows at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [64, 1, 1], uniforms rows=64 classes=2 nan=NaN.
struct Params {
  rows: u32,
  classes: u32,
  nan: f32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> logSumExp: array<f32>;
var<workgroup> partial: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  // Whole workgroups leave together, so the barriers below stay in uniform control flow.
  if (row >= p.rows) { return; }
  let base = row * p.classes;
  var m = -3.4028234663852886e38;
  for (var c = lid.x; c < p.classes; c += 256u) { m = max(m, logits[base + c]); }
  partial[lid.x] = m;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { partial[lid.x] = max(partial[lid.x], partial[lid.x + stride]); }
    workgroupBarrier();
  }
  let rowMax = partial[0];
  workgroupBarrier();
  var s = 0.0;
  for (var c = lid.x; c < p.classes; c += 256u) { s += exp(logits[base + c] - rowMax); }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { partial[lid.x] += partial[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let logSum = log(partial[0]);
    let label = u32(labels[row]);
    var loss = p.nan;
    if (label < p.classes) { loss = (rowMax - logits[base + label]) + logSum; }
    rowLoss[row] = loss;
    logSumExp[row] = rowMax + logSum;
  }
}
