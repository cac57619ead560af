// out_lin_forward_naive: out_lin's forward, x [B·T, dim] · Wᵀ + b (`linear`), with variant 1, to read first (kernels/matmul_teaching.ts).
// Kernel matmul_naive_nt (op linear, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [48, 256, 1], uniforms m=4096 n=768 k=768 strideA=3145728 strideB=589824 mFolds=1 aStrideM=768 aStrideK=1 bStrideK=1 bStrideN=768.
struct Params {
  m: u32, n: u32, k: u32,
  strideA: u32, strideB: u32,  // elements between batch entries of A and B (0: shared)
  mFolds: u32,                 // z = batch · mFolds + fold, for more than 65535 tile rows
  aStrideM: u32, aStrideK: u32,
  bStrideK: u32, bStrideN: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let row = ((wid.z % p.mFolds) * nwg.y + wid.y) * 16u + lid.y;
  let col = wid.x * 16u + lid.x;
  if (row >= p.m || col >= p.n) { return; }
  let aBase = batch * p.strideA + row * p.aStrideM;
  let bBase = batch * p.strideB + col * p.bStrideN;
  var acc = 0.0;
  for (var i = 0u; i < p.k; i++) {
    acc += a[aBase + i * p.aStrideK] * b[bBase + i * p.bStrideK];
  }
  c[batch * p.m * p.n + row * p.n + col] = acc + bias[col];
}
