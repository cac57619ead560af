// layernorm_param_grad_sums: layer norm's weight and bias gradients: the column sums of the partial sums its input kernel wrote (`sumColumnsOfEach`).
// Kernel sum_columns_each_x2 (op layerNorm backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [6, 1, 1], uniforms n0=192 wgEnd0=3 n1=192 wgEnd1=6 rows0=64 rows1=64.
struct Params {
  n0: u32,
  wgEnd0: u32,
  n1: u32,
  wgEnd1: u32,
  rows0: u32,
  rows1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> input0: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> output0: array<vec4f>;
@group(0) @binding(3) var<storage, read> input1: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> output1: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let wg = wid.x + wid.y * nwg.x;
  if (wg >= p.wgEnd1) { return; }
  if (wg < p.wgEnd0) {
    let local = wg - 0u;
    let col = local * 64u + lid.x;
    if (col < p.n0) {
      var acc = vec4f(0.0);
      for (var r = 0u; r < p.rows0; r++) { acc += input0[r * p.n0 + col]; }
      output0[col] = acc;
    }
  } else if (wg < p.wgEnd1) {
    let local = wg - p.wgEnd0;
    let col = local * 64u + lid.x;
    if (col < p.n1) {
      var acc = vec4f(0.0);
      for (var r = 0u; r < p.rows1; r++) { acc += input1[r * p.n1 + col]; }
      output1[col] = acc;
    }
  }
}
