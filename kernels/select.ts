// One position of every sequence: out[b, :] = x[b, position, :] for x [batch, seq, dim] (the
// [CLS] row that DistilBERT's classifier reads), and its backward, which writes the output
// gradient at that position and zeros everywhere else.
//
// Both are flat maps, one thread per output element; the position is a uniform, so no index
// tensor is uploaded and every position shares one pipeline. The backward writes every element
// of dx (no separate fill). CPU reference: `selectPosition` in reference/float64.ts; test:
// test/ops/select.test.ts.
import { flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';

const WG = 256;

const uniformsFor = (batch: number, seq: number, dim: number, position: number) => ({
  batch: u32(batch),
  seq: u32(seq),
  dim: u32(dim),
  position: u32(position),
});

/** Bindings: x [batch, seq, dim], out [batch, dim]. */
export function selectPositionForward(batch: number, seq: number, dim: number, position: number): KernelLaunch {
  const uniforms = uniformsFor(batch, seq, dim, position);
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${flatKernelMain(
  WG,
  'p.batch * p.dim',
  `
  let b = i / p.dim;
  out[i] = x[(b * p.seq + p.position) * p.dim + i % p.dim];`,
)}`;
  return { name: 'select_position', code, workgroups: flatGrid(batch * dim, WG), uniforms };
}

/** Bindings: dOut [batch, dim], dx [batch, seq, dim]. */
export function selectPositionBackward(batch: number, seq: number, dim: number, position: number): KernelLaunch {
  const uniforms = uniformsFor(batch, seq, dim, position);
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${flatKernelMain(
  WG,
  'p.batch * p.seq * p.dim',
  `
  let d = i % p.dim;
  let t = (i / p.dim) % p.seq;
  let b = i / (p.dim * p.seq);
  dx[i] = select(0.0, dOut[b * p.dim + d], t == p.position);`,
)}`;
  return { name: 'select_position_backward', code, workgroups: flatGrid(batch * seq * dim, WG), uniforms };
}
