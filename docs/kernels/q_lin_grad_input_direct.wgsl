// q_lin_grad_input_direct: q_lin's backward for x: dX = G · W (`linear`'s backward); variant 4, the kernel llvmpipe runs.
// Kernel matmul_direct_nn_16x16_2x4_vvv at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12, 128, 1], uniforms m=4096 n=768 k=768 strideA=3145728 strideB=589824 mFolds=1.
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


@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * 32u;
  if (m0 >= p.m) { return; }
  let n0 = wid.x * 64u;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  let cBase = batch * p.m * p.n;
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
  let bCol0 = min(col0, p.n - 4u);
  let bCol4 = min(col0 + 4u, p.n - 4u);
  let bCol8 = min(col0 + 8u, p.n - 4u);
  let bCol12 = min(col0 + 12u, p.n - 4u);
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
    let b0_0 = b[(bBase + k * p.n + bCol0) / 4u];
    let b0_1 = b[(bBase + k * p.n + bCol4) / 4u];
    let b0_2 = b[(bBase + k * p.n + bCol8) / 4u];
    let b0_3 = b[(bBase + k * p.n + bCol12) / 4u];
    let b1_0 = b[(bBase + (k + 1u) * p.n + bCol0) / 4u];
    let b1_1 = b[(bBase + (k + 1u) * p.n + bCol4) / 4u];
    let b1_2 = b[(bBase + (k + 1u) * p.n + bCol8) / 4u];
    let b1_3 = b[(bBase + (k + 1u) * p.n + bCol12) / 4u];
    let b2_0 = b[(bBase + (k + 2u) * p.n + bCol0) / 4u];
    let b2_1 = b[(bBase + (k + 2u) * p.n + bCol4) / 4u];
    let b2_2 = b[(bBase + (k + 2u) * p.n + bCol8) / 4u];
    let b2_3 = b[(bBase + (k + 2u) * p.n + bCol12) / 4u];
    let b3_0 = b[(bBase + (k + 3u) * p.n + bCol0) / 4u];
    let b3_1 = b[(bBase + (k + 3u) * p.n + bCol4) / 4u];
    let b3_2 = b[(bBase + (k + 3u) * p.n + bCol8) / 4u];
    let b3_3 = b[(bBase + (k + 3u) * p.n + bCol12) / 4u];
    acc0_0 += a0.x * b0_0;
    acc0_0 += a0.y * b1_0;
    acc0_0 += a0.z * b2_0;
    acc0_0 += a0.w * b3_0;
    acc0_1 += a0.x * b0_1;
    acc0_1 += a0.y * b1_1;
    acc0_1 += a0.z * b2_1;
    acc0_1 += a0.w * b3_1;
    acc0_2 += a0.x * b0_2;
    acc0_2 += a0.y * b1_2;
    acc0_2 += a0.z * b2_2;
    acc0_2 += a0.w * b3_2;
    acc0_3 += a0.x * b0_3;
    acc0_3 += a0.y * b1_3;
    acc0_3 += a0.z * b2_3;
    acc0_3 += a0.w * b3_3;
    acc1_0 += a1.x * b0_0;
    acc1_0 += a1.y * b1_0;
    acc1_0 += a1.z * b2_0;
    acc1_0 += a1.w * b3_0;
    acc1_1 += a1.x * b0_1;
    acc1_1 += a1.y * b1_1;
    acc1_1 += a1.z * b2_1;
    acc1_1 += a1.w * b3_1;
    acc1_2 += a1.x * b0_2;
    acc1_2 += a1.y * b1_2;
    acc1_2 += a1.z * b2_2;
    acc1_2 += a1.w * b3_2;
    acc1_3 += a1.x * b0_3;
    acc1_3 += a1.y * b1_3;
    acc1_3 += a1.z * b2_3;
    acc1_3 += a1.w * b3_3;
    acc2_0 += a2.x * b0_0;
    acc2_0 += a2.y * b1_0;
    acc2_0 += a2.z * b2_0;
    acc2_0 += a2.w * b3_0;
    acc2_1 += a2.x * b0_1;
    acc2_1 += a2.y * b1_1;
    acc2_1 += a2.z * b2_1;
    acc2_1 += a2.w * b3_1;
    acc2_2 += a2.x * b0_2;
    acc2_2 += a2.y * b1_2;
    acc2_2 += a2.z * b2_2;
    acc2_2 += a2.w * b3_2;
    acc2_3 += a2.x * b0_3;
    acc2_3 += a2.y * b1_3;
    acc2_3 += a2.z * b2_3;
    acc2_3 += a2.w * b3_3;
    acc3_0 += a3.x * b0_0;
    acc3_0 += a3.y * b1_0;
    acc3_0 += a3.z * b2_0;
    acc3_0 += a3.w * b3_0;
    acc3_1 += a3.x * b0_1;
    acc3_1 += a3.y * b1_1;
    acc3_1 += a3.z * b2_1;
    acc3_1 += a3.w * b3_1;
    acc3_2 += a3.x * b0_2;
    acc3_2 += a3.y * b1_2;
    acc3_2 += a3.z * b2_2;
    acc3_2 += a3.w * b3_2;
    acc3_3 += a3.x * b0_3;
    acc3_3 += a3.y * b1_3;
    acc3_3 += a3.z * b2_3;
    acc3_3 += a3.w * b3_3;
    acc4_0 += a4.x * b0_0;
    acc4_0 += a4.y * b1_0;
    acc4_0 += a4.z * b2_0;
    acc4_0 += a4.w * b3_0;
    acc4_1 += a4.x * b0_1;
    acc4_1 += a4.y * b1_1;
    acc4_1 += a4.z * b2_1;
    acc4_1 += a4.w * b3_1;
    acc4_2 += a4.x * b0_2;
    acc4_2 += a4.y * b1_2;
    acc4_2 += a4.z * b2_2;
    acc4_2 += a4.w * b3_2;
    acc4_3 += a4.x * b0_3;
    acc4_3 += a4.y * b1_3;
    acc4_3 += a4.z * b2_3;
    acc4_3 += a4.w * b3_3;
    acc5_0 += a5.x * b0_0;
    acc5_0 += a5.y * b1_0;
    acc5_0 += a5.z * b2_0;
    acc5_0 += a5.w * b3_0;
    acc5_1 += a5.x * b0_1;
    acc5_1 += a5.y * b1_1;
    acc5_1 += a5.z * b2_1;
    acc5_1 += a5.w * b3_1;
    acc5_2 += a5.x * b0_2;
    acc5_2 += a5.y * b1_2;
    acc5_2 += a5.z * b2_2;
    acc5_2 += a5.w * b3_2;
    acc5_3 += a5.x * b0_3;
    acc5_3 += a5.y * b1_3;
    acc5_3 += a5.z * b2_3;
    acc5_3 += a5.w * b3_3;
    acc6_0 += a6.x * b0_0;
    acc6_0 += a6.y * b1_0;
    acc6_0 += a6.z * b2_0;
    acc6_0 += a6.w * b3_0;
    acc6_1 += a6.x * b0_1;
    acc6_1 += a6.y * b1_1;
    acc6_1 += a6.z * b2_1;
    acc6_1 += a6.w * b3_1;
    acc6_2 += a6.x * b0_2;
    acc6_2 += a6.y * b1_2;
    acc6_2 += a6.z * b2_2;
    acc6_2 += a6.w * b3_2;
    acc6_3 += a6.x * b0_3;
    acc6_3 += a6.y * b1_3;
    acc6_3 += a6.z * b2_3;
    acc6_3 += a6.w * b3_3;
    acc7_0 += a7.x * b0_0;
    acc7_0 += a7.y * b1_0;
    acc7_0 += a7.z * b2_0;
    acc7_0 += a7.w * b3_0;
    acc7_1 += a7.x * b0_1;
    acc7_1 += a7.y * b1_1;
    acc7_1 += a7.z * b2_1;
    acc7_1 += a7.w * b3_1;
    acc7_2 += a7.x * b0_2;
    acc7_2 += a7.y * b1_2;
    acc7_2 += a7.z * b2_2;
    acc7_2 += a7.w * b3_2;
    acc7_3 += a7.x * b0_3;
    acc7_3 += a7.y * b1_3;
    acc7_3 += a7.z * b2_3;
    acc7_3 += a7.w * b3_3;
    acc8_0 += a8.x * b0_0;
    acc8_0 += a8.y * b1_0;
    acc8_0 += a8.z * b2_0;
    acc8_0 += a8.w * b3_0;
    acc8_1 += a8.x * b0_1;
    acc8_1 += a8.y * b1_1;
    acc8_1 += a8.z * b2_1;
    acc8_1 += a8.w * b3_1;
    acc8_2 += a8.x * b0_2;
    acc8_2 += a8.y * b1_2;
    acc8_2 += a8.z * b2_2;
    acc8_2 += a8.w * b3_2;
    acc8_3 += a8.x * b0_3;
    acc8_3 += a8.y * b1_3;
    acc8_3 += a8.z * b2_3;
    acc8_3 += a8.w * b3_3;
    acc9_0 += a9.x * b0_0;
    acc9_0 += a9.y * b1_0;
    acc9_0 += a9.z * b2_0;
    acc9_0 += a9.w * b3_0;
    acc9_1 += a9.x * b0_1;
    acc9_1 += a9.y * b1_1;
    acc9_1 += a9.z * b2_1;
    acc9_1 += a9.w * b3_1;
    acc9_2 += a9.x * b0_2;
    acc9_2 += a9.y * b1_2;
    acc9_2 += a9.z * b2_2;
    acc9_2 += a9.w * b3_2;
    acc9_3 += a9.x * b0_3;
    acc9_3 += a9.y * b1_3;
    acc9_3 += a9.z * b2_3;
    acc9_3 += a9.w * b3_3;
    acc10_0 += a10.x * b0_0;
    acc10_0 += a10.y * b1_0;
    acc10_0 += a10.z * b2_0;
    acc10_0 += a10.w * b3_0;
    acc10_1 += a10.x * b0_1;
    acc10_1 += a10.y * b1_1;
    acc10_1 += a10.z * b2_1;
    acc10_1 += a10.w * b3_1;
    acc10_2 += a10.x * b0_2;
    acc10_2 += a10.y * b1_2;
    acc10_2 += a10.z * b2_2;
    acc10_2 += a10.w * b3_2;
    acc10_3 += a10.x * b0_3;
    acc10_3 += a10.y * b1_3;
    acc10_3 += a10.z * b2_3;
    acc10_3 += a10.w * b3_3;
    acc11_0 += a11.x * b0_0;
    acc11_0 += a11.y * b1_0;
    acc11_0 += a11.z * b2_0;
    acc11_0 += a11.w * b3_0;
    acc11_1 += a11.x * b0_1;
    acc11_1 += a11.y * b1_1;
    acc11_1 += a11.z * b2_1;
    acc11_1 += a11.w * b3_1;
    acc11_2 += a11.x * b0_2;
    acc11_2 += a11.y * b1_2;
    acc11_2 += a11.z * b2_2;
    acc11_2 += a11.w * b3_2;
    acc11_3 += a11.x * b0_3;
    acc11_3 += a11.y * b1_3;
    acc11_3 += a11.z * b2_3;
    acc11_3 += a11.w * b3_3;
    acc12_0 += a12.x * b0_0;
    acc12_0 += a12.y * b1_0;
    acc12_0 += a12.z * b2_0;
    acc12_0 += a12.w * b3_0;
    acc12_1 += a12.x * b0_1;
    acc12_1 += a12.y * b1_1;
    acc12_1 += a12.z * b2_1;
    acc12_1 += a12.w * b3_1;
    acc12_2 += a12.x * b0_2;
    acc12_2 += a12.y * b1_2;
    acc12_2 += a12.z * b2_2;
    acc12_2 += a12.w * b3_2;
    acc12_3 += a12.x * b0_3;
    acc12_3 += a12.y * b1_3;
    acc12_3 += a12.z * b2_3;
    acc12_3 += a12.w * b3_3;
    acc13_0 += a13.x * b0_0;
    acc13_0 += a13.y * b1_0;
    acc13_0 += a13.z * b2_0;
    acc13_0 += a13.w * b3_0;
    acc13_1 += a13.x * b0_1;
    acc13_1 += a13.y * b1_1;
    acc13_1 += a13.z * b2_1;
    acc13_1 += a13.w * b3_1;
    acc13_2 += a13.x * b0_2;
    acc13_2 += a13.y * b1_2;
    acc13_2 += a13.z * b2_2;
    acc13_2 += a13.w * b3_2;
    acc13_3 += a13.x * b0_3;
    acc13_3 += a13.y * b1_3;
    acc13_3 += a13.z * b2_3;
    acc13_3 += a13.w * b3_3;
    acc14_0 += a14.x * b0_0;
    acc14_0 += a14.y * b1_0;
    acc14_0 += a14.z * b2_0;
    acc14_0 += a14.w * b3_0;
    acc14_1 += a14.x * b0_1;
    acc14_1 += a14.y * b1_1;
    acc14_1 += a14.z * b2_1;
    acc14_1 += a14.w * b3_1;
    acc14_2 += a14.x * b0_2;
    acc14_2 += a14.y * b1_2;
    acc14_2 += a14.z * b2_2;
    acc14_2 += a14.w * b3_2;
    acc14_3 += a14.x * b0_3;
    acc14_3 += a14.y * b1_3;
    acc14_3 += a14.z * b2_3;
    acc14_3 += a14.w * b3_3;
    acc15_0 += a15.x * b0_0;
    acc15_0 += a15.y * b1_0;
    acc15_0 += a15.z * b2_0;
    acc15_0 += a15.w * b3_0;
    acc15_1 += a15.x * b0_1;
    acc15_1 += a15.y * b1_1;
    acc15_1 += a15.z * b2_1;
    acc15_1 += a15.w * b3_1;
    acc15_2 += a15.x * b0_2;
    acc15_2 += a15.y * b1_2;
    acc15_2 += a15.z * b2_2;
    acc15_2 += a15.w * b3_2;
    acc15_3 += a15.x * b0_3;
    acc15_3 += a15.y * b1_3;
    acc15_3 += a15.z * b2_3;
    acc15_3 += a15.w * b3_3;
  }
  if (row0 < p.m) {
    let rowBase = cBase + row0 * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc0_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc0_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc0_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc0_3; }
  }
  if (row0 + 1u < p.m) {
    let rowBase = cBase + (row0 + 1u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc1_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc1_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc1_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc1_3; }
  }
  if (row0 + 2u < p.m) {
    let rowBase = cBase + (row0 + 2u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc2_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc2_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc2_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc2_3; }
  }
  if (row0 + 3u < p.m) {
    let rowBase = cBase + (row0 + 3u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc3_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc3_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc3_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc3_3; }
  }
  if (row0 + 4u < p.m) {
    let rowBase = cBase + (row0 + 4u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc4_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc4_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc4_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc4_3; }
  }
  if (row0 + 5u < p.m) {
    let rowBase = cBase + (row0 + 5u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc5_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc5_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc5_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc5_3; }
  }
  if (row0 + 6u < p.m) {
    let rowBase = cBase + (row0 + 6u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc6_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc6_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc6_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc6_3; }
  }
  if (row0 + 7u < p.m) {
    let rowBase = cBase + (row0 + 7u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc7_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc7_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc7_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc7_3; }
  }
  if (row0 + 8u < p.m) {
    let rowBase = cBase + (row0 + 8u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc8_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc8_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc8_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc8_3; }
  }
  if (row0 + 9u < p.m) {
    let rowBase = cBase + (row0 + 9u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc9_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc9_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc9_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc9_3; }
  }
  if (row0 + 10u < p.m) {
    let rowBase = cBase + (row0 + 10u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc10_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc10_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc10_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc10_3; }
  }
  if (row0 + 11u < p.m) {
    let rowBase = cBase + (row0 + 11u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc11_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc11_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc11_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc11_3; }
  }
  if (row0 + 12u < p.m) {
    let rowBase = cBase + (row0 + 12u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc12_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc12_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc12_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc12_3; }
  }
  if (row0 + 13u < p.m) {
    let rowBase = cBase + (row0 + 13u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc13_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc13_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc13_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc13_3; }
  }
  if (row0 + 14u < p.m) {
    let rowBase = cBase + (row0 + 14u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc14_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc14_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc14_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc14_3; }
  }
  if (row0 + 15u < p.m) {
    let rowBase = cBase + (row0 + 15u) * p.n;
    if (col0 < p.n) { c[(rowBase + col0) / 4u] = acc15_0; }
    if (col0 + 4u < p.n) { c[(rowBase + col0 + 4u) / 4u] = acc15_1; }
    if (col0 + 8u < p.n) { c[(rowBase + col0 + 8u) / 4u] = acc15_2; }
    if (col0 + 12u < p.n) { c[(rowBase + col0 + 12u) / 4u] = acc15_3; }
  }
}
