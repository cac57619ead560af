// Launches a kernel on tensors: binds each tensor's exact bytes in the kernel's binding order.
import type { KernelLaunch } from '../../kernels/launch.ts';
import { debugLevel, logLaunch } from '../gpu/debug.ts';
import { launch } from '../gpu/dispatch.ts';
import type { Tensor } from './tensor.ts';
import { currentOp, noteLaunch } from './trace.ts';

/** Sees the tensors of every launch while set (engine/replay.ts checks what a recorded step binds). */
let tensorObserver: ((tensors: readonly Tensor[]) => void) | null = null;
export function observeTensors(observer: typeof tensorObserver): void {
  tensorObserver = observer;
}

export function launchOn(kernel: KernelLaunch, ...tensors: Tensor[]): void {
  noteLaunch(kernel.name);
  tensorObserver?.(tensors);
  if (debugLevel() >= 2) logLaunch(currentOp(), kernel, tensors);
  launch(
    kernel,
    tensors.map((t) => t.binding),
  );
}
