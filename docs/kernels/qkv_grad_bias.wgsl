// qkv_grad_bias: q_lin's, k_lin's and v_lin's backward for their biases, stage 1 of the column sums of each output gradient (`sumColumnsOfEach`).
// Kernel sum_columns_chunks (op attention backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [48, 1, 1], uniforms rows=4096 cols=768 chunks=16.
struct Params {
  rows: u32,
  cols: u32,
  chunks: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.chunks * p.cols) { return; }
  let col = i % p.cols;
  let chunk = i / p.cols;
  let end = min(p.rows, (chunk + 1u) * 256u);
  var acc = 0.0;
  for (var r = chunk * 256u; r < end; r++) { acc += input[r * p.cols + col]; }
  partial[i] = acc;
}
