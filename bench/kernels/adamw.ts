// AdamW over DistilBERT's parameters (67M at the default shapes), as engine/optim/adamw.ts launches it:
// one multi-tensor launch per group of parameters (bench/kernels/grad_norm.ts times the gradient
// norm before it). Memory-bound: each parameter's value, gradient
// and two moments are read and value and moments written, 7 × 4 bytes per parameter.
import { AdamW, Tensor } from '../../engine/index.ts';
import { parameterShapes } from '../../model/distilbert.ts';
import { assertClose } from '../../reference/check.ts';
import { adamwStep, randn } from '../../reference/float64.ts';
import { benchConfig } from '../config.ts';
import type { BenchOptions } from '../options.ts';
import { noise, prepareScoped } from '../../tune/workload.ts';
import type { KernelGroup } from '../workload.ts';

const HYPER = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Persistent parameters with gradients, values from `values(index, size)`. */
export function parametersWithGrads(
  shapes: number[][],
  values: (i: number, n: number, what: 'param' | 'grad') => ArrayLike<number>,
): Tensor[] {
  return shapes.map((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const p = Tensor.fromArray(values(i, n, 'param'), shape, 'f32', { persistent: true, requiresGrad: true, name: `p${i}` });
    p.grad = Tensor.fromArray(values(i, n, 'grad'), shape, 'f32', { persistent: true, name: `p${i}.grad` });
    return p;
  });
}

export function releaseAll(params: Tensor[], optimizer?: AdamW): void {
  optimizer?.release();
  for (const p of params) {
    p.grad?.release();
    p.release();
  }
}

async function validate(): Promise<void> {
  // Lengths that are multiples of 4 (vec4 threads) and others (a thread per element).
  const shapes = [[7, 13], [1], [4, 8], [3, 301]];
  const init = shapes.map((s, i) => Float64Array.from(Float32Array.from(randn(s[0] * (s[1] ?? 1), 50 + i))));
  const grads = shapes.map((s, i) => Float64Array.from(Float32Array.from(randn(s[0] * (s[1] ?? 1), 60 + i))));
  const params = parametersWithGrads(shapes, (i, _, what) => (what === 'param' ? init[i] : grads[i]));
  const optimizer = new AdamW(params, { lr: HYPER.lr, betas: [HYPER.beta1, HYPER.beta2], eps: HYPER.eps, weightDecay: HYPER.weightDecay });
  try {
    const m = init.map((x) => new Float64Array(x.length));
    const v = init.map((x) => new Float64Array(x.length));
    for (let step = 1; step <= 2; step++) {
      optimizer.step();
      init.forEach((p, i) => adamwStep(p, grads[i], m[i], v[i], step, HYPER));
    }
    for (const [i, p] of params.entries()) assertClose(await p.toFloat32(), init[i], 2e-6, 1e-5, `param ${i} after 2 steps`);
  } finally {
    releaseAll(params, optimizer);
  }
}

export function adamwGroup(o: BenchOptions): KernelGroup {
  const shapes = parameterShapes(benchConfig(o)).map(([, shape]) => [...shape]);
  const count = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const workload = {
    label: `${shapes.length} tensors, ${(count / 1e6).toFixed(1)}M parameters`,
    work: 7 * 4 * count,
    prepare: () =>
      prepareScoped(() => {
        const params = parametersWithGrads(shapes, (i, n, what) => noise(n, 2 * i + (what === 'grad' ? 1 : 0), 0.02));
        const optimizer = new AdamW(params, { lr: HYPER.lr, weightDecay: HYPER.weightDecay });
        return { run: () => optimizer.step(), release: () => releaseAll(params, optimizer) };
      }),
  };
  return { group: 'adamw', unit: 'GB/s', variants: [{ name: 'multi-tensor', validate, workloads: [workload] }] };
}
