// embedding_link_occurrences: word embedding backward, step 1 of 2: each position linked to the next with its id.
// Kernel embedding_link_occurrences (op embedding backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [4096, 1, 1], uniforms n=4096 vocab=30522 paddingIdx=0.
struct Params {
  n: u32,
  vocab: u32,
  paddingIdx: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> next: array<u32>;
@group(0) @binding(3) var<storage, read_write> first: array<u32>;
var<workgroup> idAtI: i32;
var<workgroup> nearestLater: atomic<u32>;
var<workgroup> anyEarlier: atomic<u32>;

fn validId(id: u32) -> bool { return id < p.vocab && id != p.paddingIdx; }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= p.n) { return; }
  if (lid.x == 0u) {
    idAtI = ids[i];
    atomicStore(&nearestLater, 0xffffffffu);
    atomicStore(&anyEarlier, 0u);
  }
  // One value for the whole workgroup (the load is also a barrier), so all its threads may return.
  let id = workgroupUniformLoad(&idAtI);
  // A position whose id takes no gradient (padding, out of range) is on no chain: no link needed.
  if (!validId(u32(id))) { return; }
  var earlier = false;
  // This thread's positions rise, so its first match after i is its nearest one.
  for (var j = lid.x; j < p.n; j += 64u) {
    if (ids[j] != id) { continue; }
    if (j < i) {
      earlier = true;
    } else if (j > i) {
      atomicMin(&nearestLater, j);
      break;
    }
  }
  if (earlier) { atomicOr(&anyEarlier, 1u); }
  workgroupBarrier();
  if (lid.x == 0u) {
    next[i] = atomicLoad(&nearestLater);
    if (atomicLoad(&anyEarlier) == 0u) { first[u32(id)] = i; }
  }
}
