// q_lin_grad_weight_direct: q_lin's backward for W: dW = Gᵀ · X (`linear`'s backward); variant 4, the kernel llvmpipe runs.
// Kernel matmul_direct_tn_16x16_2x4_vvv at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12, 24, 1], uniforms m=768 n=768 k=4096 strideA=3145728 strideB=3145728 mFolds=1.
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
  let aCol0 = min(row0, p.m - 4u);
  let aCol4 = min(row0 + 4u, p.m - 4u);
  let aCol8 = min(row0 + 8u, p.m - 4u);
  let aCol12 = min(row0 + 12u, p.m - 4u);
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
    let a0_0 = a[(aBase + k * p.m + aCol0) / 4u];
    let a0_1 = a[(aBase + k * p.m + aCol4) / 4u];
    let a0_2 = a[(aBase + k * p.m + aCol8) / 4u];
    let a0_3 = a[(aBase + k * p.m + aCol12) / 4u];
    let a1_0 = a[(aBase + (k + 1u) * p.m + aCol0) / 4u];
    let a1_1 = a[(aBase + (k + 1u) * p.m + aCol4) / 4u];
    let a1_2 = a[(aBase + (k + 1u) * p.m + aCol8) / 4u];
    let a1_3 = a[(aBase + (k + 1u) * p.m + aCol12) / 4u];
    let a2_0 = a[(aBase + (k + 2u) * p.m + aCol0) / 4u];
    let a2_1 = a[(aBase + (k + 2u) * p.m + aCol4) / 4u];
    let a2_2 = a[(aBase + (k + 2u) * p.m + aCol8) / 4u];
    let a2_3 = a[(aBase + (k + 2u) * p.m + aCol12) / 4u];
    let a3_0 = a[(aBase + (k + 3u) * p.m + aCol0) / 4u];
    let a3_1 = a[(aBase + (k + 3u) * p.m + aCol4) / 4u];
    let a3_2 = a[(aBase + (k + 3u) * p.m + aCol8) / 4u];
    let a3_3 = a[(aBase + (k + 3u) * p.m + aCol12) / 4u];
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
    acc0_0 += a0_0.x * b0_0;
    acc0_0 += a1_0.x * b1_0;
    acc0_0 += a2_0.x * b2_0;
    acc0_0 += a3_0.x * b3_0;
    acc0_1 += a0_0.x * b0_1;
    acc0_1 += a1_0.x * b1_1;
    acc0_1 += a2_0.x * b2_1;
    acc0_1 += a3_0.x * b3_1;
    acc0_2 += a0_0.x * b0_2;
    acc0_2 += a1_0.x * b1_2;
    acc0_2 += a2_0.x * b2_2;
    acc0_2 += a3_0.x * b3_2;
    acc0_3 += a0_0.x * b0_3;
    acc0_3 += a1_0.x * b1_3;
    acc0_3 += a2_0.x * b2_3;
    acc0_3 += a3_0.x * b3_3;
    acc1_0 += a0_0.y * b0_0;
    acc1_0 += a1_0.y * b1_0;
    acc1_0 += a2_0.y * b2_0;
    acc1_0 += a3_0.y * b3_0;
    acc1_1 += a0_0.y * b0_1;
    acc1_1 += a1_0.y * b1_1;
    acc1_1 += a2_0.y * b2_1;
    acc1_1 += a3_0.y * b3_1;
    acc1_2 += a0_0.y * b0_2;
    acc1_2 += a1_0.y * b1_2;
    acc1_2 += a2_0.y * b2_2;
    acc1_2 += a3_0.y * b3_2;
    acc1_3 += a0_0.y * b0_3;
    acc1_3 += a1_0.y * b1_3;
    acc1_3 += a2_0.y * b2_3;
    acc1_3 += a3_0.y * b3_3;
    acc2_0 += a0_0.z * b0_0;
    acc2_0 += a1_0.z * b1_0;
    acc2_0 += a2_0.z * b2_0;
    acc2_0 += a3_0.z * b3_0;
    acc2_1 += a0_0.z * b0_1;
    acc2_1 += a1_0.z * b1_1;
    acc2_1 += a2_0.z * b2_1;
    acc2_1 += a3_0.z * b3_1;
    acc2_2 += a0_0.z * b0_2;
    acc2_2 += a1_0.z * b1_2;
    acc2_2 += a2_0.z * b2_2;
    acc2_2 += a3_0.z * b3_2;
    acc2_3 += a0_0.z * b0_3;
    acc2_3 += a1_0.z * b1_3;
    acc2_3 += a2_0.z * b2_3;
    acc2_3 += a3_0.z * b3_3;
    acc3_0 += a0_0.w * b0_0;
    acc3_0 += a1_0.w * b1_0;
    acc3_0 += a2_0.w * b2_0;
    acc3_0 += a3_0.w * b3_0;
    acc3_1 += a0_0.w * b0_1;
    acc3_1 += a1_0.w * b1_1;
    acc3_1 += a2_0.w * b2_1;
    acc3_1 += a3_0.w * b3_1;
    acc3_2 += a0_0.w * b0_2;
    acc3_2 += a1_0.w * b1_2;
    acc3_2 += a2_0.w * b2_2;
    acc3_2 += a3_0.w * b3_2;
    acc3_3 += a0_0.w * b0_3;
    acc3_3 += a1_0.w * b1_3;
    acc3_3 += a2_0.w * b2_3;
    acc3_3 += a3_0.w * b3_3;
    acc4_0 += a0_1.x * b0_0;
    acc4_0 += a1_1.x * b1_0;
    acc4_0 += a2_1.x * b2_0;
    acc4_0 += a3_1.x * b3_0;
    acc4_1 += a0_1.x * b0_1;
    acc4_1 += a1_1.x * b1_1;
    acc4_1 += a2_1.x * b2_1;
    acc4_1 += a3_1.x * b3_1;
    acc4_2 += a0_1.x * b0_2;
    acc4_2 += a1_1.x * b1_2;
    acc4_2 += a2_1.x * b2_2;
    acc4_2 += a3_1.x * b3_2;
    acc4_3 += a0_1.x * b0_3;
    acc4_3 += a1_1.x * b1_3;
    acc4_3 += a2_1.x * b2_3;
    acc4_3 += a3_1.x * b3_3;
    acc5_0 += a0_1.y * b0_0;
    acc5_0 += a1_1.y * b1_0;
    acc5_0 += a2_1.y * b2_0;
    acc5_0 += a3_1.y * b3_0;
    acc5_1 += a0_1.y * b0_1;
    acc5_1 += a1_1.y * b1_1;
    acc5_1 += a2_1.y * b2_1;
    acc5_1 += a3_1.y * b3_1;
    acc5_2 += a0_1.y * b0_2;
    acc5_2 += a1_1.y * b1_2;
    acc5_2 += a2_1.y * b2_2;
    acc5_2 += a3_1.y * b3_2;
    acc5_3 += a0_1.y * b0_3;
    acc5_3 += a1_1.y * b1_3;
    acc5_3 += a2_1.y * b2_3;
    acc5_3 += a3_1.y * b3_3;
    acc6_0 += a0_1.z * b0_0;
    acc6_0 += a1_1.z * b1_0;
    acc6_0 += a2_1.z * b2_0;
    acc6_0 += a3_1.z * b3_0;
    acc6_1 += a0_1.z * b0_1;
    acc6_1 += a1_1.z * b1_1;
    acc6_1 += a2_1.z * b2_1;
    acc6_1 += a3_1.z * b3_1;
    acc6_2 += a0_1.z * b0_2;
    acc6_2 += a1_1.z * b1_2;
    acc6_2 += a2_1.z * b2_2;
    acc6_2 += a3_1.z * b3_2;
    acc6_3 += a0_1.z * b0_3;
    acc6_3 += a1_1.z * b1_3;
    acc6_3 += a2_1.z * b2_3;
    acc6_3 += a3_1.z * b3_3;
    acc7_0 += a0_1.w * b0_0;
    acc7_0 += a1_1.w * b1_0;
    acc7_0 += a2_1.w * b2_0;
    acc7_0 += a3_1.w * b3_0;
    acc7_1 += a0_1.w * b0_1;
    acc7_1 += a1_1.w * b1_1;
    acc7_1 += a2_1.w * b2_1;
    acc7_1 += a3_1.w * b3_1;
    acc7_2 += a0_1.w * b0_2;
    acc7_2 += a1_1.w * b1_2;
    acc7_2 += a2_1.w * b2_2;
    acc7_2 += a3_1.w * b3_2;
    acc7_3 += a0_1.w * b0_3;
    acc7_3 += a1_1.w * b1_3;
    acc7_3 += a2_1.w * b2_3;
    acc7_3 += a3_1.w * b3_3;
    acc8_0 += a0_2.x * b0_0;
    acc8_0 += a1_2.x * b1_0;
    acc8_0 += a2_2.x * b2_0;
    acc8_0 += a3_2.x * b3_0;
    acc8_1 += a0_2.x * b0_1;
    acc8_1 += a1_2.x * b1_1;
    acc8_1 += a2_2.x * b2_1;
    acc8_1 += a3_2.x * b3_1;
    acc8_2 += a0_2.x * b0_2;
    acc8_2 += a1_2.x * b1_2;
    acc8_2 += a2_2.x * b2_2;
    acc8_2 += a3_2.x * b3_2;
    acc8_3 += a0_2.x * b0_3;
    acc8_3 += a1_2.x * b1_3;
    acc8_3 += a2_2.x * b2_3;
    acc8_3 += a3_2.x * b3_3;
    acc9_0 += a0_2.y * b0_0;
    acc9_0 += a1_2.y * b1_0;
    acc9_0 += a2_2.y * b2_0;
    acc9_0 += a3_2.y * b3_0;
    acc9_1 += a0_2.y * b0_1;
    acc9_1 += a1_2.y * b1_1;
    acc9_1 += a2_2.y * b2_1;
    acc9_1 += a3_2.y * b3_1;
    acc9_2 += a0_2.y * b0_2;
    acc9_2 += a1_2.y * b1_2;
    acc9_2 += a2_2.y * b2_2;
    acc9_2 += a3_2.y * b3_2;
    acc9_3 += a0_2.y * b0_3;
    acc9_3 += a1_2.y * b1_3;
    acc9_3 += a2_2.y * b2_3;
    acc9_3 += a3_2.y * b3_3;
    acc10_0 += a0_2.z * b0_0;
    acc10_0 += a1_2.z * b1_0;
    acc10_0 += a2_2.z * b2_0;
    acc10_0 += a3_2.z * b3_0;
    acc10_1 += a0_2.z * b0_1;
    acc10_1 += a1_2.z * b1_1;
    acc10_1 += a2_2.z * b2_1;
    acc10_1 += a3_2.z * b3_1;
    acc10_2 += a0_2.z * b0_2;
    acc10_2 += a1_2.z * b1_2;
    acc10_2 += a2_2.z * b2_2;
    acc10_2 += a3_2.z * b3_2;
    acc10_3 += a0_2.z * b0_3;
    acc10_3 += a1_2.z * b1_3;
    acc10_3 += a2_2.z * b2_3;
    acc10_3 += a3_2.z * b3_3;
    acc11_0 += a0_2.w * b0_0;
    acc11_0 += a1_2.w * b1_0;
    acc11_0 += a2_2.w * b2_0;
    acc11_0 += a3_2.w * b3_0;
    acc11_1 += a0_2.w * b0_1;
    acc11_1 += a1_2.w * b1_1;
    acc11_1 += a2_2.w * b2_1;
    acc11_1 += a3_2.w * b3_1;
    acc11_2 += a0_2.w * b0_2;
    acc11_2 += a1_2.w * b1_2;
    acc11_2 += a2_2.w * b2_2;
    acc11_2 += a3_2.w * b3_2;
    acc11_3 += a0_2.w * b0_3;
    acc11_3 += a1_2.w * b1_3;
    acc11_3 += a2_2.w * b2_3;
    acc11_3 += a3_2.w * b3_3;
    acc12_0 += a0_3.x * b0_0;
    acc12_0 += a1_3.x * b1_0;
    acc12_0 += a2_3.x * b2_0;
    acc12_0 += a3_3.x * b3_0;
    acc12_1 += a0_3.x * b0_1;
    acc12_1 += a1_3.x * b1_1;
    acc12_1 += a2_3.x * b2_1;
    acc12_1 += a3_3.x * b3_1;
    acc12_2 += a0_3.x * b0_2;
    acc12_2 += a1_3.x * b1_2;
    acc12_2 += a2_3.x * b2_2;
    acc12_2 += a3_3.x * b3_2;
    acc12_3 += a0_3.x * b0_3;
    acc12_3 += a1_3.x * b1_3;
    acc12_3 += a2_3.x * b2_3;
    acc12_3 += a3_3.x * b3_3;
    acc13_0 += a0_3.y * b0_0;
    acc13_0 += a1_3.y * b1_0;
    acc13_0 += a2_3.y * b2_0;
    acc13_0 += a3_3.y * b3_0;
    acc13_1 += a0_3.y * b0_1;
    acc13_1 += a1_3.y * b1_1;
    acc13_1 += a2_3.y * b2_1;
    acc13_1 += a3_3.y * b3_1;
    acc13_2 += a0_3.y * b0_2;
    acc13_2 += a1_3.y * b1_2;
    acc13_2 += a2_3.y * b2_2;
    acc13_2 += a3_3.y * b3_2;
    acc13_3 += a0_3.y * b0_3;
    acc13_3 += a1_3.y * b1_3;
    acc13_3 += a2_3.y * b2_3;
    acc13_3 += a3_3.y * b3_3;
    acc14_0 += a0_3.z * b0_0;
    acc14_0 += a1_3.z * b1_0;
    acc14_0 += a2_3.z * b2_0;
    acc14_0 += a3_3.z * b3_0;
    acc14_1 += a0_3.z * b0_1;
    acc14_1 += a1_3.z * b1_1;
    acc14_1 += a2_3.z * b2_1;
    acc14_1 += a3_3.z * b3_1;
    acc14_2 += a0_3.z * b0_2;
    acc14_2 += a1_3.z * b1_2;
    acc14_2 += a2_3.z * b2_2;
    acc14_2 += a3_3.z * b3_2;
    acc14_3 += a0_3.z * b0_3;
    acc14_3 += a1_3.z * b1_3;
    acc14_3 += a2_3.z * b2_3;
    acc14_3 += a3_3.z * b3_3;
    acc15_0 += a0_3.w * b0_0;
    acc15_0 += a1_3.w * b1_0;
    acc15_0 += a2_3.w * b2_0;
    acc15_0 += a3_3.w * b3_0;
    acc15_1 += a0_3.w * b0_1;
    acc15_1 += a1_3.w * b1_1;
    acc15_1 += a2_3.w * b2_1;
    acc15_1 += a3_3.w * b3_1;
    acc15_2 += a0_3.w * b0_2;
    acc15_2 += a1_3.w * b1_2;
    acc15_2 += a2_3.w * b2_2;
    acc15_2 += a3_3.w * b3_2;
    acc15_3 += a0_3.w * b0_3;
    acc15_3 += a1_3.w * b1_3;
    acc15_3 += a2_3.w * b2_3;
    acc15_3 += a3_3.w * b3_3;
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
