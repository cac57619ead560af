// The global gradient norm and clip coefficient over DistilBERT's parameters, as the trainer takes
// it before AdamW (engine/optim/grad_clip.ts: partial sums of squares in multi-tensor launches, then
// a launch for each tensor's norm and one for the total). Memory-bound: every gradient is read
// once, 4 bytes per parameter. Once in each class of adapter's grid (kernels/grad_norm.ts
// NORM_GRIDS), ENGINE_KERNELS set around validation, preparation and runs: a GPU's, where the work
// sizes stage 1, and a CPU implementation's, a few long workgroups per tensor.
import type { KernelClass } from '../../engine/gpu/device.ts';
import { gradNorm, scoped } from '../../engine/index.ts';
import { parameterShapes } from '../../model/distilbert.ts';
import { assertClose, scopedAsync } from '../../reference/check.ts';
import { randn } from '../../reference/float64.ts';
import { benchConfig } from '../config.ts';
import type { BenchOptions } from '../options.ts';
import { noise, prepareScoped } from '../../tune/workload.ts';
import { type KernelGroup, type Variant, underSettings } from '../workload.ts';
import { parametersWithGrads, releaseAll } from './adamw.ts';

const MAX_NORM = 1;

async function validate(): Promise<void> {
  // Lengths that are multiples of 4 (vec4 reads) and others, one long enough for several chunks.
  const shapes = [[7, 13], [1], [4, 8], [3, 301], [5000, 4]];
  const grads = shapes.map((s, i) => Float32Array.from(randn(s[0] * (s[1] ?? 1), 70 + i)));
  const params = parametersWithGrads(shapes, (i, n, what) => (what === 'grad' ? grads[i] : new Float32Array(n)));
  try {
    const norm = Math.sqrt(grads.reduce((sum, g) => sum + g.reduce((s, x) => s + x * x, 0), 0));
    await scopedAsync(async () => {
      const { totalNorm, clipCoef } = gradNorm(params, MAX_NORM);
      assertClose(await totalNorm.toFloat32(), [norm], 0, 1e-6, 'total norm');
      assertClose(await clipCoef.toFloat32(), [Math.min(1, MAX_NORM / (norm + 1e-6))], 0, 1e-6, 'clip coefficient');
    });
  } finally {
    releaseAll(params);
  }
}

export function gradNormGroup(o: BenchOptions): KernelGroup {
  const shapes = parameterShapes(benchConfig(o)).map(([, shape]) => [...shape]);
  const count = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const workload = {
    label: `${shapes.length} tensors, ${(count / 1e6).toFixed(1)}M parameters`,
    work: 4 * count,
    prepare: () =>
      prepareScoped(() => {
        const params = parametersWithGrads(shapes, (i, n) => noise(n, 2 * i + 1, 0.02));
        return {
          run: () => scoped(() => void gradNorm(params, MAX_NORM)),
          release: () => releaseAll(params),
        };
      }),
  };
  const inGrid = (kernels: KernelClass): Variant =>
    underSettings(
      { ENGINE_KERNELS: kernels },
      { name: `multi-tensor, ${kernels === 'gpu' ? "a GPU's grid" : "a CPU implementation's grid"}`, validate, workloads: [workload] },
    );
  return { group: 'gradnorm', unit: 'GB/s', variants: [inGrid('gpu'), inGrid('software')] };
}
