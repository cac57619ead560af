// embedding_gather: word embedding lookup (`embedding`).
// Kernel embedding_gather (op embedding, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12288, 1, 1], uniforms total=3145728 vocab=30522 dim=768.
struct Params {
  total: u32,
  vocab: u32,
  dim: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.total) { return; }
  let id = u32(ids[i / p.dim]);
  var value = 0.0;
  if (id < p.vocab) { value = table[id * p.dim + i % p.dim]; }
  output[i] = value;
}
