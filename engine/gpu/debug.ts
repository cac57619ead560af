// ENGINE_DEBUG (engine/env.ts): what the engine does, on stderr, in the spirit of tinygrad's DEBUG.
//   1  each kernel as it compiles, with its compile time, and each replayed step;
//   2  also every launch: the op that launched it, the kernel, its grid and the tensors it binds;
//   4  also the WGSL text of each kernel as it compiles.
import type { KernelLaunch } from '../../kernels/launch.ts';
import type { Tensor } from '../autograd/tensor.ts';
import { setting } from '../env.ts';

export const debugLevel = (): number => Number(setting('ENGINE_DEBUG'));

export function logLaunch(op: string | undefined, kernel: KernelLaunch, tensors: readonly Tensor[]): void {
  const bound = tensors.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ');
  console.error(`[engine] ${op ?? '(no op)'}: ${kernel.name} grid ${kernel.workgroups.join('x')} on ${bound}`);
}

/** After `kernel` compiled in `ms` milliseconds. */
export function logCompile(kernel: KernelLaunch, ms: number): void {
  const level = debugLevel();
  if (level < 1) return;
  const lines = kernel.code.split('\n').length;
  console.error(`[engine] compiled ${kernel.name} (${lines} lines of WGSL) in ${ms.toFixed(1)} ms`);
  if (level >= 4) console.error(kernel.code);
}
