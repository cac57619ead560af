// Launches a kernel on tensors: binds each tensor's exact bytes in the kernel's binding order.
import type { KernelLaunch } from '../kernels/launch.ts';
import { debugLevel, logLaunch } from './debug.ts';
import { launch } from './dispatch.ts';
import type { Tensor } from './tensor.ts';
import { currentOp, noteLaunch } from './trace.ts';

export function launchOn(kernel: KernelLaunch, ...tensors: Tensor[]): void {
  noteLaunch(kernel.name);
  if (debugLevel > 0) logLaunch(currentOp(), kernel, tensors);
  launch(
    kernel,
    tensors.map((t) => t.binding),
  );
}
