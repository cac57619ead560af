// attention_row_stats: attention backward, step 1: each query row's (lse, Δ).
// Kernel attention_row_stats_d64 (op attention backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [192, 1, 1], uniforms batch=64 seq=64 heads=12 sqrtHeadDim=8.
struct Params {
  batch: u32,
  seq: u32,
  heads: u32,
  sqrtHeadDim: f32,
}
@group(0) @binding(0) var<uniform> p: Params;

// A head row is DV vectors of type V (vec4f when D is a multiple of 4, else f32).
alias V = vec4f;
const DV: u32 = 16u;
const LOWEST: f32 = -3.4028234663852886e38;
fn vdot(a: V, b: V) -> f32 { return dot(a, b); }
// Offset, in vectors, of row t of head bh = b·H + h in a [B, T, H·D] tensor.
fn rowOffset(bh: u32, t: u32) -> u32 { return ((bh / p.heads * p.seq + t) * p.heads + bh % p.heads) * DV; }
// The dropout factor of weight (i, j) of head bh: 0, 1/(1-p), or 1 without dropout.
fn dropKeep(bh: u32, i: u32, j: u32) -> f32 { return 1.0; }
@group(0) @binding(1) var<storage, read> context: array<V>;
@group(0) @binding(2) var<storage, read> grad: array<V>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<vec2f>;
const LANES: u32 = 1u;  // threads per row

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let thread = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  let rows = p.batch * p.heads * p.seq;
  // Lanes past the last row redo it and write nothing: every lane must reach the shuffles.
  let r = min(thread / LANES, rows - 1u);  // row t of head bh, r = bh·T + t
  let lane = thread % LANES;
  let base = rowOffset(r / p.seq, r % p.seq);
  var delta = 0.0;
  for (var c = lane; c < DV; c += LANES) { delta += vdot(grad[base + c], context[base + c]); }
  
  if (thread / LANES < rows && lane == 0u) { stats[r] = vec2f(lse[r], delta); }
}
