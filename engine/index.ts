// The engine's public surface: what model/ and train/ use.
export { initGpu, closeGpu, gpu, subgroupsEnabled, throwIfGpuFailed, type AdapterIdentity, type Gpu } from './device.ts';
export { Tensor, noGrad, numel, readLater, shapeStr, sameShape, type Shape, type DType } from './tensor.ts';
export { backward, zeroGrad } from './autograd.ts';
export { op, printGraph, formatGraph, nodeKernels } from './trace.ts';
export { beginScope, scoped, pool, StepScope, GpuOutOfMemoryError } from './memory.ts';
export { flush, synchronize, dispatchStats } from './dispatch.ts';
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
export * from './optim.ts';
export {
  kernelVersion,
  reloadTuningTable,
  tuningFile,
  tuningFolder,
  tuningState,
  tuningSummary,
  withoutTuning,
  writeTuningTable,
  type TunedEntry,
} from './tuning.ts';
export { autocast, assertHalfSupported, toHalf } from './autocast.ts';
export { GradScaler, type GradScalerOptions, type GradScalerState } from './grad_scaler.ts';
export { StepReplay, replayEnabled } from './replay.ts';
export { u32, f32, type Uniforms } from '../kernels/launch.ts';
