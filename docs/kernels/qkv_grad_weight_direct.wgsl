// qkv_grad_weight_direct: q, k and v backward for the weights and biases (`selfAttention`'s backward); variant 4, the kernel CPU adapters run.
// Kernel matmul_direct_16x4_8_biasGrad_slots3ac (op attention backward, ENGINE_KERNELS=software) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [25, 48, 3], uniforms m=768 n=769 k=4096 batch=3 splits=1 kSplit=4096 strideA=0 strideB=0 mFolds=1 aStrideM=1 aStrideK=768 bStrideK=768 bStrideN=1.
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
@group(0) @binding(1) var<storage, read> a0: array<f32>;
@group(0) @binding(2) var<storage, read> a1: array<f32>;
@group(0) @binding(3) var<storage, read> a2: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
fn loadA(batch: u32, m: u32, k: u32) -> f32 {
  let i = m * p.aStrideM + k * p.aStrideK;
  switch batch {
    case 0u: { return a0[i]; }
    case 1u: { return a1[i]; }
    default: { return a2[i]; }
  }
}
fn loadB(batch: u32, k: u32, n: u32) -> f32 {
  if (n == p.n - 1u) { return 1.0; }  // the column of ones
  let i = batch * p.strideB + k * p.bStrideK + n * p.bStrideN;
  return b[i];
}
@group(0) @binding(5) var<storage, read_write> c0: array<f32>;
@group(0) @binding(6) var<storage, read_write> c1: array<f32>;
@group(0) @binding(7) var<storage, read_write> c2: array<f32>;
@group(0) @binding(8) var<storage, read_write> biasGrad0: array<f32>;
@group(0) @binding(9) var<storage, read_write> biasGrad1: array<f32>;
@group(0) @binding(10) var<storage, read_write> biasGrad2: array<f32>;
fn storeC(batch: u32, m: u32, n: u32, value: f32) {
  if (n == p.n - 1u) {  // the column of row sums
    let i = m;
    switch batch {
      case 0u: { biasGrad0[i] = value; }
      case 1u: { biasGrad1[i] = value; }
      default: { biasGrad2[i] = value; }
    }
    return;
  }
  let i = m * (p.n - 1u) + n;
  switch batch {
    case 0u: { c0[i] = value; }
    case 1u: { c1[i] = value; }
    default: { c2[i] = value; }
  }
}
const ROWS = 16u;
const COLS = 4u;
const THREADS = 8u;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let row0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * ROWS;
  if (row0 >= p.m) { return; }
  let col0 = (wid.x * THREADS + lid.x) * COLS;
  var acc: array<array<f32, COLS>, ROWS>;
  for (var k = 0u; k < p.k; k++) {
    var bRow: array<f32, COLS>;
    for (var j = 0u; j < COLS; j++) { bRow[j] = loadB(batch, k, min(col0 + j, p.n - 1u)); }
    for (var i = 0u; i < ROWS; i++) {
      let aValue = loadA(batch, min(row0 + i, p.m - 1u), k);
      for (var j = 0u; j < COLS; j++) { acc[i][j] += aValue * bRow[j]; }
    }
  }
  for (var i = 0u; i < ROWS; i++) {
    for (var j = 0u; j < COLS; j++) {
      if (row0 + i < p.m && col0 + j < p.n) { storeC(batch, row0 + i, col0 + j, acc[i][j]); }
    }
  }
}
