// embedding_sum_buckets: word embedding backward, the last of its counting-sort kernels: each row's sum.
// Kernel embedding_sum_buckets_x4 at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [22892, 1, 1], uniforms total=5860224 columns=192.
struct Params {
  total: u32,
  columns: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> grad: array<vec4f>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> dTable: array<vec4f>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.total) { return; }
  let v = i / p.columns;
  let column = i % p.columns;
  var acc = vec4f(0.0);
  for (var k = starts[v]; k < starts[v + 1u]; k++) { acc += grad[order[k] * p.columns + column]; }
  dTable[i] = acc;
}
