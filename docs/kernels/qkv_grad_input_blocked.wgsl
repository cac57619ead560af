// qkv_grad_input_blocked: q, k and v backward for x: Σz dz · Wz, one product whose K runs through the three slices (`selfAttention`'s backward); variant 3, the kernel GPUs run.
// Kernel matmul_blocked_64x64x16_8x8_kSlots3 (op attention backward, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12, 64, 1], uniforms m=4096 n=768 k=2304 batch=1 splits=1 kSplit=2304 strideA=0 strideB=0 mFolds=1 aStrideM=768 aStrideK=1 bStrideK=768 bStrideN=1 kSlice=768.
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
const TILE_M = 64u;
const TILE_N = 64u;
const TILE_K = 16u;
const THREAD_M = 8u;  // outputs per thread along M and N
const THREAD_N = 8u;
const THREADS_M = TILE_M / THREAD_M;
const THREADS_N = TILE_N / THREAD_N;

var<workgroup> tileA: array<f32, TILE_K * TILE_M>;  // [k][m]
var<workgroup> tileB: array<f32, TILE_K * TILE_N>;  // [k][n]

@compute @workgroup_size(THREADS_M * THREADS_N)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let entry = wid.z / p.mFolds;  // split-K: slice · batch + batch entry
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * TILE_M;
  if (m0 >= p.m) { return; }  // the whole workgroup, so the barriers below stay uniform
  let n0 = wid.x * TILE_N;
  let batch = entry % p.batch;
  let kBegin = (entry / p.batch) * p.kSplit;
  let kEnd = min(p.k, kBegin + p.kSplit);
  let tx = lid.x % THREADS_N;
  let ty = lid.x / THREADS_N;
  // Along which dim each operand is contiguous, for the copies to read consecutive words.
  let aAlongK = p.aStrideK == 1u;
  let bAlongK = p.bStrideK == 1u;
  var acc: array<array<f32, THREAD_N>, THREAD_M>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    for (var e = lid.x; e < TILE_K * TILE_M; e += THREADS_M * THREADS_N) {
      let m = select(e % TILE_M, e / TILE_K, aAlongK);
      let k = select(e / TILE_M, e % TILE_K, aAlongK);
      var value = 0.0;
      if (m0 + m < p.m && k0 + k < kEnd) { value = loadA(batch, m0 + m, k0 + k); }
      tileA[k * TILE_M + m] = value;
    }
    for (var e = lid.x; e < TILE_K * TILE_N; e += THREADS_M * THREADS_N) {
      let n = select(e % TILE_N, e / TILE_K, bAlongK);
      let k = select(e / TILE_N, e % TILE_K, bAlongK);
      var value = 0.0;
      if (k0 + k < kEnd && n0 + n < p.n) { value = loadB(batch, k0 + k, n0 + n); }
      tileB[k * TILE_N + n] = value;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var aColumn: array<f32, THREAD_M>;
      for (var i = 0u; i < THREAD_M; i++) { aColumn[i] = tileA[kk * TILE_M + ty + i * THREADS_M]; }
      for (var j = 0u; j < THREAD_N; j++) {
        let bValue = tileB[kk * TILE_N + tx + j * THREADS_N];
        for (var i = 0u; i < THREAD_M; i++) { acc[i][j] += aColumn[i] * bValue; }
      }
    }
    workgroupBarrier();  // before the next step overwrites the tiles
  }
  for (var i = 0u; i < THREAD_M; i++) {
    for (var j = 0u; j < THREAD_N; j++) {
      let m = m0 + ty + i * THREADS_M;
      let n = n0 + tx + j * THREADS_N;
      if (m < p.m && n < p.n) { storeC(entry, m, n, acc[i][j]); }
    }
  }
}
