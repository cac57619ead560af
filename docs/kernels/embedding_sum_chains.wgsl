// embedding_sum_chains: word embedding backward, step 2 of 2: each row's sum along its id's chain of positions.
// Kernel embedding_sum_chains_x4 (op embedding backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [22892, 1, 1], uniforms threads=5860224 n=4096 vocab=30522 paddingIdx=0.
struct Params {
  threads: u32,
  n: u32,
  vocab: u32,
  paddingIdx: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> grad: array<vec4f>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read> next: array<u32>;
@group(0) @binding(4) var<storage, read> first: array<u32>;
@group(0) @binding(5) var<storage, read_write> dTable: array<vec4f>;
const COLUMNS = 192u;

fn validId(id: u32) -> bool { return id < p.vocab && id != p.paddingIdx; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.threads) { return; }
  let v = i / COLUMNS;
  // first[v] is v's first position if v occurs, else a stale value: one whose id is not v.
  var k = first[v];
  if (!validId(v) || k >= p.n || u32(ids[k]) != v) { k = 0xffffffffu; }
  var acc = vec4f(0.0);
  for (; k < p.n; k = next[k]) { acc += grad[k * COLUMNS + i % COLUMNS]; }
  dTable[i] = acc;
}
