// attention_row_stats: attention backward, step 1: each query row's (lse, Δ).
// Kernel attention_row_stats_d64 at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [192, 1, 1], uniforms batch=64 seq=64 heads=12 rowStride=768 sqrtHeadDim=8.
struct Params {
  batch: u32,
  seq: u32,
  heads: u32,
  rowStride: u32,
  sqrtHeadDim: f32,
}
@group(0) @binding(0) var<uniform> p: Params;

const ROWS: u32 = 64u;
const TILE: u32 = 16u;
const D: u32 = 64u;
// A head row is DV values of type V, each W floats wide.
const W: u32 = 4u;
const DV: u32 = 16u;
alias V = vec4f;
const LOWEST: f32 = -3.4028234663852886e38;
fn vdot(a: V, b: V) -> f32 { return dot(a, b); }
// Element offset of row t, head h, batch b in a [B, T, H·D] tensor.
fn rowOffset(b: u32, t: u32, h: u32) -> u32 { return (b * p.seq + t) * p.rowStride + h * D; }
fn dropKeep(bh: u32, i: u32, j: u32) -> f32 { return 1.0; }

@group(0) @binding(1) var<storage, read> context: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let thread = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  let rows = p.batch * p.heads * p.seq;
  // Lanes past the last row redo it and write nothing: every lane must reach the shuffles.
  let r = min(thread / 1u, rows - 1u);
  let lane = thread % 1u;
  let t = r % p.seq;
  let h = (r / p.seq) % p.heads;
  let b = r / (p.seq * p.heads);
  let base = rowOffset(b, t, h);
  var delta = 0.0;
  for (var c = lane; c < DV; c += 1u) { delta += vdot(vec4f(grad[base + c * W], grad[base + c * W + 1u], grad[base + c * W + 2u], grad[base + c * W + 3u]), vec4f(context[base + c * W], context[base + c * W + 1u], context[base + c * W + 2u], context[base + c * W + 3u])); }
  
  if (thread / 1u < rows && lane == 0u) {
    stats[2u * r] = lse[r];
    stats[2u * r + 1u] = delta;
  }
}
