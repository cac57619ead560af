// qkv_forward_direct: q, k and v forward in one launch, x [B·T, dim] · Wzᵀ + bz for z = q, k, v (`selfAttention`); variant 4, the kernel CPU adapters run.
// Kernel matmul_direct_nt_slots3bc_16x16_2x4_vvv at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12, 128, 3], uniforms m=4096 n=768 k=768 strideA=0 strideB=0 mFolds=1.
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
@group(0) @binding(2) var<storage, read> bSlot0: array<vec4f>;
@group(0) @binding(3) var<storage, read> bSlot1: array<vec4f>;
@group(0) @binding(4) var<storage, read> bSlot2: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> cSlot0: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> cSlot1: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> cSlot2: array<vec4f>;
@group(0) @binding(8) var<storage, read> biasSlot0: array<vec4f>;
@group(0) @binding(9) var<storage, read> biasSlot1: array<vec4f>;
@group(0) @binding(10) var<storage, read> biasSlot2: array<vec4f>;
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * 32u;
  if (m0 >= p.m) { return; }
  let n0 = wid.x * 64u;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  let cBase = 0u;
  if (batch == 0u) {
    let row0 = m0 + (lid.x / 4u) * 16u;
    let col0 = n0 + (lid.x % 4u) * 16u;
    let aRow0 = aBase + min(row0, p.m - 1u) * p.k;
    let aRow1 = aBase + min(row0 + 1u, p.m - 1u) * p.k;
    let aRow2 = aBase + min(row0 + 2u, p.m - 1u) * p.k;
    let aRow3 = aBase + min(row0 + 3u, p.m - 1u) * p.k;
    let aRow4 = aBase + min(row0 + 4u, p.m - 1u) * p.k;
    let aRow5 = aBase + min(row0 + 5u, p.m - 1u) * p.k;
    let aRow6 = aBase + min(row0 + 6u, p.m - 1u) * p.k;
    let aRow7 = aBase + min(row0 + 7u, p.m - 1u) * p.k;
    let aRow8 = aBase + min(row0 + 8u, p.m - 1u) * p.k;
    let aRow9 = aBase + min(row0 + 9u, p.m - 1u) * p.k;
    let aRow10 = aBase + min(row0 + 10u, p.m - 1u) * p.k;
    let aRow11 = aBase + min(row0 + 11u, p.m - 1u) * p.k;
    let aRow12 = aBase + min(row0 + 12u, p.m - 1u) * p.k;
    let aRow13 = aBase + min(row0 + 13u, p.m - 1u) * p.k;
    let aRow14 = aBase + min(row0 + 14u, p.m - 1u) * p.k;
    let aRow15 = aBase + min(row0 + 15u, p.m - 1u) * p.k;
    let bRow0 = bBase + min(col0, p.n - 1u) * p.k;
    let bRow1 = bBase + min(col0 + 1u, p.n - 1u) * p.k;
    let bRow2 = bBase + min(col0 + 2u, p.n - 1u) * p.k;
    let bRow3 = bBase + min(col0 + 3u, p.n - 1u) * p.k;
    let bRow4 = bBase + min(col0 + 4u, p.n - 1u) * p.k;
    let bRow5 = bBase + min(col0 + 5u, p.n - 1u) * p.k;
    let bRow6 = bBase + min(col0 + 6u, p.n - 1u) * p.k;
    let bRow7 = bBase + min(col0 + 7u, p.n - 1u) * p.k;
    let bRow8 = bBase + min(col0 + 8u, p.n - 1u) * p.k;
    let bRow9 = bBase + min(col0 + 9u, p.n - 1u) * p.k;
    let bRow10 = bBase + min(col0 + 10u, p.n - 1u) * p.k;
    let bRow11 = bBase + min(col0 + 11u, p.n - 1u) * p.k;
    let bRow12 = bBase + min(col0 + 12u, p.n - 1u) * p.k;
    let bRow13 = bBase + min(col0 + 13u, p.n - 1u) * p.k;
    let bRow14 = bBase + min(col0 + 14u, p.n - 1u) * p.k;
    let bRow15 = bBase + min(col0 + 15u, p.n - 1u) * p.k;
    var acc0_0 = vec4f(0.0);
    var acc0_1 = vec4f(0.0);
    var acc0_2 = vec4f(0.0);
    var acc0_3 = vec4f(0.0);
    var acc1_0 = vec4f(0.0);
    var acc1_1 = vec4f(0.0);
    var acc1_2 = vec4f(0.0);
    var acc1_3 = vec4f(0.0);
    var acc2_0 = vec4f(0.0);
    var acc2_1 = vec4f(0.0);
    var acc2_2 = vec4f(0.0);
    var acc2_3 = vec4f(0.0);
    var acc3_0 = vec4f(0.0);
    var acc3_1 = vec4f(0.0);
    var acc3_2 = vec4f(0.0);
    var acc3_3 = vec4f(0.0);
    var acc4_0 = vec4f(0.0);
    var acc4_1 = vec4f(0.0);
    var acc4_2 = vec4f(0.0);
    var acc4_3 = vec4f(0.0);
    var acc5_0 = vec4f(0.0);
    var acc5_1 = vec4f(0.0);
    var acc5_2 = vec4f(0.0);
    var acc5_3 = vec4f(0.0);
    var acc6_0 = vec4f(0.0);
    var acc6_1 = vec4f(0.0);
    var acc6_2 = vec4f(0.0);
    var acc6_3 = vec4f(0.0);
    var acc7_0 = vec4f(0.0);
    var acc7_1 = vec4f(0.0);
    var acc7_2 = vec4f(0.0);
    var acc7_3 = vec4f(0.0);
    var acc8_0 = vec4f(0.0);
    var acc8_1 = vec4f(0.0);
    var acc8_2 = vec4f(0.0);
    var acc8_3 = vec4f(0.0);
    var acc9_0 = vec4f(0.0);
    var acc9_1 = vec4f(0.0);
    var acc9_2 = vec4f(0.0);
    var acc9_3 = vec4f(0.0);
    var acc10_0 = vec4f(0.0);
    var acc10_1 = vec4f(0.0);
    var acc10_2 = vec4f(0.0);
    var acc10_3 = vec4f(0.0);
    var acc11_0 = vec4f(0.0);
    var acc11_1 = vec4f(0.0);
    var acc11_2 = vec4f(0.0);
    var acc11_3 = vec4f(0.0);
    var acc12_0 = vec4f(0.0);
    var acc12_1 = vec4f(0.0);
    var acc12_2 = vec4f(0.0);
    var acc12_3 = vec4f(0.0);
    var acc13_0 = vec4f(0.0);
    var acc13_1 = vec4f(0.0);
    var acc13_2 = vec4f(0.0);
    var acc13_3 = vec4f(0.0);
    var acc14_0 = vec4f(0.0);
    var acc14_1 = vec4f(0.0);
    var acc14_2 = vec4f(0.0);
    var acc14_3 = vec4f(0.0);
    var acc15_0 = vec4f(0.0);
    var acc15_1 = vec4f(0.0);
    var acc15_2 = vec4f(0.0);
    var acc15_3 = vec4f(0.0);
    var k = 0u;
    for (; k + 4u <= p.k; k += 4u) {
      let a0 = a[(aRow0 + k) / 4u];
      let a1 = a[(aRow1 + k) / 4u];
      let a2 = a[(aRow2 + k) / 4u];
      let a3 = a[(aRow3 + k) / 4u];
      let a4 = a[(aRow4 + k) / 4u];
      let a5 = a[(aRow5 + k) / 4u];
      let a6 = a[(aRow6 + k) / 4u];
      let a7 = a[(aRow7 + k) / 4u];
      let a8 = a[(aRow8 + k) / 4u];
      let a9 = a[(aRow9 + k) / 4u];
      let a10 = a[(aRow10 + k) / 4u];
      let a11 = a[(aRow11 + k) / 4u];
      let a12 = a[(aRow12 + k) / 4u];
      let a13 = a[(aRow13 + k) / 4u];
      let a14 = a[(aRow14 + k) / 4u];
      let a15 = a[(aRow15 + k) / 4u];
      let b0 = bSlot0[(bRow0 + k) / 4u];
      let b1 = bSlot0[(bRow1 + k) / 4u];
      let b2 = bSlot0[(bRow2 + k) / 4u];
      let b3 = bSlot0[(bRow3 + k) / 4u];
      let b4 = bSlot0[(bRow4 + k) / 4u];
      let b5 = bSlot0[(bRow5 + k) / 4u];
      let b6 = bSlot0[(bRow6 + k) / 4u];
      let b7 = bSlot0[(bRow7 + k) / 4u];
      let b8 = bSlot0[(bRow8 + k) / 4u];
      let b9 = bSlot0[(bRow9 + k) / 4u];
      let b10 = bSlot0[(bRow10 + k) / 4u];
      let b11 = bSlot0[(bRow11 + k) / 4u];
      let b12 = bSlot0[(bRow12 + k) / 4u];
      let b13 = bSlot0[(bRow13 + k) / 4u];
      let b14 = bSlot0[(bRow14 + k) / 4u];
      let b15 = bSlot0[(bRow15 + k) / 4u];
      acc0_0 += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
      acc0_1 += vec4f(dot(a0, b4), dot(a0, b5), dot(a0, b6), dot(a0, b7));
      acc0_2 += vec4f(dot(a0, b8), dot(a0, b9), dot(a0, b10), dot(a0, b11));
      acc0_3 += vec4f(dot(a0, b12), dot(a0, b13), dot(a0, b14), dot(a0, b15));
      acc1_0 += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
      acc1_1 += vec4f(dot(a1, b4), dot(a1, b5), dot(a1, b6), dot(a1, b7));
      acc1_2 += vec4f(dot(a1, b8), dot(a1, b9), dot(a1, b10), dot(a1, b11));
      acc1_3 += vec4f(dot(a1, b12), dot(a1, b13), dot(a1, b14), dot(a1, b15));
      acc2_0 += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
      acc2_1 += vec4f(dot(a2, b4), dot(a2, b5), dot(a2, b6), dot(a2, b7));
      acc2_2 += vec4f(dot(a2, b8), dot(a2, b9), dot(a2, b10), dot(a2, b11));
      acc2_3 += vec4f(dot(a2, b12), dot(a2, b13), dot(a2, b14), dot(a2, b15));
      acc3_0 += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
      acc3_1 += vec4f(dot(a3, b4), dot(a3, b5), dot(a3, b6), dot(a3, b7));
      acc3_2 += vec4f(dot(a3, b8), dot(a3, b9), dot(a3, b10), dot(a3, b11));
      acc3_3 += vec4f(dot(a3, b12), dot(a3, b13), dot(a3, b14), dot(a3, b15));
      acc4_0 += vec4f(dot(a4, b0), dot(a4, b1), dot(a4, b2), dot(a4, b3));
      acc4_1 += vec4f(dot(a4, b4), dot(a4, b5), dot(a4, b6), dot(a4, b7));
      acc4_2 += vec4f(dot(a4, b8), dot(a4, b9), dot(a4, b10), dot(a4, b11));
      acc4_3 += vec4f(dot(a4, b12), dot(a4, b13), dot(a4, b14), dot(a4, b15));
      acc5_0 += vec4f(dot(a5, b0), dot(a5, b1), dot(a5, b2), dot(a5, b3));
      acc5_1 += vec4f(dot(a5, b4), dot(a5, b5), dot(a5, b6), dot(a5, b7));
      acc5_2 += vec4f(dot(a5, b8), dot(a5, b9), dot(a5, b10), dot(a5, b11));
      acc5_3 += vec4f(dot(a5, b12), dot(a5, b13), dot(a5, b14), dot(a5, b15));
      acc6_0 += vec4f(dot(a6, b0), dot(a6, b1), dot(a6, b2), dot(a6, b3));
      acc6_1 += vec4f(dot(a6, b4), dot(a6, b5), dot(a6, b6), dot(a6, b7));
      acc6_2 += vec4f(dot(a6, b8), dot(a6, b9), dot(a6, b10), dot(a6, b11));
      acc6_3 += vec4f(dot(a6, b12), dot(a6, b13), dot(a6, b14), dot(a6, b15));
      acc7_0 += vec4f(dot(a7, b0), dot(a7, b1), dot(a7, b2), dot(a7, b3));
      acc7_1 += vec4f(dot(a7, b4), dot(a7, b5), dot(a7, b6), dot(a7, b7));
      acc7_2 += vec4f(dot(a7, b8), dot(a7, b9), dot(a7, b10), dot(a7, b11));
      acc7_3 += vec4f(dot(a7, b12), dot(a7, b13), dot(a7, b14), dot(a7, b15));
      acc8_0 += vec4f(dot(a8, b0), dot(a8, b1), dot(a8, b2), dot(a8, b3));
      acc8_1 += vec4f(dot(a8, b4), dot(a8, b5), dot(a8, b6), dot(a8, b7));
      acc8_2 += vec4f(dot(a8, b8), dot(a8, b9), dot(a8, b10), dot(a8, b11));
      acc8_3 += vec4f(dot(a8, b12), dot(a8, b13), dot(a8, b14), dot(a8, b15));
      acc9_0 += vec4f(dot(a9, b0), dot(a9, b1), dot(a9, b2), dot(a9, b3));
      acc9_1 += vec4f(dot(a9, b4), dot(a9, b5), dot(a9, b6), dot(a9, b7));
      acc9_2 += vec4f(dot(a9, b8), dot(a9, b9), dot(a9, b10), dot(a9, b11));
      acc9_3 += vec4f(dot(a9, b12), dot(a9, b13), dot(a9, b14), dot(a9, b15));
      acc10_0 += vec4f(dot(a10, b0), dot(a10, b1), dot(a10, b2), dot(a10, b3));
      acc10_1 += vec4f(dot(a10, b4), dot(a10, b5), dot(a10, b6), dot(a10, b7));
      acc10_2 += vec4f(dot(a10, b8), dot(a10, b9), dot(a10, b10), dot(a10, b11));
      acc10_3 += vec4f(dot(a10, b12), dot(a10, b13), dot(a10, b14), dot(a10, b15));
      acc11_0 += vec4f(dot(a11, b0), dot(a11, b1), dot(a11, b2), dot(a11, b3));
      acc11_1 += vec4f(dot(a11, b4), dot(a11, b5), dot(a11, b6), dot(a11, b7));
      acc11_2 += vec4f(dot(a11, b8), dot(a11, b9), dot(a11, b10), dot(a11, b11));
      acc11_3 += vec4f(dot(a11, b12), dot(a11, b13), dot(a11, b14), dot(a11, b15));
      acc12_0 += vec4f(dot(a12, b0), dot(a12, b1), dot(a12, b2), dot(a12, b3));
      acc12_1 += vec4f(dot(a12, b4), dot(a12, b5), dot(a12, b6), dot(a12, b7));
      acc12_2 += vec4f(dot(a12, b8), dot(a12, b9), dot(a12, b10), dot(a12, b11));
      acc12_3 += vec4f(dot(a12, b12), dot(a12, b13), dot(a12, b14), dot(a12, b15));
      acc13_0 += vec4f(dot(a13, b0), dot(a13, b1), dot(a13, b2), dot(a13, b3));
      acc13_1 += vec4f(dot(a13, b4), dot(a13, b5), dot(a13, b6), dot(a13, b7));
      acc13_2 += vec4f(dot(a13, b8), dot(a13, b9), dot(a13, b10), dot(a13, b11));
      acc13_3 += vec4f(dot(a13, b12), dot(a13, b13), dot(a13, b14), dot(a13, b15));
      acc14_0 += vec4f(dot(a14, b0), dot(a14, b1), dot(a14, b2), dot(a14, b3));
      acc14_1 += vec4f(dot(a14, b4), dot(a14, b5), dot(a14, b6), dot(a14, b7));
      acc14_2 += vec4f(dot(a14, b8), dot(a14, b9), dot(a14, b10), dot(a14, b11));
      acc14_3 += vec4f(dot(a14, b12), dot(a14, b13), dot(a14, b14), dot(a14, b15));
      acc15_0 += vec4f(dot(a15, b0), dot(a15, b1), dot(a15, b2), dot(a15, b3));
      acc15_1 += vec4f(dot(a15, b4), dot(a15, b5), dot(a15, b6), dot(a15, b7));
      acc15_2 += vec4f(dot(a15, b8), dot(a15, b9), dot(a15, b10), dot(a15, b11));
      acc15_3 += vec4f(dot(a15, b12), dot(a15, b13), dot(a15, b14), dot(a15, b15));
    }
    if (row0 < p.m) {
      let rowBase = cBase + row0 * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc0_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc0_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc0_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc0_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 1u < p.m) {
      let rowBase = cBase + (row0 + 1u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc1_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc1_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc1_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc1_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 2u < p.m) {
      let rowBase = cBase + (row0 + 2u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc2_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc2_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc2_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc2_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 3u < p.m) {
      let rowBase = cBase + (row0 + 3u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc3_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc3_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc3_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc3_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 4u < p.m) {
      let rowBase = cBase + (row0 + 4u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc4_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc4_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc4_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc4_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 5u < p.m) {
      let rowBase = cBase + (row0 + 5u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc5_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc5_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc5_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc5_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 6u < p.m) {
      let rowBase = cBase + (row0 + 6u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc6_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc6_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc6_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc6_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 7u < p.m) {
      let rowBase = cBase + (row0 + 7u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc7_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc7_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc7_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc7_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 8u < p.m) {
      let rowBase = cBase + (row0 + 8u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc8_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc8_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc8_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc8_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 9u < p.m) {
      let rowBase = cBase + (row0 + 9u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc9_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc9_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc9_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc9_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 10u < p.m) {
      let rowBase = cBase + (row0 + 10u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc10_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc10_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc10_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc10_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 11u < p.m) {
      let rowBase = cBase + (row0 + 11u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc11_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc11_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc11_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc11_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 12u < p.m) {
      let rowBase = cBase + (row0 + 12u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc12_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc12_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc12_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc12_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 13u < p.m) {
      let rowBase = cBase + (row0 + 13u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc13_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc13_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc13_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc13_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 14u < p.m) {
      let rowBase = cBase + (row0 + 14u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc14_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc14_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc14_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc14_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
    if (row0 + 15u < p.m) {
      let rowBase = cBase + (row0 + 15u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc15_0 + biasSlot0[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc15_1 + biasSlot0[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot0[(rowBase + col0 + 8u) / 4u] = acc15_2 + biasSlot0[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot0[(rowBase + col0 + 12u) / 4u] = acc15_3 + biasSlot0[(col0 + 12u) / 4u]; }
    }
  } else if (batch == 1u) {
    let row0 = m0 + (lid.x / 4u) * 16u;
    let col0 = n0 + (lid.x % 4u) * 16u;
    let aRow0 = aBase + min(row0, p.m - 1u) * p.k;
    let aRow1 = aBase + min(row0 + 1u, p.m - 1u) * p.k;
    let aRow2 = aBase + min(row0 + 2u, p.m - 1u) * p.k;
    let aRow3 = aBase + min(row0 + 3u, p.m - 1u) * p.k;
    let aRow4 = aBase + min(row0 + 4u, p.m - 1u) * p.k;
    let aRow5 = aBase + min(row0 + 5u, p.m - 1u) * p.k;
    let aRow6 = aBase + min(row0 + 6u, p.m - 1u) * p.k;
    let aRow7 = aBase + min(row0 + 7u, p.m - 1u) * p.k;
    let aRow8 = aBase + min(row0 + 8u, p.m - 1u) * p.k;
    let aRow9 = aBase + min(row0 + 9u, p.m - 1u) * p.k;
    let aRow10 = aBase + min(row0 + 10u, p.m - 1u) * p.k;
    let aRow11 = aBase + min(row0 + 11u, p.m - 1u) * p.k;
    let aRow12 = aBase + min(row0 + 12u, p.m - 1u) * p.k;
    let aRow13 = aBase + min(row0 + 13u, p.m - 1u) * p.k;
    let aRow14 = aBase + min(row0 + 14u, p.m - 1u) * p.k;
    let aRow15 = aBase + min(row0 + 15u, p.m - 1u) * p.k;
    let bRow0 = bBase + min(col0, p.n - 1u) * p.k;
    let bRow1 = bBase + min(col0 + 1u, p.n - 1u) * p.k;
    let bRow2 = bBase + min(col0 + 2u, p.n - 1u) * p.k;
    let bRow3 = bBase + min(col0 + 3u, p.n - 1u) * p.k;
    let bRow4 = bBase + min(col0 + 4u, p.n - 1u) * p.k;
    let bRow5 = bBase + min(col0 + 5u, p.n - 1u) * p.k;
    let bRow6 = bBase + min(col0 + 6u, p.n - 1u) * p.k;
    let bRow7 = bBase + min(col0 + 7u, p.n - 1u) * p.k;
    let bRow8 = bBase + min(col0 + 8u, p.n - 1u) * p.k;
    let bRow9 = bBase + min(col0 + 9u, p.n - 1u) * p.k;
    let bRow10 = bBase + min(col0 + 10u, p.n - 1u) * p.k;
    let bRow11 = bBase + min(col0 + 11u, p.n - 1u) * p.k;
    let bRow12 = bBase + min(col0 + 12u, p.n - 1u) * p.k;
    let bRow13 = bBase + min(col0 + 13u, p.n - 1u) * p.k;
    let bRow14 = bBase + min(col0 + 14u, p.n - 1u) * p.k;
    let bRow15 = bBase + min(col0 + 15u, p.n - 1u) * p.k;
    var acc0_0 = vec4f(0.0);
    var acc0_1 = vec4f(0.0);
    var acc0_2 = vec4f(0.0);
    var acc0_3 = vec4f(0.0);
    var acc1_0 = vec4f(0.0);
    var acc1_1 = vec4f(0.0);
    var acc1_2 = vec4f(0.0);
    var acc1_3 = vec4f(0.0);
    var acc2_0 = vec4f(0.0);
    var acc2_1 = vec4f(0.0);
    var acc2_2 = vec4f(0.0);
    var acc2_3 = vec4f(0.0);
    var acc3_0 = vec4f(0.0);
    var acc3_1 = vec4f(0.0);
    var acc3_2 = vec4f(0.0);
    var acc3_3 = vec4f(0.0);
    var acc4_0 = vec4f(0.0);
    var acc4_1 = vec4f(0.0);
    var acc4_2 = vec4f(0.0);
    var acc4_3 = vec4f(0.0);
    var acc5_0 = vec4f(0.0);
    var acc5_1 = vec4f(0.0);
    var acc5_2 = vec4f(0.0);
    var acc5_3 = vec4f(0.0);
    var acc6_0 = vec4f(0.0);
    var acc6_1 = vec4f(0.0);
    var acc6_2 = vec4f(0.0);
    var acc6_3 = vec4f(0.0);
    var acc7_0 = vec4f(0.0);
    var acc7_1 = vec4f(0.0);
    var acc7_2 = vec4f(0.0);
    var acc7_3 = vec4f(0.0);
    var acc8_0 = vec4f(0.0);
    var acc8_1 = vec4f(0.0);
    var acc8_2 = vec4f(0.0);
    var acc8_3 = vec4f(0.0);
    var acc9_0 = vec4f(0.0);
    var acc9_1 = vec4f(0.0);
    var acc9_2 = vec4f(0.0);
    var acc9_3 = vec4f(0.0);
    var acc10_0 = vec4f(0.0);
    var acc10_1 = vec4f(0.0);
    var acc10_2 = vec4f(0.0);
    var acc10_3 = vec4f(0.0);
    var acc11_0 = vec4f(0.0);
    var acc11_1 = vec4f(0.0);
    var acc11_2 = vec4f(0.0);
    var acc11_3 = vec4f(0.0);
    var acc12_0 = vec4f(0.0);
    var acc12_1 = vec4f(0.0);
    var acc12_2 = vec4f(0.0);
    var acc12_3 = vec4f(0.0);
    var acc13_0 = vec4f(0.0);
    var acc13_1 = vec4f(0.0);
    var acc13_2 = vec4f(0.0);
    var acc13_3 = vec4f(0.0);
    var acc14_0 = vec4f(0.0);
    var acc14_1 = vec4f(0.0);
    var acc14_2 = vec4f(0.0);
    var acc14_3 = vec4f(0.0);
    var acc15_0 = vec4f(0.0);
    var acc15_1 = vec4f(0.0);
    var acc15_2 = vec4f(0.0);
    var acc15_3 = vec4f(0.0);
    var k = 0u;
    for (; k + 4u <= p.k; k += 4u) {
      let a0 = a[(aRow0 + k) / 4u];
      let a1 = a[(aRow1 + k) / 4u];
      let a2 = a[(aRow2 + k) / 4u];
      let a3 = a[(aRow3 + k) / 4u];
      let a4 = a[(aRow4 + k) / 4u];
      let a5 = a[(aRow5 + k) / 4u];
      let a6 = a[(aRow6 + k) / 4u];
      let a7 = a[(aRow7 + k) / 4u];
      let a8 = a[(aRow8 + k) / 4u];
      let a9 = a[(aRow9 + k) / 4u];
      let a10 = a[(aRow10 + k) / 4u];
      let a11 = a[(aRow11 + k) / 4u];
      let a12 = a[(aRow12 + k) / 4u];
      let a13 = a[(aRow13 + k) / 4u];
      let a14 = a[(aRow14 + k) / 4u];
      let a15 = a[(aRow15 + k) / 4u];
      let b0 = bSlot1[(bRow0 + k) / 4u];
      let b1 = bSlot1[(bRow1 + k) / 4u];
      let b2 = bSlot1[(bRow2 + k) / 4u];
      let b3 = bSlot1[(bRow3 + k) / 4u];
      let b4 = bSlot1[(bRow4 + k) / 4u];
      let b5 = bSlot1[(bRow5 + k) / 4u];
      let b6 = bSlot1[(bRow6 + k) / 4u];
      let b7 = bSlot1[(bRow7 + k) / 4u];
      let b8 = bSlot1[(bRow8 + k) / 4u];
      let b9 = bSlot1[(bRow9 + k) / 4u];
      let b10 = bSlot1[(bRow10 + k) / 4u];
      let b11 = bSlot1[(bRow11 + k) / 4u];
      let b12 = bSlot1[(bRow12 + k) / 4u];
      let b13 = bSlot1[(bRow13 + k) / 4u];
      let b14 = bSlot1[(bRow14 + k) / 4u];
      let b15 = bSlot1[(bRow15 + k) / 4u];
      acc0_0 += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
      acc0_1 += vec4f(dot(a0, b4), dot(a0, b5), dot(a0, b6), dot(a0, b7));
      acc0_2 += vec4f(dot(a0, b8), dot(a0, b9), dot(a0, b10), dot(a0, b11));
      acc0_3 += vec4f(dot(a0, b12), dot(a0, b13), dot(a0, b14), dot(a0, b15));
      acc1_0 += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
      acc1_1 += vec4f(dot(a1, b4), dot(a1, b5), dot(a1, b6), dot(a1, b7));
      acc1_2 += vec4f(dot(a1, b8), dot(a1, b9), dot(a1, b10), dot(a1, b11));
      acc1_3 += vec4f(dot(a1, b12), dot(a1, b13), dot(a1, b14), dot(a1, b15));
      acc2_0 += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
      acc2_1 += vec4f(dot(a2, b4), dot(a2, b5), dot(a2, b6), dot(a2, b7));
      acc2_2 += vec4f(dot(a2, b8), dot(a2, b9), dot(a2, b10), dot(a2, b11));
      acc2_3 += vec4f(dot(a2, b12), dot(a2, b13), dot(a2, b14), dot(a2, b15));
      acc3_0 += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
      acc3_1 += vec4f(dot(a3, b4), dot(a3, b5), dot(a3, b6), dot(a3, b7));
      acc3_2 += vec4f(dot(a3, b8), dot(a3, b9), dot(a3, b10), dot(a3, b11));
      acc3_3 += vec4f(dot(a3, b12), dot(a3, b13), dot(a3, b14), dot(a3, b15));
      acc4_0 += vec4f(dot(a4, b0), dot(a4, b1), dot(a4, b2), dot(a4, b3));
      acc4_1 += vec4f(dot(a4, b4), dot(a4, b5), dot(a4, b6), dot(a4, b7));
      acc4_2 += vec4f(dot(a4, b8), dot(a4, b9), dot(a4, b10), dot(a4, b11));
      acc4_3 += vec4f(dot(a4, b12), dot(a4, b13), dot(a4, b14), dot(a4, b15));
      acc5_0 += vec4f(dot(a5, b0), dot(a5, b1), dot(a5, b2), dot(a5, b3));
      acc5_1 += vec4f(dot(a5, b4), dot(a5, b5), dot(a5, b6), dot(a5, b7));
      acc5_2 += vec4f(dot(a5, b8), dot(a5, b9), dot(a5, b10), dot(a5, b11));
      acc5_3 += vec4f(dot(a5, b12), dot(a5, b13), dot(a5, b14), dot(a5, b15));
      acc6_0 += vec4f(dot(a6, b0), dot(a6, b1), dot(a6, b2), dot(a6, b3));
      acc6_1 += vec4f(dot(a6, b4), dot(a6, b5), dot(a6, b6), dot(a6, b7));
      acc6_2 += vec4f(dot(a6, b8), dot(a6, b9), dot(a6, b10), dot(a6, b11));
      acc6_3 += vec4f(dot(a6, b12), dot(a6, b13), dot(a6, b14), dot(a6, b15));
      acc7_0 += vec4f(dot(a7, b0), dot(a7, b1), dot(a7, b2), dot(a7, b3));
      acc7_1 += vec4f(dot(a7, b4), dot(a7, b5), dot(a7, b6), dot(a7, b7));
      acc7_2 += vec4f(dot(a7, b8), dot(a7, b9), dot(a7, b10), dot(a7, b11));
      acc7_3 += vec4f(dot(a7, b12), dot(a7, b13), dot(a7, b14), dot(a7, b15));
      acc8_0 += vec4f(dot(a8, b0), dot(a8, b1), dot(a8, b2), dot(a8, b3));
      acc8_1 += vec4f(dot(a8, b4), dot(a8, b5), dot(a8, b6), dot(a8, b7));
      acc8_2 += vec4f(dot(a8, b8), dot(a8, b9), dot(a8, b10), dot(a8, b11));
      acc8_3 += vec4f(dot(a8, b12), dot(a8, b13), dot(a8, b14), dot(a8, b15));
      acc9_0 += vec4f(dot(a9, b0), dot(a9, b1), dot(a9, b2), dot(a9, b3));
      acc9_1 += vec4f(dot(a9, b4), dot(a9, b5), dot(a9, b6), dot(a9, b7));
      acc9_2 += vec4f(dot(a9, b8), dot(a9, b9), dot(a9, b10), dot(a9, b11));
      acc9_3 += vec4f(dot(a9, b12), dot(a9, b13), dot(a9, b14), dot(a9, b15));
      acc10_0 += vec4f(dot(a10, b0), dot(a10, b1), dot(a10, b2), dot(a10, b3));
      acc10_1 += vec4f(dot(a10, b4), dot(a10, b5), dot(a10, b6), dot(a10, b7));
      acc10_2 += vec4f(dot(a10, b8), dot(a10, b9), dot(a10, b10), dot(a10, b11));
      acc10_3 += vec4f(dot(a10, b12), dot(a10, b13), dot(a10, b14), dot(a10, b15));
      acc11_0 += vec4f(dot(a11, b0), dot(a11, b1), dot(a11, b2), dot(a11, b3));
      acc11_1 += vec4f(dot(a11, b4), dot(a11, b5), dot(a11, b6), dot(a11, b7));
      acc11_2 += vec4f(dot(a11, b8), dot(a11, b9), dot(a11, b10), dot(a11, b11));
      acc11_3 += vec4f(dot(a11, b12), dot(a11, b13), dot(a11, b14), dot(a11, b15));
      acc12_0 += vec4f(dot(a12, b0), dot(a12, b1), dot(a12, b2), dot(a12, b3));
      acc12_1 += vec4f(dot(a12, b4), dot(a12, b5), dot(a12, b6), dot(a12, b7));
      acc12_2 += vec4f(dot(a12, b8), dot(a12, b9), dot(a12, b10), dot(a12, b11));
      acc12_3 += vec4f(dot(a12, b12), dot(a12, b13), dot(a12, b14), dot(a12, b15));
      acc13_0 += vec4f(dot(a13, b0), dot(a13, b1), dot(a13, b2), dot(a13, b3));
      acc13_1 += vec4f(dot(a13, b4), dot(a13, b5), dot(a13, b6), dot(a13, b7));
      acc13_2 += vec4f(dot(a13, b8), dot(a13, b9), dot(a13, b10), dot(a13, b11));
      acc13_3 += vec4f(dot(a13, b12), dot(a13, b13), dot(a13, b14), dot(a13, b15));
      acc14_0 += vec4f(dot(a14, b0), dot(a14, b1), dot(a14, b2), dot(a14, b3));
      acc14_1 += vec4f(dot(a14, b4), dot(a14, b5), dot(a14, b6), dot(a14, b7));
      acc14_2 += vec4f(dot(a14, b8), dot(a14, b9), dot(a14, b10), dot(a14, b11));
      acc14_3 += vec4f(dot(a14, b12), dot(a14, b13), dot(a14, b14), dot(a14, b15));
      acc15_0 += vec4f(dot(a15, b0), dot(a15, b1), dot(a15, b2), dot(a15, b3));
      acc15_1 += vec4f(dot(a15, b4), dot(a15, b5), dot(a15, b6), dot(a15, b7));
      acc15_2 += vec4f(dot(a15, b8), dot(a15, b9), dot(a15, b10), dot(a15, b11));
      acc15_3 += vec4f(dot(a15, b12), dot(a15, b13), dot(a15, b14), dot(a15, b15));
    }
    if (row0 < p.m) {
      let rowBase = cBase + row0 * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc0_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc0_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc0_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc0_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 1u < p.m) {
      let rowBase = cBase + (row0 + 1u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc1_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc1_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc1_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc1_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 2u < p.m) {
      let rowBase = cBase + (row0 + 2u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc2_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc2_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc2_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc2_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 3u < p.m) {
      let rowBase = cBase + (row0 + 3u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc3_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc3_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc3_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc3_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 4u < p.m) {
      let rowBase = cBase + (row0 + 4u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc4_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc4_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc4_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc4_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 5u < p.m) {
      let rowBase = cBase + (row0 + 5u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc5_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc5_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc5_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc5_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 6u < p.m) {
      let rowBase = cBase + (row0 + 6u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc6_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc6_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc6_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc6_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 7u < p.m) {
      let rowBase = cBase + (row0 + 7u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc7_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc7_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc7_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc7_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 8u < p.m) {
      let rowBase = cBase + (row0 + 8u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc8_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc8_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc8_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc8_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 9u < p.m) {
      let rowBase = cBase + (row0 + 9u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc9_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc9_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc9_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc9_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 10u < p.m) {
      let rowBase = cBase + (row0 + 10u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc10_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc10_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc10_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc10_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 11u < p.m) {
      let rowBase = cBase + (row0 + 11u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc11_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc11_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc11_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc11_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 12u < p.m) {
      let rowBase = cBase + (row0 + 12u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc12_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc12_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc12_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc12_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 13u < p.m) {
      let rowBase = cBase + (row0 + 13u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc13_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc13_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc13_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc13_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 14u < p.m) {
      let rowBase = cBase + (row0 + 14u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc14_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc14_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc14_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc14_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
    if (row0 + 15u < p.m) {
      let rowBase = cBase + (row0 + 15u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc15_0 + biasSlot1[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc15_1 + biasSlot1[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot1[(rowBase + col0 + 8u) / 4u] = acc15_2 + biasSlot1[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot1[(rowBase + col0 + 12u) / 4u] = acc15_3 + biasSlot1[(col0 + 12u) / 4u]; }
    }
  } else if (batch == 2u) {
    let row0 = m0 + (lid.x / 4u) * 16u;
    let col0 = n0 + (lid.x % 4u) * 16u;
    let aRow0 = aBase + min(row0, p.m - 1u) * p.k;
    let aRow1 = aBase + min(row0 + 1u, p.m - 1u) * p.k;
    let aRow2 = aBase + min(row0 + 2u, p.m - 1u) * p.k;
    let aRow3 = aBase + min(row0 + 3u, p.m - 1u) * p.k;
    let aRow4 = aBase + min(row0 + 4u, p.m - 1u) * p.k;
    let aRow5 = aBase + min(row0 + 5u, p.m - 1u) * p.k;
    let aRow6 = aBase + min(row0 + 6u, p.m - 1u) * p.k;
    let aRow7 = aBase + min(row0 + 7u, p.m - 1u) * p.k;
    let aRow8 = aBase + min(row0 + 8u, p.m - 1u) * p.k;
    let aRow9 = aBase + min(row0 + 9u, p.m - 1u) * p.k;
    let aRow10 = aBase + min(row0 + 10u, p.m - 1u) * p.k;
    let aRow11 = aBase + min(row0 + 11u, p.m - 1u) * p.k;
    let aRow12 = aBase + min(row0 + 12u, p.m - 1u) * p.k;
    let aRow13 = aBase + min(row0 + 13u, p.m - 1u) * p.k;
    let aRow14 = aBase + min(row0 + 14u, p.m - 1u) * p.k;
    let aRow15 = aBase + min(row0 + 15u, p.m - 1u) * p.k;
    let bRow0 = bBase + min(col0, p.n - 1u) * p.k;
    let bRow1 = bBase + min(col0 + 1u, p.n - 1u) * p.k;
    let bRow2 = bBase + min(col0 + 2u, p.n - 1u) * p.k;
    let bRow3 = bBase + min(col0 + 3u, p.n - 1u) * p.k;
    let bRow4 = bBase + min(col0 + 4u, p.n - 1u) * p.k;
    let bRow5 = bBase + min(col0 + 5u, p.n - 1u) * p.k;
    let bRow6 = bBase + min(col0 + 6u, p.n - 1u) * p.k;
    let bRow7 = bBase + min(col0 + 7u, p.n - 1u) * p.k;
    let bRow8 = bBase + min(col0 + 8u, p.n - 1u) * p.k;
    let bRow9 = bBase + min(col0 + 9u, p.n - 1u) * p.k;
    let bRow10 = bBase + min(col0 + 10u, p.n - 1u) * p.k;
    let bRow11 = bBase + min(col0 + 11u, p.n - 1u) * p.k;
    let bRow12 = bBase + min(col0 + 12u, p.n - 1u) * p.k;
    let bRow13 = bBase + min(col0 + 13u, p.n - 1u) * p.k;
    let bRow14 = bBase + min(col0 + 14u, p.n - 1u) * p.k;
    let bRow15 = bBase + min(col0 + 15u, p.n - 1u) * p.k;
    var acc0_0 = vec4f(0.0);
    var acc0_1 = vec4f(0.0);
    var acc0_2 = vec4f(0.0);
    var acc0_3 = vec4f(0.0);
    var acc1_0 = vec4f(0.0);
    var acc1_1 = vec4f(0.0);
    var acc1_2 = vec4f(0.0);
    var acc1_3 = vec4f(0.0);
    var acc2_0 = vec4f(0.0);
    var acc2_1 = vec4f(0.0);
    var acc2_2 = vec4f(0.0);
    var acc2_3 = vec4f(0.0);
    var acc3_0 = vec4f(0.0);
    var acc3_1 = vec4f(0.0);
    var acc3_2 = vec4f(0.0);
    var acc3_3 = vec4f(0.0);
    var acc4_0 = vec4f(0.0);
    var acc4_1 = vec4f(0.0);
    var acc4_2 = vec4f(0.0);
    var acc4_3 = vec4f(0.0);
    var acc5_0 = vec4f(0.0);
    var acc5_1 = vec4f(0.0);
    var acc5_2 = vec4f(0.0);
    var acc5_3 = vec4f(0.0);
    var acc6_0 = vec4f(0.0);
    var acc6_1 = vec4f(0.0);
    var acc6_2 = vec4f(0.0);
    var acc6_3 = vec4f(0.0);
    var acc7_0 = vec4f(0.0);
    var acc7_1 = vec4f(0.0);
    var acc7_2 = vec4f(0.0);
    var acc7_3 = vec4f(0.0);
    var acc8_0 = vec4f(0.0);
    var acc8_1 = vec4f(0.0);
    var acc8_2 = vec4f(0.0);
    var acc8_3 = vec4f(0.0);
    var acc9_0 = vec4f(0.0);
    var acc9_1 = vec4f(0.0);
    var acc9_2 = vec4f(0.0);
    var acc9_3 = vec4f(0.0);
    var acc10_0 = vec4f(0.0);
    var acc10_1 = vec4f(0.0);
    var acc10_2 = vec4f(0.0);
    var acc10_3 = vec4f(0.0);
    var acc11_0 = vec4f(0.0);
    var acc11_1 = vec4f(0.0);
    var acc11_2 = vec4f(0.0);
    var acc11_3 = vec4f(0.0);
    var acc12_0 = vec4f(0.0);
    var acc12_1 = vec4f(0.0);
    var acc12_2 = vec4f(0.0);
    var acc12_3 = vec4f(0.0);
    var acc13_0 = vec4f(0.0);
    var acc13_1 = vec4f(0.0);
    var acc13_2 = vec4f(0.0);
    var acc13_3 = vec4f(0.0);
    var acc14_0 = vec4f(0.0);
    var acc14_1 = vec4f(0.0);
    var acc14_2 = vec4f(0.0);
    var acc14_3 = vec4f(0.0);
    var acc15_0 = vec4f(0.0);
    var acc15_1 = vec4f(0.0);
    var acc15_2 = vec4f(0.0);
    var acc15_3 = vec4f(0.0);
    var k = 0u;
    for (; k + 4u <= p.k; k += 4u) {
      let a0 = a[(aRow0 + k) / 4u];
      let a1 = a[(aRow1 + k) / 4u];
      let a2 = a[(aRow2 + k) / 4u];
      let a3 = a[(aRow3 + k) / 4u];
      let a4 = a[(aRow4 + k) / 4u];
      let a5 = a[(aRow5 + k) / 4u];
      let a6 = a[(aRow6 + k) / 4u];
      let a7 = a[(aRow7 + k) / 4u];
      let a8 = a[(aRow8 + k) / 4u];
      let a9 = a[(aRow9 + k) / 4u];
      let a10 = a[(aRow10 + k) / 4u];
      let a11 = a[(aRow11 + k) / 4u];
      let a12 = a[(aRow12 + k) / 4u];
      let a13 = a[(aRow13 + k) / 4u];
      let a14 = a[(aRow14 + k) / 4u];
      let a15 = a[(aRow15 + k) / 4u];
      let b0 = bSlot2[(bRow0 + k) / 4u];
      let b1 = bSlot2[(bRow1 + k) / 4u];
      let b2 = bSlot2[(bRow2 + k) / 4u];
      let b3 = bSlot2[(bRow3 + k) / 4u];
      let b4 = bSlot2[(bRow4 + k) / 4u];
      let b5 = bSlot2[(bRow5 + k) / 4u];
      let b6 = bSlot2[(bRow6 + k) / 4u];
      let b7 = bSlot2[(bRow7 + k) / 4u];
      let b8 = bSlot2[(bRow8 + k) / 4u];
      let b9 = bSlot2[(bRow9 + k) / 4u];
      let b10 = bSlot2[(bRow10 + k) / 4u];
      let b11 = bSlot2[(bRow11 + k) / 4u];
      let b12 = bSlot2[(bRow12 + k) / 4u];
      let b13 = bSlot2[(bRow13 + k) / 4u];
      let b14 = bSlot2[(bRow14 + k) / 4u];
      let b15 = bSlot2[(bRow15 + k) / 4u];
      acc0_0 += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
      acc0_1 += vec4f(dot(a0, b4), dot(a0, b5), dot(a0, b6), dot(a0, b7));
      acc0_2 += vec4f(dot(a0, b8), dot(a0, b9), dot(a0, b10), dot(a0, b11));
      acc0_3 += vec4f(dot(a0, b12), dot(a0, b13), dot(a0, b14), dot(a0, b15));
      acc1_0 += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
      acc1_1 += vec4f(dot(a1, b4), dot(a1, b5), dot(a1, b6), dot(a1, b7));
      acc1_2 += vec4f(dot(a1, b8), dot(a1, b9), dot(a1, b10), dot(a1, b11));
      acc1_3 += vec4f(dot(a1, b12), dot(a1, b13), dot(a1, b14), dot(a1, b15));
      acc2_0 += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
      acc2_1 += vec4f(dot(a2, b4), dot(a2, b5), dot(a2, b6), dot(a2, b7));
      acc2_2 += vec4f(dot(a2, b8), dot(a2, b9), dot(a2, b10), dot(a2, b11));
      acc2_3 += vec4f(dot(a2, b12), dot(a2, b13), dot(a2, b14), dot(a2, b15));
      acc3_0 += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
      acc3_1 += vec4f(dot(a3, b4), dot(a3, b5), dot(a3, b6), dot(a3, b7));
      acc3_2 += vec4f(dot(a3, b8), dot(a3, b9), dot(a3, b10), dot(a3, b11));
      acc3_3 += vec4f(dot(a3, b12), dot(a3, b13), dot(a3, b14), dot(a3, b15));
      acc4_0 += vec4f(dot(a4, b0), dot(a4, b1), dot(a4, b2), dot(a4, b3));
      acc4_1 += vec4f(dot(a4, b4), dot(a4, b5), dot(a4, b6), dot(a4, b7));
      acc4_2 += vec4f(dot(a4, b8), dot(a4, b9), dot(a4, b10), dot(a4, b11));
      acc4_3 += vec4f(dot(a4, b12), dot(a4, b13), dot(a4, b14), dot(a4, b15));
      acc5_0 += vec4f(dot(a5, b0), dot(a5, b1), dot(a5, b2), dot(a5, b3));
      acc5_1 += vec4f(dot(a5, b4), dot(a5, b5), dot(a5, b6), dot(a5, b7));
      acc5_2 += vec4f(dot(a5, b8), dot(a5, b9), dot(a5, b10), dot(a5, b11));
      acc5_3 += vec4f(dot(a5, b12), dot(a5, b13), dot(a5, b14), dot(a5, b15));
      acc6_0 += vec4f(dot(a6, b0), dot(a6, b1), dot(a6, b2), dot(a6, b3));
      acc6_1 += vec4f(dot(a6, b4), dot(a6, b5), dot(a6, b6), dot(a6, b7));
      acc6_2 += vec4f(dot(a6, b8), dot(a6, b9), dot(a6, b10), dot(a6, b11));
      acc6_3 += vec4f(dot(a6, b12), dot(a6, b13), dot(a6, b14), dot(a6, b15));
      acc7_0 += vec4f(dot(a7, b0), dot(a7, b1), dot(a7, b2), dot(a7, b3));
      acc7_1 += vec4f(dot(a7, b4), dot(a7, b5), dot(a7, b6), dot(a7, b7));
      acc7_2 += vec4f(dot(a7, b8), dot(a7, b9), dot(a7, b10), dot(a7, b11));
      acc7_3 += vec4f(dot(a7, b12), dot(a7, b13), dot(a7, b14), dot(a7, b15));
      acc8_0 += vec4f(dot(a8, b0), dot(a8, b1), dot(a8, b2), dot(a8, b3));
      acc8_1 += vec4f(dot(a8, b4), dot(a8, b5), dot(a8, b6), dot(a8, b7));
      acc8_2 += vec4f(dot(a8, b8), dot(a8, b9), dot(a8, b10), dot(a8, b11));
      acc8_3 += vec4f(dot(a8, b12), dot(a8, b13), dot(a8, b14), dot(a8, b15));
      acc9_0 += vec4f(dot(a9, b0), dot(a9, b1), dot(a9, b2), dot(a9, b3));
      acc9_1 += vec4f(dot(a9, b4), dot(a9, b5), dot(a9, b6), dot(a9, b7));
      acc9_2 += vec4f(dot(a9, b8), dot(a9, b9), dot(a9, b10), dot(a9, b11));
      acc9_3 += vec4f(dot(a9, b12), dot(a9, b13), dot(a9, b14), dot(a9, b15));
      acc10_0 += vec4f(dot(a10, b0), dot(a10, b1), dot(a10, b2), dot(a10, b3));
      acc10_1 += vec4f(dot(a10, b4), dot(a10, b5), dot(a10, b6), dot(a10, b7));
      acc10_2 += vec4f(dot(a10, b8), dot(a10, b9), dot(a10, b10), dot(a10, b11));
      acc10_3 += vec4f(dot(a10, b12), dot(a10, b13), dot(a10, b14), dot(a10, b15));
      acc11_0 += vec4f(dot(a11, b0), dot(a11, b1), dot(a11, b2), dot(a11, b3));
      acc11_1 += vec4f(dot(a11, b4), dot(a11, b5), dot(a11, b6), dot(a11, b7));
      acc11_2 += vec4f(dot(a11, b8), dot(a11, b9), dot(a11, b10), dot(a11, b11));
      acc11_3 += vec4f(dot(a11, b12), dot(a11, b13), dot(a11, b14), dot(a11, b15));
      acc12_0 += vec4f(dot(a12, b0), dot(a12, b1), dot(a12, b2), dot(a12, b3));
      acc12_1 += vec4f(dot(a12, b4), dot(a12, b5), dot(a12, b6), dot(a12, b7));
      acc12_2 += vec4f(dot(a12, b8), dot(a12, b9), dot(a12, b10), dot(a12, b11));
      acc12_3 += vec4f(dot(a12, b12), dot(a12, b13), dot(a12, b14), dot(a12, b15));
      acc13_0 += vec4f(dot(a13, b0), dot(a13, b1), dot(a13, b2), dot(a13, b3));
      acc13_1 += vec4f(dot(a13, b4), dot(a13, b5), dot(a13, b6), dot(a13, b7));
      acc13_2 += vec4f(dot(a13, b8), dot(a13, b9), dot(a13, b10), dot(a13, b11));
      acc13_3 += vec4f(dot(a13, b12), dot(a13, b13), dot(a13, b14), dot(a13, b15));
      acc14_0 += vec4f(dot(a14, b0), dot(a14, b1), dot(a14, b2), dot(a14, b3));
      acc14_1 += vec4f(dot(a14, b4), dot(a14, b5), dot(a14, b6), dot(a14, b7));
      acc14_2 += vec4f(dot(a14, b8), dot(a14, b9), dot(a14, b10), dot(a14, b11));
      acc14_3 += vec4f(dot(a14, b12), dot(a14, b13), dot(a14, b14), dot(a14, b15));
      acc15_0 += vec4f(dot(a15, b0), dot(a15, b1), dot(a15, b2), dot(a15, b3));
      acc15_1 += vec4f(dot(a15, b4), dot(a15, b5), dot(a15, b6), dot(a15, b7));
      acc15_2 += vec4f(dot(a15, b8), dot(a15, b9), dot(a15, b10), dot(a15, b11));
      acc15_3 += vec4f(dot(a15, b12), dot(a15, b13), dot(a15, b14), dot(a15, b15));
    }
    if (row0 < p.m) {
      let rowBase = cBase + row0 * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc0_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc0_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc0_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc0_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 1u < p.m) {
      let rowBase = cBase + (row0 + 1u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc1_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc1_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc1_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc1_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 2u < p.m) {
      let rowBase = cBase + (row0 + 2u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc2_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc2_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc2_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc2_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 3u < p.m) {
      let rowBase = cBase + (row0 + 3u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc3_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc3_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc3_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc3_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 4u < p.m) {
      let rowBase = cBase + (row0 + 4u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc4_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc4_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc4_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc4_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 5u < p.m) {
      let rowBase = cBase + (row0 + 5u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc5_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc5_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc5_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc5_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 6u < p.m) {
      let rowBase = cBase + (row0 + 6u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc6_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc6_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc6_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc6_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 7u < p.m) {
      let rowBase = cBase + (row0 + 7u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc7_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc7_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc7_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc7_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 8u < p.m) {
      let rowBase = cBase + (row0 + 8u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc8_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc8_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc8_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc8_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 9u < p.m) {
      let rowBase = cBase + (row0 + 9u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc9_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc9_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc9_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc9_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 10u < p.m) {
      let rowBase = cBase + (row0 + 10u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc10_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc10_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc10_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc10_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 11u < p.m) {
      let rowBase = cBase + (row0 + 11u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc11_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc11_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc11_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc11_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 12u < p.m) {
      let rowBase = cBase + (row0 + 12u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc12_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc12_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc12_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc12_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 13u < p.m) {
      let rowBase = cBase + (row0 + 13u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc13_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc13_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc13_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc13_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 14u < p.m) {
      let rowBase = cBase + (row0 + 14u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc14_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc14_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc14_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc14_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
    if (row0 + 15u < p.m) {
      let rowBase = cBase + (row0 + 15u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc15_0 + biasSlot2[col0 / 4u]; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc15_1 + biasSlot2[(col0 + 4u) / 4u]; }
      if (col0 + 8u < p.n) { cSlot2[(rowBase + col0 + 8u) / 4u] = acc15_2 + biasSlot2[(col0 + 8u) / 4u]; }
      if (col0 + 12u < p.n) { cSlot2[(rowBase + col0 + 12u) / 4u] = acc15_3 + biasSlot2[(col0 + 12u) / 4u]; }
    }
  }
}
