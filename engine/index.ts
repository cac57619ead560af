// The engine's public surface: what model/ and train/ use.
import { debugLevel } from './gpu/debug.ts';
import { type Gpu, openDevice } from './gpu/device.ts';
import { printKernelTimes } from './gpu/timestamps.ts';

/**
 * Opens the GPU once for the process. With ENGINE_DEBUG=3 or more, every submit then prints its
 * kernels' GPU times.
 */
export async function initGpu(): Promise<Gpu> {
  const g = await openDevice();
  if (debugLevel() >= 3) {
    if (g.features.has('timestamp-query')) printKernelTimes(g.device);
    else console.error(`[engine] ENGINE_DEBUG=3 times kernels with timestamp queries, which ${g.adapterName} does not offer`);
  }
  return g;
}

export { closeGpu, gpu, subgroupsEnabled, throwIfGpuFailed, type AdapterIdentity, type Gpu } from './gpu/device.ts';
export { Tensor, noGrad, numel, readLater, shapeStr, sameShape, type Shape, type DType } from './autograd/tensor.ts';
export { backward, zeroGrad } from './autograd/backward.ts';
export { op, printGraph, formatGraph, nodeKernels } from './autograd/trace.ts';
export { beginScope, scoped, pool, StepScope, GpuOutOfMemoryError } from './gpu/memory.ts';
export { flush, synchronize, dispatchStats } from './gpu/dispatch.ts';
export { onCompile, compilingNotice } from './gpu/debug.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/shape.ts';
export * from './ops/embedding.ts';
export * from './ops/select.ts';
export * from './ops/dropout.ts';
export * from './ops/cross_entropy.ts';
export * from './ops/softmax.ts';
export * from './ops/layernorm.ts';
export * from './ops/rmsnorm.ts';
export * from './ops/matmul.ts';
export * from './ops/attention.ts';
export * from './ops/attention_unfused.ts';
export * from './ops/self_attention.ts';
export * from './optim/adamw.ts';
export {
  kernelVersion,
  reloadTuningTable,
  tuningFile,
  tuningState,
  tuningSummary,
  withoutTuning,
  writeTuningTable,
  type TunedEntry,
} from './gpu/tuning.ts';
export { autocast, assertHalfSupported, toHalf } from './ops/autocast.ts';
export { GradScaler, type GradScalerOptions, type GradScalerState } from './optim/grad_scaler.ts';
export { StepReplay, replayEnabled } from './replay.ts';
export { u32, f32, type Uniforms } from '../kernels/launch.ts';
