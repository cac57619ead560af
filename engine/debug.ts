// ENGINE_DEBUG: what the engine does, on stderr. 1 prints every launch (the op that launched it,
// the kernel, its grid and the tensors it binds); 2 also prints each WGSL text when it compiles.
import type { KernelLaunch } from '../kernels/launch.ts';
import type { Tensor } from './tensor.ts';

function levelFromEnvironment(): number {
  const text = process.env.ENGINE_DEBUG;
  if (text === undefined || text === '' || text === '0') return 0;
  if (text !== '1' && text !== '2') throw new Error(`ENGINE_DEBUG must be 0, 1 or 2, not "${text}"`);
  return Number(text);
}

export const debugLevel = levelFromEnvironment();

export function logLaunch(op: string | undefined, kernel: KernelLaunch, tensors: readonly Tensor[]): void {
  const bound = tensors.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ');
  console.error(`[engine] ${op ?? '(no op)'}: ${kernel.name} grid ${kernel.workgroups.join('x')} on ${bound}`);
}

export function logCompile(kernel: KernelLaunch): void {
  if (debugLevel >= 2) console.error(`[engine] compiling ${kernel.name}:\n${kernel.code}`);
}
