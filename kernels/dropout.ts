// Dropout as one elementwise pass: out[i] = keep(i) ? x[i] / (1 - p) : 0, one thread per element.
//
// keep(i) is "the Philox uniform for element i of the (seed, step, stream) stream is >= p"
// (rng.ts), so the backward pass runs this same kernel on the output gradient and gets exactly
// the forward mask, with no mask stored. With `twoParts` it reads its input as the sum of two
// tensors (a gradient that came from two ops, engine/autograd/backward.ts), saving their add.
import { f32, flatGrid, flatKernelMain, u32, uniformBlock, type KernelLaunch } from './launch.ts';
import { RNG_WGSL, rngDraw, rngStepBinding, rngUniforms, type RngStream } from './rng.ts';

const WG = 256;

/** Bindings: input [n] f32, with `twoParts` inputMore [n] f32, output [n] f32, the step (rng.ts). */
export function dropoutMap(n: number, dropProbability: number, rng: RngStream, twoParts = false): KernelLaunch {
  // p = 1 drops everything; a zero scale keeps 0 · inf out of the (unselected) kept branch.
  const keepScale = dropProbability < 1 ? 1 / (1 - dropProbability) : 0;
  const uniforms = { n: u32(n), dropProbability: f32(dropProbability), keepScale: f32(keepScale), ...rngUniforms(rng) };
  const code = `${uniformBlock(uniforms)}
@group(0) @binding(1) var<storage, read> input: array<f32>;${twoParts ? '\n@group(0) @binding(2) var<storage, read> inputMore: array<f32>;' : ''}
@group(0) @binding(${twoParts ? 3 : 2}) var<storage, read_write> output: array<f32>;
${rngStepBinding(twoParts ? 4 : 3)}
${RNG_WGSL}
${flatKernelMain(
  WG,
  'p.n',
  `
  let keep = ${rngDraw('i')} >= p.dropProbability;
  output[i] = select(0.0, ${twoParts ? '(input[i] + inputMore[i])' : 'input[i]'} * p.keepScale, keep);`,
)}`;
  return { name: `dropout${twoParts ? '_parts2' : ''}`, code, workgroups: flatGrid(n, WG), uniforms };
}
