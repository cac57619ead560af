// qkv_grad_weight_blocked: q, k and v backward for the weights: dWz = dzᵀ · x (`selfAttention`'s backward); variant 3, the kernel GPUs run.
// Kernel matmul_tn_slots3ac_64x64x16_8x8_vvv at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [12, 12, 3], uniforms m=768 n=768 k=4096 strideA=0 strideB=0 mFolds=1.
struct Params {
  m: u32,
  n: u32,
  k: u32,
  strideA: u32,
  strideB: u32,
  mFolds: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> aSlot0: array<vec4f>;
@group(0) @binding(2) var<storage, read> aSlot1: array<vec4f>;
@group(0) @binding(3) var<storage, read> aSlot2: array<vec4f>;
@group(0) @binding(4) var<storage, read> b: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> cSlot0: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> cSlot1: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> cSlot2: array<vec4f>;
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
  let cBase = 0u;
  if (batch == 0u) {
    let tx = lid.x % 8u;
    let ty = lid.x / 8u;
    let loadA0r = lid.x / 16u;
    let loadA0c = lid.x % 16u * 4u;
    var loadA0_0_0: vec4f;
    let loadA1r = (lid.x + 64u) / 16u;
    let loadA1c = (lid.x + 64u) % 16u * 4u;
    var loadA1_0_0: vec4f;
    let loadA2r = (lid.x + 128u) / 16u;
    let loadA2c = (lid.x + 128u) % 16u * 4u;
    var loadA2_0_0: vec4f;
    let loadA3r = (lid.x + 192u) / 16u;
    let loadA3c = (lid.x + 192u) % 16u * 4u;
    var loadA3_0_0: vec4f;
    let loadB0r = lid.x / 16u;
    let loadB0c = lid.x % 16u * 4u;
    var loadB0_0_0: vec4f;
    let loadB1r = (lid.x + 64u) / 16u;
    let loadB1c = (lid.x + 64u) % 16u * 4u;
    var loadB1_0_0: vec4f;
    let loadB2r = (lid.x + 128u) / 16u;
    let loadB2c = (lid.x + 128u) % 16u * 4u;
    var loadB2_0_0: vec4f;
    let loadB3r = (lid.x + 192u) / 16u;
    let loadB3c = (lid.x + 192u) % 16u * 4u;
    var loadB3_0_0: vec4f;
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
      if (k0 + loadA0r < p.k && m0 + loadA0c < p.m) { loadA0_0_0 = aSlot0[(aBase + (k0 + loadA0r) * p.m + m0 + loadA0c) / 4u]; }
      loadA1_0_0 = vec4f(0.0);
      if (k0 + loadA1r < p.k && m0 + loadA1c < p.m) { loadA1_0_0 = aSlot0[(aBase + (k0 + loadA1r) * p.m + m0 + loadA1c) / 4u]; }
      loadA2_0_0 = vec4f(0.0);
      if (k0 + loadA2r < p.k && m0 + loadA2c < p.m) { loadA2_0_0 = aSlot0[(aBase + (k0 + loadA2r) * p.m + m0 + loadA2c) / 4u]; }
      loadA3_0_0 = vec4f(0.0);
      if (k0 + loadA3r < p.k && m0 + loadA3c < p.m) { loadA3_0_0 = aSlot0[(aBase + (k0 + loadA3r) * p.m + m0 + loadA3c) / 4u]; }
      loadB0_0_0 = vec4f(0.0);
      if (k0 + loadB0r < p.k && n0 + loadB0c < p.n) { loadB0_0_0 = b[(bBase + (k0 + loadB0r) * p.n + n0 + loadB0c) / 4u]; }
      loadB1_0_0 = vec4f(0.0);
      if (k0 + loadB1r < p.k && n0 + loadB1c < p.n) { loadB1_0_0 = b[(bBase + (k0 + loadB1r) * p.n + n0 + loadB1c) / 4u]; }
      loadB2_0_0 = vec4f(0.0);
      if (k0 + loadB2r < p.k && n0 + loadB2c < p.n) { loadB2_0_0 = b[(bBase + (k0 + loadB2r) * p.n + n0 + loadB2c) / 4u]; }
      loadB3_0_0 = vec4f(0.0);
      if (k0 + loadB3r < p.k && n0 + loadB3c < p.n) { loadB3_0_0 = b[(bBase + (k0 + loadB3r) * p.n + n0 + loadB3c) / 4u]; }
      tileA[(loadA0r * 64u + loadA0c) / 4u] = loadA0_0_0;
      tileA[(loadA1r * 64u + loadA1c) / 4u] = loadA1_0_0;
      tileA[(loadA2r * 64u + loadA2c) / 4u] = loadA2_0_0;
      tileA[(loadA3r * 64u + loadA3c) / 4u] = loadA3_0_0;
      tileB[(loadB0r * 64u + loadB0c) / 4u] = loadB0_0_0;
      tileB[(loadB1r * 64u + loadB1c) / 4u] = loadB1_0_0;
      tileB[(loadB2r * 64u + loadB2c) / 4u] = loadB2_0_0;
      tileB[(loadB3r * 64u + loadB3c) / 4u] = loadB3_0_0;
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
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc0_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc0_1; }
    }
    if (row0 + 1u < p.m) {
      let rowBase = cBase + (row0 + 1u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc1_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc1_1; }
    }
    if (row0 + 2u < p.m) {
      let rowBase = cBase + (row0 + 2u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc2_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc2_1; }
    }
    if (row0 + 3u < p.m) {
      let rowBase = cBase + (row0 + 3u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc3_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc3_1; }
    }
    if (row0 + 4u < p.m) {
      let rowBase = cBase + (row0 + 4u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc4_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc4_1; }
    }
    if (row0 + 5u < p.m) {
      let rowBase = cBase + (row0 + 5u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc5_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc5_1; }
    }
    if (row0 + 6u < p.m) {
      let rowBase = cBase + (row0 + 6u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc6_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc6_1; }
    }
    if (row0 + 7u < p.m) {
      let rowBase = cBase + (row0 + 7u) * p.n;
      if (col0 < p.n) { cSlot0[(rowBase + col0) / 4u] = acc7_0; }
      if (col0 + 4u < p.n) { cSlot0[(rowBase + col0 + 4u) / 4u] = acc7_1; }
    }
  } else if (batch == 1u) {
    let tx = lid.x % 8u;
    let ty = lid.x / 8u;
    let loadA0r = lid.x / 16u;
    let loadA0c = lid.x % 16u * 4u;
    var loadA0_0_0: vec4f;
    let loadA1r = (lid.x + 64u) / 16u;
    let loadA1c = (lid.x + 64u) % 16u * 4u;
    var loadA1_0_0: vec4f;
    let loadA2r = (lid.x + 128u) / 16u;
    let loadA2c = (lid.x + 128u) % 16u * 4u;
    var loadA2_0_0: vec4f;
    let loadA3r = (lid.x + 192u) / 16u;
    let loadA3c = (lid.x + 192u) % 16u * 4u;
    var loadA3_0_0: vec4f;
    let loadB0r = lid.x / 16u;
    let loadB0c = lid.x % 16u * 4u;
    var loadB0_0_0: vec4f;
    let loadB1r = (lid.x + 64u) / 16u;
    let loadB1c = (lid.x + 64u) % 16u * 4u;
    var loadB1_0_0: vec4f;
    let loadB2r = (lid.x + 128u) / 16u;
    let loadB2c = (lid.x + 128u) % 16u * 4u;
    var loadB2_0_0: vec4f;
    let loadB3r = (lid.x + 192u) / 16u;
    let loadB3c = (lid.x + 192u) % 16u * 4u;
    var loadB3_0_0: vec4f;
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
      if (k0 + loadA0r < p.k && m0 + loadA0c < p.m) { loadA0_0_0 = aSlot1[(aBase + (k0 + loadA0r) * p.m + m0 + loadA0c) / 4u]; }
      loadA1_0_0 = vec4f(0.0);
      if (k0 + loadA1r < p.k && m0 + loadA1c < p.m) { loadA1_0_0 = aSlot1[(aBase + (k0 + loadA1r) * p.m + m0 + loadA1c) / 4u]; }
      loadA2_0_0 = vec4f(0.0);
      if (k0 + loadA2r < p.k && m0 + loadA2c < p.m) { loadA2_0_0 = aSlot1[(aBase + (k0 + loadA2r) * p.m + m0 + loadA2c) / 4u]; }
      loadA3_0_0 = vec4f(0.0);
      if (k0 + loadA3r < p.k && m0 + loadA3c < p.m) { loadA3_0_0 = aSlot1[(aBase + (k0 + loadA3r) * p.m + m0 + loadA3c) / 4u]; }
      loadB0_0_0 = vec4f(0.0);
      if (k0 + loadB0r < p.k && n0 + loadB0c < p.n) { loadB0_0_0 = b[(bBase + (k0 + loadB0r) * p.n + n0 + loadB0c) / 4u]; }
      loadB1_0_0 = vec4f(0.0);
      if (k0 + loadB1r < p.k && n0 + loadB1c < p.n) { loadB1_0_0 = b[(bBase + (k0 + loadB1r) * p.n + n0 + loadB1c) / 4u]; }
      loadB2_0_0 = vec4f(0.0);
      if (k0 + loadB2r < p.k && n0 + loadB2c < p.n) { loadB2_0_0 = b[(bBase + (k0 + loadB2r) * p.n + n0 + loadB2c) / 4u]; }
      loadB3_0_0 = vec4f(0.0);
      if (k0 + loadB3r < p.k && n0 + loadB3c < p.n) { loadB3_0_0 = b[(bBase + (k0 + loadB3r) * p.n + n0 + loadB3c) / 4u]; }
      tileA[(loadA0r * 64u + loadA0c) / 4u] = loadA0_0_0;
      tileA[(loadA1r * 64u + loadA1c) / 4u] = loadA1_0_0;
      tileA[(loadA2r * 64u + loadA2c) / 4u] = loadA2_0_0;
      tileA[(loadA3r * 64u + loadA3c) / 4u] = loadA3_0_0;
      tileB[(loadB0r * 64u + loadB0c) / 4u] = loadB0_0_0;
      tileB[(loadB1r * 64u + loadB1c) / 4u] = loadB1_0_0;
      tileB[(loadB2r * 64u + loadB2c) / 4u] = loadB2_0_0;
      tileB[(loadB3r * 64u + loadB3c) / 4u] = loadB3_0_0;
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
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc0_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc0_1; }
    }
    if (row0 + 1u < p.m) {
      let rowBase = cBase + (row0 + 1u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc1_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc1_1; }
    }
    if (row0 + 2u < p.m) {
      let rowBase = cBase + (row0 + 2u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc2_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc2_1; }
    }
    if (row0 + 3u < p.m) {
      let rowBase = cBase + (row0 + 3u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc3_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc3_1; }
    }
    if (row0 + 4u < p.m) {
      let rowBase = cBase + (row0 + 4u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc4_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc4_1; }
    }
    if (row0 + 5u < p.m) {
      let rowBase = cBase + (row0 + 5u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc5_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc5_1; }
    }
    if (row0 + 6u < p.m) {
      let rowBase = cBase + (row0 + 6u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc6_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc6_1; }
    }
    if (row0 + 7u < p.m) {
      let rowBase = cBase + (row0 + 7u) * p.n;
      if (col0 < p.n) { cSlot1[(rowBase + col0) / 4u] = acc7_0; }
      if (col0 + 4u < p.n) { cSlot1[(rowBase + col0 + 4u) / 4u] = acc7_1; }
    }
  } else if (batch == 2u) {
    let tx = lid.x % 8u;
    let ty = lid.x / 8u;
    let loadA0r = lid.x / 16u;
    let loadA0c = lid.x % 16u * 4u;
    var loadA0_0_0: vec4f;
    let loadA1r = (lid.x + 64u) / 16u;
    let loadA1c = (lid.x + 64u) % 16u * 4u;
    var loadA1_0_0: vec4f;
    let loadA2r = (lid.x + 128u) / 16u;
    let loadA2c = (lid.x + 128u) % 16u * 4u;
    var loadA2_0_0: vec4f;
    let loadA3r = (lid.x + 192u) / 16u;
    let loadA3c = (lid.x + 192u) % 16u * 4u;
    var loadA3_0_0: vec4f;
    let loadB0r = lid.x / 16u;
    let loadB0c = lid.x % 16u * 4u;
    var loadB0_0_0: vec4f;
    let loadB1r = (lid.x + 64u) / 16u;
    let loadB1c = (lid.x + 64u) % 16u * 4u;
    var loadB1_0_0: vec4f;
    let loadB2r = (lid.x + 128u) / 16u;
    let loadB2c = (lid.x + 128u) % 16u * 4u;
    var loadB2_0_0: vec4f;
    let loadB3r = (lid.x + 192u) / 16u;
    let loadB3c = (lid.x + 192u) % 16u * 4u;
    var loadB3_0_0: vec4f;
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
      if (k0 + loadA0r < p.k && m0 + loadA0c < p.m) { loadA0_0_0 = aSlot2[(aBase + (k0 + loadA0r) * p.m + m0 + loadA0c) / 4u]; }
      loadA1_0_0 = vec4f(0.0);
      if (k0 + loadA1r < p.k && m0 + loadA1c < p.m) { loadA1_0_0 = aSlot2[(aBase + (k0 + loadA1r) * p.m + m0 + loadA1c) / 4u]; }
      loadA2_0_0 = vec4f(0.0);
      if (k0 + loadA2r < p.k && m0 + loadA2c < p.m) { loadA2_0_0 = aSlot2[(aBase + (k0 + loadA2r) * p.m + m0 + loadA2c) / 4u]; }
      loadA3_0_0 = vec4f(0.0);
      if (k0 + loadA3r < p.k && m0 + loadA3c < p.m) { loadA3_0_0 = aSlot2[(aBase + (k0 + loadA3r) * p.m + m0 + loadA3c) / 4u]; }
      loadB0_0_0 = vec4f(0.0);
      if (k0 + loadB0r < p.k && n0 + loadB0c < p.n) { loadB0_0_0 = b[(bBase + (k0 + loadB0r) * p.n + n0 + loadB0c) / 4u]; }
      loadB1_0_0 = vec4f(0.0);
      if (k0 + loadB1r < p.k && n0 + loadB1c < p.n) { loadB1_0_0 = b[(bBase + (k0 + loadB1r) * p.n + n0 + loadB1c) / 4u]; }
      loadB2_0_0 = vec4f(0.0);
      if (k0 + loadB2r < p.k && n0 + loadB2c < p.n) { loadB2_0_0 = b[(bBase + (k0 + loadB2r) * p.n + n0 + loadB2c) / 4u]; }
      loadB3_0_0 = vec4f(0.0);
      if (k0 + loadB3r < p.k && n0 + loadB3c < p.n) { loadB3_0_0 = b[(bBase + (k0 + loadB3r) * p.n + n0 + loadB3c) / 4u]; }
      tileA[(loadA0r * 64u + loadA0c) / 4u] = loadA0_0_0;
      tileA[(loadA1r * 64u + loadA1c) / 4u] = loadA1_0_0;
      tileA[(loadA2r * 64u + loadA2c) / 4u] = loadA2_0_0;
      tileA[(loadA3r * 64u + loadA3c) / 4u] = loadA3_0_0;
      tileB[(loadB0r * 64u + loadB0c) / 4u] = loadB0_0_0;
      tileB[(loadB1r * 64u + loadB1c) / 4u] = loadB1_0_0;
      tileB[(loadB2r * 64u + loadB2c) / 4u] = loadB2_0_0;
      tileB[(loadB3r * 64u + loadB3c) / 4u] = loadB3_0_0;
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
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc0_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc0_1; }
    }
    if (row0 + 1u < p.m) {
      let rowBase = cBase + (row0 + 1u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc1_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc1_1; }
    }
    if (row0 + 2u < p.m) {
      let rowBase = cBase + (row0 + 2u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc2_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc2_1; }
    }
    if (row0 + 3u < p.m) {
      let rowBase = cBase + (row0 + 3u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc3_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc3_1; }
    }
    if (row0 + 4u < p.m) {
      let rowBase = cBase + (row0 + 4u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc4_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc4_1; }
    }
    if (row0 + 5u < p.m) {
      let rowBase = cBase + (row0 + 5u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc5_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc5_1; }
    }
    if (row0 + 6u < p.m) {
      let rowBase = cBase + (row0 + 6u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc6_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc6_1; }
    }
    if (row0 + 7u < p.m) {
      let rowBase = cBase + (row0 + 7u) * p.n;
      if (col0 < p.n) { cSlot2[(rowBase + col0) / 4u] = acc7_0; }
      if (col0 + 4u < p.n) { cSlot2[(rowBase + col0 + 4u) / 4u] = acc7_1; }
    }
  }
}
