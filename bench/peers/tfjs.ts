// TensorFlow.js's WebGPU backend as a matmul peer: @tensorflow/tfjs-core with
// @tensorflow/tfjs-backend-webgpu, on a device of its own (see peer.ts), registered under the
// name 'webgpu' (tfjs looks its kernels up by that name). Results are read with `await data()`
// (dataSync would block on the GPU, which Node's Dawn cannot do).
import { noise } from '../../tune/workload.ts';
import { peerDevice, type MatmulPeer } from './peer.ts';

export async function openTfjs(): Promise<MatmulPeer> {
  const { device, info } = await peerDevice();
  const tf = await import('@tensorflow/tfjs-core');
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // Importing the backend registered a factory that opens its own adapter; use ours instead.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const backend = new WebGPUBackend(device, info);
  tf.registerBackend('webgpu', () => backend);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: setBackend("webgpu") failed');
  tf.env().set('WEBGPU_CPU_FORWARD', false);

  return {
    name: 'tfjs-webgpu',
    async multiply(a, b, m, k, n) {
      const [ta, tb] = [tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])];
      const c = tf.matMul(ta, tb);
      try {
        return Float32Array.from(await c.data());
      } finally {
        tf.dispose([ta, tb, c]);
      }
    },
    async prepare(n) {
      const a = tf.tensor2d(noise(n * n, 1), [n, n]);
      const b = tf.tensor2d(noise(n * n, 2), [n, n]);
      return {
        run: () => tf.matMul(a, b).dispose(),
        // tfjs submits every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE dispatches; submit the rest as it
        // does itself before reading (end the open pass, then submit), without a read-back.
        wait: async () => {
          backend.endComputePassEncoder();
          if ((backend as unknown as { commandEncoder: GPUCommandEncoder | null }).commandEncoder) backend.submitQueue();
          await device.queue.onSubmittedWorkDone();
        },
        release: () => tf.dispose([a, b]),
      };
    },
    close: () => {
      tf.removeBackend('webgpu');
      device.destroy();
    },
  };
}
