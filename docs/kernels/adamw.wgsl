// adamw: AdamW: one launch updates several parameters, each in its own range of workgroups (`AdamW.step`).
// Kernel adamw_x6 (op optimizer, ENGINE_KERNELS=gpu) at batch 64, seq 64, dim 768, hidden 3072, heads 12, vocab 30522, classes 2: workgroups [23855, 1, 1], uniforms n0=23440896 wgEnd0=22892 n1=393216 wgEnd1=23276 n2=768 wgEnd2=23277 n3=768 wgEnd3=23278 n4=589824 wgEnd4=23854 n5=768 wgEnd5=23855 off0=0 decayIndex0=0 off1=23440896 decayIndex1=0 off2=23834112 decayIndex2=0 off3=23834880 decayIndex3=0 off4=23835648 decayIndex4=0 off5=24425472 decayIndex5=0 beta1=0.9 oneMinusBeta1=0.09999999999999998 beta2=0.999 oneMinusBeta2=0.0010000000000000009 eps=1e-8.
struct Params {
  n0: u32,
  wgEnd0: u32,
  n1: u32,
  wgEnd1: u32,
  n2: u32,
  wgEnd2: u32,
  n3: u32,
  wgEnd3: u32,
  n4: u32,
  wgEnd4: u32,
  n5: u32,
  wgEnd5: u32,
  off0: u32,
  decayIndex0: u32,
  off1: u32,
  decayIndex1: u32,
  off2: u32,
  decayIndex2: u32,
  off3: u32,
  decayIndex3: u32,
  off4: u32,
  decayIndex4: u32,
  off5: u32,
  decayIndex5: u32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
}
@group(0) @binding(0) var<uniform> p: Params;

struct AdamWState {
  count: u32,               // steps taken: t, torch's state['step']
  skip: u32,                // nonzero: this step changes nothing (GradScaler's found-inf)
  clipCoef: f32,            // the gradients' factor (gradient clipping)
  negStepSize: f32,         // -lr / (1 - β1^t)
  biasCorrection2Sqrt: f32, // sqrt(1 - β2^t)
  decayFactors: array<f32, 4>, // 1 - lr·wd, one per distinct weight decay
}
@group(0) @binding(1) var<storage, read_write> param0: array<vec4f>;
@group(0) @binding(2) var<storage, read> grad0: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> param1: array<vec4f>;
@group(0) @binding(4) var<storage, read> grad1: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> param2: array<vec4f>;
@group(0) @binding(6) var<storage, read> grad2: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> param3: array<vec4f>;
@group(0) @binding(8) var<storage, read> grad3: array<vec4f>;
@group(0) @binding(9) var<storage, read_write> param4: array<vec4f>;
@group(0) @binding(10) var<storage, read> grad4: array<vec4f>;
@group(0) @binding(11) var<storage, read_write> param5: array<vec4f>;
@group(0) @binding(12) var<storage, read> grad5: array<vec4f>;
@group(0) @binding(13) var<storage, read_write> moment1: array<vec4f>;
@group(0) @binding(14) var<storage, read_write> moment2: array<vec4f>;
@group(0) @binding(15) var<storage, read> state: AdamWState;

struct Updated_vec4f { param: vec4f, m: vec4f, v: vec4f }
fn update_vec4f(decayed: vec4f, rawGrad: vec4f, m0: vec4f, v0: vec4f) -> Updated_vec4f {
  let g = rawGrad * state.clipCoef;
  let m = fma(g, vec4f(p.oneMinusBeta1), m0 * p.beta1);
  let v = fma(p.oneMinusBeta2 * g, g, v0 * p.beta2);
  let denom = sqrt(v) / state.biasCorrection2Sqrt + p.eps;
  return Updated_vec4f(decayed + (state.negStepSize * m) / denom, m, v);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let wg = wid.x + wid.y * nwg.x;
  if (wg >= p.wgEnd5) { return; }
  if (state.skip != 0u) { return; }
  if (wg < p.wgEnd0) {
    let local = wg - 0u;
    let i = local * 256u + lid.x;
    if (i < p.n0 / 4u) {
      let s = p.off0 / 4u + i;
      let r = update_vec4f(param0[i] * state.decayFactors[p.decayIndex0], grad0[i], moment1[s], moment2[s]);
      param0[i] = r.param;
      moment1[s] = r.m;
      moment2[s] = r.v;
    }
  } else if (wg < p.wgEnd1) {
    let local = wg - p.wgEnd0;
    let i = local * 256u + lid.x;
    if (i < p.n1 / 4u) {
      let s = p.off1 / 4u + i;
      let r = update_vec4f(param1[i] * state.decayFactors[p.decayIndex1], grad1[i], moment1[s], moment2[s]);
      param1[i] = r.param;
      moment1[s] = r.m;
      moment2[s] = r.v;
    }
  } else if (wg < p.wgEnd2) {
    let local = wg - p.wgEnd1;
    let i = local * 256u + lid.x;
    if (i < p.n2 / 4u) {
      let s = p.off2 / 4u + i;
      let r = update_vec4f(param2[i] * state.decayFactors[p.decayIndex2], grad2[i], moment1[s], moment2[s]);
      param2[i] = r.param;
      moment1[s] = r.m;
      moment2[s] = r.v;
    }
  } else if (wg < p.wgEnd3) {
    let local = wg - p.wgEnd2;
    let i = local * 256u + lid.x;
    if (i < p.n3 / 4u) {
      let s = p.off3 / 4u + i;
      let r = update_vec4f(param3[i] * state.decayFactors[p.decayIndex3], grad3[i], moment1[s], moment2[s]);
      param3[i] = r.param;
      moment1[s] = r.m;
      moment2[s] = r.v;
    }
  } else if (wg < p.wgEnd4) {
    let local = wg - p.wgEnd3;
    let i = local * 256u + lid.x;
    if (i < p.n4 / 4u) {
      let s = p.off4 / 4u + i;
      let r = update_vec4f(param4[i] * state.decayFactors[p.decayIndex4], grad4[i], moment1[s], moment2[s]);
      param4[i] = r.param;
      moment1[s] = r.m;
      moment2[s] = r.v;
    }
  } else if (wg < p.wgEnd5) {
    let local = wg - p.wgEnd4;
    let i = local * 256u + lid.x;
    if (i < p.n5 / 4u) {
      let s = p.off5 / 4u + i;
      let r = update_vec4f(param5[i] * state.decayFactors[p.decayIndex5], grad5[i], moment1[s], moment2[s]);
      param5[i] = r.param;
      moment1[s] = r.m;
      moment2[s] = r.v;
    }
  }
}
