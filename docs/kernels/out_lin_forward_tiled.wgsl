// out_lin_forward_tiled: out_lin's forward with variant 2, to read second (kernels/matmul_teaching.ts).
// Kernel matmul_tiled_nt (op linear, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [48, 256, 1], uniforms m=4096 n=768 k=768 strideA=3145728 strideB=589824 mFolds=1 aStrideM=768 aStrideK=1 bStrideK=1 bStrideN=768.
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
var<workgroup> tileA: array<array<f32, 16>, 16>;  // [row in block][k in step]
var<workgroup> tileB: array<array<f32, 16>, 16>;  // [k in step][column in block]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let batch = wid.z / p.mFolds;
  let m0 = ((wid.z % p.mFolds) * nwg.y + wid.y) * 16u;
  if (m0 >= p.m) { return; }  // the whole workgroup, so the barriers below stay uniform
  let row = m0 + lid.y;
  let col = wid.x * 16u + lid.x;
  let aBase = batch * p.strideA;
  let bBase = batch * p.strideB;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.k; k0 += 16u) {
    // Thread (x, y) copies A(row, k0 + x) and B(k0 + y, col), zero past the edges of the matrices.
    var aValue = 0.0;
    if (row < p.m && k0 + lid.x < p.k) { aValue = a[aBase + row * p.aStrideM + (k0 + lid.x) * p.aStrideK]; }
    var bValue = 0.0;
    if (k0 + lid.y < p.k && col < p.n) { bValue = b[bBase + (k0 + lid.y) * p.bStrideK + col * p.bStrideN]; }
    tileA[lid.y][lid.x] = aValue;
    tileB[lid.y][lid.x] = bValue;
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) { acc += tileA[lid.y][kk] * tileB[kk][lid.x]; }
    workgroupBarrier();  // before the next step overwrites the tiles
  }
  if (row < p.m && col < p.n) {
    c[batch * p.m * p.n + row * p.n + col] = acc + bias[col];
  }
}
