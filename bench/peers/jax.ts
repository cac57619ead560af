// jax-js's WebGPU backend as a matmul peer: `jit(np.matmul)` on arrays placed on the 'webgpu'
// device. jax-js opens its own adapter through navigator.gpu (installed by peer.ts, which asks
// for compatibility mode on OpenGL/llvmpipe) and reads navigator.userAgent to pick tilings.
// Arrays are reference-counted: every use but the last passes `.ref`.
import { noise } from '../../tune/workload.ts';
import { installNavigator, type MatmulPeer } from './peer.ts';

export async function openJax(): Promise<MatmulPeer> {
  installNavigator();
  const jax = await import('@jax-js/jax');
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js: no WebGPU device (it found ${devices.join(', ') || 'none'})`);
  jax.defaultDevice('webgpu');
  const np = jax.numpy;
  const product = jax.jit((x: InstanceType<typeof jax.Array>, y: InstanceType<typeof jax.Array>) => np.matmul(x, y));
  const array = (data: Float32Array<ArrayBuffer>, rows: number, cols: number) => np.array(data).reshape([rows, cols]);

  return {
    name: 'jax-js',
    async multiply(a, b, m, k, n) {
      const c = product(array(a, m, k), array(b, k, n));
      return Float32Array.from((await c.data()) as Float32Array);
    },
    async prepare(n) {
      const a = array(noise(n * n, 1), n, n);
      const b = array(noise(n * n, 2), n, n);
      await jax.blockUntilReady([a, b]);
      let pending: InstanceType<typeof jax.Array>[] = [];
      return {
        run: () => void pending.push(product(a.ref, b.ref)),
        wait: async () => {
          await jax.blockUntilReady(pending);
          for (const c of pending) c.dispose();
          pending = [];
        },
        release: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
    close: () => jax.getWebGPUDevice().destroy(),
  };
}
