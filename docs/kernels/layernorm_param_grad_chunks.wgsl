// layernorm_param_grad_chunks: layerNorm's backward for weight and bias, stage 1.
// Kernel layernorm_param_grad_chunks at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [192, 1, 1], uniforms rows=4096 cols=768 chunks=64.
struct Params {
  rows: u32,
  cols: u32,
  chunks: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> weightPartial: array<f32>;
@group(0) @binding(6) var<storage, read_write> biasPartial: array<f32>;
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
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.chunks * p.cols) { return; }
  paramGradChunk(i);
}
