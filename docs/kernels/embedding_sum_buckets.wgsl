// embedding_sum_buckets: word embedding backward as CPU adapters run it, the last of its counting-sort kernels: each row's sum.
// Kernel embedding_sum_buckets_x4 (op embedding backward, ENGINE_KERNELS=software) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [2862, 1, 1], uniforms threads=732528.
struct Params {
  threads: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> grad: array<vec4f>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> dTable: array<vec4f>;
const COLUMNS = 192u;
const THREADS_PER_ROW = 24u;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.threads) { return; }
  let v = i / THREADS_PER_ROW;
  let begin = starts[v];
  let end = starts[v + 1u];
  for (var column = i % THREADS_PER_ROW; column < COLUMNS; column += THREADS_PER_ROW) {
    var acc = vec4f(0.0);
    for (var k = begin; k < end; k++) { acc += grad[order[k] * COLUMNS + column]; }
    dTable[v * COLUMNS + column] = acc;
  }
}
