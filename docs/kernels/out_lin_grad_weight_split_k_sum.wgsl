// out_lin_grad_weight_split_k_sum: out_lin's backward for the weight and bias, split-K's second launch: the sum of the slices (`linear`).
// Kernel matmul_split_k_sum_biasGrad (op linear backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [2307, 1, 1], uniforms m=768 n=769 k=4096 batch=1 splits=7 kSplit=586 strideA=3145728 strideB=3145728 mFolds=1 aStrideM=1 aStrideK=768 bStrideK=768 bStrideN=1.
struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  splits: u32,
  kSplit: u32,
  strideA: u32,
  strideB: u32,
  mFolds: u32,
  aStrideM: u32,
  aStrideK: u32,
  bStrideK: u32,
  bStrideN: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> biasGrad: array<f32>;
fn storeC(batch: u32, m: u32, n: u32, value: f32) {
  if (n == p.n - 1u) {  // the column of row sums
    let i = batch * p.m + m;
    biasGrad[i] = value;
    return;
  }
  let i = (batch * p.m + m) * (p.n - 1u) + n;
  c[i] = value;
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (i >= p.batch * p.m * p.n) { return; }
  let n = i % p.n;
  let m = (i / p.n) % p.m;
  let batch = i / (p.m * p.n);
  var total = 0.0;
  for (var slice = 0u; slice < p.splits; slice++) { total += partial[((slice * p.batch + batch) * p.m + m) * p.n + n]; }
  storeC(batch, m, n, total);
}
