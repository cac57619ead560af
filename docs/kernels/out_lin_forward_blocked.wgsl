// out_lin_forward_blocked: out_lin's forward with variant 3, the kernel GPUs run (`linear`).
// Kernel matmul_nt_64x64x16_8x8_vvv at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12, 64, 1], uniforms m=4096 n=768 k=768 strideA=3145728 strideB=589824 mFolds=1.
struct Params {
  m: u32,
  n: u32,
  k: u32,
  strideA: u32,
  strideB: u32,
  mFolds: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4f>;
@group(0) @binding(4) var<storage, read> bias: array<vec4f>;
var<workgroup> tileA: array<vec4f, 256>;
var<workgroup> tileB: array<vec4f, 256>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * 64u;
  if (m0 >= p.m) { return; }
  let n0 = wid.x * 64u;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  let cBase = batch * p.m * p.n;
  let tx = lid.x % 8u;
  let ty = lid.x / 8u;
  let loadA0r = lid.x / 4u * 4u;
  let loadA0c = lid.x % 4u * 4u;
  var loadA0_0_0: vec4f;
  var loadA0_1_0: vec4f;
  var loadA0_2_0: vec4f;
  var loadA0_3_0: vec4f;
  let loadB0r = lid.x / 4u * 4u;
  let loadB0c = lid.x % 4u * 4u;
  var loadB0_0_0: vec4f;
  var loadB0_1_0: vec4f;
  var loadB0_2_0: vec4f;
  var loadB0_3_0: vec4f;
  var acc0_0 = vec4f(0.0);
  var acc0_1 = vec4f(0.0);
  var acc1_0 = vec4f(0.0);
  var acc1_1 = vec4f(0.0);
  var acc2_0 = vec4f(0.0);
  var acc2_1 = vec4f(0.0);
  var acc3_0 = vec4f(0.0);
  var acc3_1 = vec4f(0.0);
  var acc4_0 = vec4f(0.0);
  var acc4_1 = vec4f(0.0);
  var acc5_0 = vec4f(0.0);
  var acc5_1 = vec4f(0.0);
  var acc6_0 = vec4f(0.0);
  var acc6_1 = vec4f(0.0);
  var acc7_0 = vec4f(0.0);
  var acc7_1 = vec4f(0.0);
  for (var k0 = 0u; k0 < p.k; k0 += 16u) {
    loadA0_0_0 = vec4f(0.0);
    if (m0 + loadA0r < p.m && k0 + loadA0c < p.k) { loadA0_0_0 = a[(aBase + (m0 + loadA0r) * p.k + k0 + loadA0c) / 4u]; }
    loadA0_1_0 = vec4f(0.0);
    if (m0 + loadA0r + 1u < p.m && k0 + loadA0c < p.k) { loadA0_1_0 = a[(aBase + (m0 + loadA0r + 1u) * p.k + k0 + loadA0c) / 4u]; }
    loadA0_2_0 = vec4f(0.0);
    if (m0 + loadA0r + 2u < p.m && k0 + loadA0c < p.k) { loadA0_2_0 = a[(aBase + (m0 + loadA0r + 2u) * p.k + k0 + loadA0c) / 4u]; }
    loadA0_3_0 = vec4f(0.0);
    if (m0 + loadA0r + 3u < p.m && k0 + loadA0c < p.k) { loadA0_3_0 = a[(aBase + (m0 + loadA0r + 3u) * p.k + k0 + loadA0c) / 4u]; }
    loadB0_0_0 = vec4f(0.0);
    if (n0 + loadB0r < p.n && k0 + loadB0c < p.k) { loadB0_0_0 = b[(bBase + (n0 + loadB0r) * p.k + k0 + loadB0c) / 4u]; }
    loadB0_1_0 = vec4f(0.0);
    if (n0 + loadB0r + 1u < p.n && k0 + loadB0c < p.k) { loadB0_1_0 = b[(bBase + (n0 + loadB0r + 1u) * p.k + k0 + loadB0c) / 4u]; }
    loadB0_2_0 = vec4f(0.0);
    if (n0 + loadB0r + 2u < p.n && k0 + loadB0c < p.k) { loadB0_2_0 = b[(bBase + (n0 + loadB0r + 2u) * p.k + k0 + loadB0c) / 4u]; }
    loadB0_3_0 = vec4f(0.0);
    if (n0 + loadB0r + 3u < p.n && k0 + loadB0c < p.k) { loadB0_3_0 = b[(bBase + (n0 + loadB0r + 3u) * p.k + k0 + loadB0c) / 4u]; }
    tileA[(loadA0c * 64u + loadA0r) / 4u] = vec4f(loadA0_0_0.x, loadA0_1_0.x, loadA0_2_0.x, loadA0_3_0.x);
    tileA[((loadA0c + 1u) * 64u + loadA0r) / 4u] = vec4f(loadA0_0_0.y, loadA0_1_0.y, loadA0_2_0.y, loadA0_3_0.y);
    tileA[((loadA0c + 2u) * 64u + loadA0r) / 4u] = vec4f(loadA0_0_0.z, loadA0_1_0.z, loadA0_2_0.z, loadA0_3_0.z);
    tileA[((loadA0c + 3u) * 64u + loadA0r) / 4u] = vec4f(loadA0_0_0.w, loadA0_1_0.w, loadA0_2_0.w, loadA0_3_0.w);
    tileB[(loadB0c * 64u + loadB0r) / 4u] = vec4f(loadB0_0_0.x, loadB0_1_0.x, loadB0_2_0.x, loadB0_3_0.x);
    tileB[((loadB0c + 1u) * 64u + loadB0r) / 4u] = vec4f(loadB0_0_0.y, loadB0_1_0.y, loadB0_2_0.y, loadB0_3_0.y);
    tileB[((loadB0c + 2u) * 64u + loadB0r) / 4u] = vec4f(loadB0_0_0.z, loadB0_1_0.z, loadB0_2_0.z, loadB0_3_0.z);
    tileB[((loadB0c + 3u) * 64u + loadB0r) / 4u] = vec4f(loadB0_0_0.w, loadB0_1_0.w, loadB0_2_0.w, loadB0_3_0.w);
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let a0 = tileA[kk * 16u + ty * 2u];
      let a1 = tileA[kk * 16u + ty * 2u + 1u];
      let b0 = tileB[kk * 16u + tx * 2u];
      let b1 = tileB[kk * 16u + tx * 2u + 1u];
      acc0_0 += a0.x * b0;
      acc0_1 += a0.x * b1;
      acc1_0 += a0.y * b0;
      acc1_1 += a0.y * b1;
      acc2_0 += a0.z * b0;
      acc2_1 += a0.z * b1;
      acc3_0 += a0.w * b0;
      acc3_1 += a0.w * b1;
      acc4_0 += a1.x * b0;
      acc4_1 += a1.x * b1;
      acc5_0 += a1.y * b0;
      acc5_1 += a1.y * b1;
      acc6_0 += a1.z * b0;
      acc6_1 += a1.z * b1;
      acc7_0 += a1.w * b0;
      acc7_1 += a1.w * b1;
    }
    workgroupBarrier();
  }
  let row0 = m0 + ty * 8u;
  let col0 = n0 + tx * 8u;
  if (row0 < p.m) {
    let rowBase = cBase + row0 * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc0_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc0_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 1u < p.m) {
    let rowBase = cBase + (row0 + 1u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc1_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc1_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 2u < p.m) {
    let rowBase = cBase + (row0 + 2u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc2_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc2_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 3u < p.m) {
    let rowBase = cBase + (row0 + 3u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc3_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc3_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 4u < p.m) {
    let rowBase = cBase + (row0 + 4u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc4_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc4_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 5u < p.m) {
    let rowBase = cBase + (row0 + 5u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc5_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc5_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 6u < p.m) {
    let rowBase = cBase + (row0 + 6u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc6_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc6_1 + bias[(col0 + 4u) / 4u]; }
  }
  if (row0 + 7u < p.m) {
    let rowBase = cBase + (row0 + 7u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc7_0 + bias[col0 / 4u]; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc7_1 + bias[(col0 + 4u) / 4u]; }
  }
}
