// GELU in PyTorch's default (exact, erf) form, as WGSL helper functions for elementwise kernels.
//
// WGSL has no erf, so `erf_f32` uses the rational approximation that Eigen and XLA use for float32
// (odd polynomial over even polynomial on [-4, 4], beyond which erf is ±1 in float32); its error
// is a few float32 ulps.
export const GELU_HELPERS = `
fn erf_f32(v: f32) -> f32 {
  let x = clamp(v, -4.0, 4.0);
  let x2 = x * x;
  var num = -2.72614225801306e-10;
  num = num * x2 + 2.77068142495902e-08;
  num = num * x2 - 2.10102402082508e-06;
  num = num * x2 - 5.69250639462346e-05;
  num = num * x2 - 7.34990630326855e-04;
  num = num * x2 - 2.95459980854025e-03;
  num = num * x2 - 1.60960333262415e-02;
  var den = -1.45660718464996e-05;
  den = den * x2 - 2.13374055278905e-04;
  den = den * x2 - 1.68282697438203e-03;
  den = den * x2 - 7.37332916720468e-03;
  den = den * x2 - 1.42647390514189e-02;
  return x * num / den;
}
fn gelu(x: f32) -> f32 {
  return 0.5 * x * (1.0 + erf_f32(x * 0.7071067811865476));
}
// d gelu / dx = Φ(x) + x·φ(x)
fn gelu_grad(x: f32) -> f32 {
  let cdf = 0.5 * (1.0 + erf_f32(x * 0.7071067811865476));
  let pdf = 0.3989422804014327 * exp(-0.5 * x * x);
  return cdf + x * pdf;
}
`;
