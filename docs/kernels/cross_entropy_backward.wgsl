// cross_entropy_backward: cross-entropy backward.
// Kernel cross_entropy_backward (op crossEntropy backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [1, 1, 1], uniforms total=128 classes=2 invRows=0.015625 nan=NaN.
struct Params {
  total: u32,
  classes: u32,
  invRows: f32,
  nan: f32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> logSumExp: array<f32>;
@group(0) @binding(4) var<storage, read> upstream: array<f32>;
@group(0) @binding(5) var<storage, read_write> dLogits: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.total) { return; }
  let row = i / p.classes;
  let c = i % p.classes;
  let label = u32(labels[row]);
  let softmax = exp(logits[i] - logSumExp[row]);
  var d = p.nan;
  if (label < p.classes) { d = softmax - select(0.0, 1.0, c == label); }
  dLogits[i] = d * upstream[0] * p.invRows;
}
