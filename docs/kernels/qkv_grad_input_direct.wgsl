// qkv_grad_input_direct: q, k and v backward for x (`selfAttention`'s backward); variant 4, the kernel CPU adapters run.
// Kernel matmul_direct_16x4_8_kSlots3 (op attention backward, ENGINE_KERNELS=software) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [24, 256, 1], uniforms m=4096 n=768 k=2304 batch=1 splits=1 kSplit=2304 strideA=0 strideB=0 mFolds=1 aStrideM=768 aStrideK=1 bStrideK=768 bStrideN=1 kSlice=768.
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
  kSlice: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a0: array<f32>;
@group(0) @binding(2) var<storage, read> a1: array<f32>;
@group(0) @binding(3) var<storage, read> a2: array<f32>;
@group(0) @binding(4) var<storage, read> b0: array<f32>;
@group(0) @binding(5) var<storage, read> b1: array<f32>;
@group(0) @binding(6) var<storage, read> b2: array<f32>;
fn loadA(batch: u32, m: u32, k: u32) -> f32 {
  let slice = k / p.kSlice;
  let kk = k - slice * p.kSlice;
  let i = m * p.aStrideM + kk * p.aStrideK;
  switch slice {
    case 0u: { return a0[i]; }
    case 1u: { return a1[i]; }
    default: { return a2[i]; }
  }
}
fn loadB(batch: u32, k: u32, n: u32) -> f32 {
  let slice = k / p.kSlice;
  let kk = k - slice * p.kSlice;
  let i = kk * p.bStrideK + n * p.bStrideN;
  switch slice {
    case 0u: { return b0[i]; }
    case 1u: { return b1[i]; }
    default: { return b2[i]; }
  }
}
@group(0) @binding(7) var<storage, read_write> c: array<f32>;
fn storeC(batch: u32, m: u32, n: u32, value: f32) {
  let i = (batch * p.m + m) * p.n + n;
  c[i] = value;
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
