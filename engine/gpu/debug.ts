// ENGINE_DEBUG (engine/env.ts): what the engine does, on stderr, in the spirit of tinygrad's DEBUG.
//   1  each new kernel with its compile cost, and each replayed step. The cost has two parts: the
//      pipeline's creation, and its first launch, which runs alone in a submit of its own (a driver
//      may compile at either: lavapipe and SwiftShader do most of it as the pipeline is created);
//   2  also every launch: the op that launched it, the kernel, its grid and the tensors it binds;
//   3  also, after each submit (a training step is one), its kernels' GPU times (timestamps.ts);
//   4  also the WGSL text of each kernel as it compiles.
// Whatever the level, a program may listen for new kernels (`onCompile`) and say, in one line
// (`compilingNotice`), that they are compiling: a long wait on a CPU implementation.
import type { KernelLaunch } from '../../kernels/launch.ts';
import type { Tensor } from '../autograd/tensor.ts';
import { setting } from '../env.ts';

export const debugLevel = (): number => Number(setting('ENGINE_DEBUG'));

export function logLaunch(op: string | undefined, kernel: KernelLaunch, tensors: readonly Tensor[]): void {
  const bound = tensors.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ');
  console.error(`[engine] ${op ?? '(no op)'}: ${kernel.name} grid ${kernel.workgroups.join('x')} on ${bound}`);
}

const compileListeners = new Set<(kernel: KernelLaunch) => void>();

/** Calls `listener` with each new kernel as its pipeline is created; returns what stops that. */
export function onCompile(listener: (kernel: KernelLaunch) => void): () => void {
  compileListeners.add(listener);
  return () => compileListeners.delete(listener);
}

/** Tells the listeners of a new kernel (dispatch.ts, as it creates the pipeline). */
export function compiling(kernel: KernelLaunch): void {
  for (const listener of compileListeners) listener(kernel);
}

/**
 * The line that says `kernels` new kernels are compiling for `work`, before the wait: they compile
 * as their pipelines are created or as they first run, depending on the driver, once per distinct
 * WGSL text, so once per new shape for kernels that bake shapes in.
 */
export function compilingNotice(kernels: number, work: string): string {
  return `compiling ${kernels} new kernel${kernels === 1 ? '' : 's'} for ${work} (once per kernel and shape)`;
}

/** A new kernel: its pipeline took `pipelineMs` to create, its first launch `firstRunMs` to run. */
export function logCompile(kernel: KernelLaunch, pipelineMs: number, firstRunMs: number): void {
  const lines = kernel.code.split('\n').length;
  const times = `pipeline ${pipelineMs.toFixed(1)} ms, first run ${firstRunMs.toFixed(1)} ms`;
  console.error(`[engine] compiled ${kernel.name} (${lines} lines of WGSL): ${times}`);
  if (debugLevel() >= 4) console.error(kernel.code);
}
