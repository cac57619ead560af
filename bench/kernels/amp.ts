// The two kernels mixed precision (--fp16) adds to a step: the f32 -> f16 cast autocast puts in
// front of every product's operands (kernels/cast.ts), timed on a [tokens, hidden] activation, and
// GradScaler's unscale of every gradient with its inf/NaN check (kernels/grad_scaler.ts), timed
// over DistilBERT's parameters. Both are memory-bound: the cast reads 4 and writes 2 bytes per
// element, the unscale reads and writes 4. The cast needs `shader-f16`; without it the group has
// only the unscale.
import { GradScaler, Tensor, gpu, scoped, toHalf } from '../../engine/index.ts';
import { roundToHalf } from '../../engine/autograd/float16.ts';
import { parameterShapes } from '../../model/distilbert.ts';
import { assertClose, scopedAsync } from '../../reference/check.ts';
import { randn } from '../../reference/float64.ts';
import { benchConfig } from '../config.ts';
import type { BenchOptions } from '../options.ts';
import { noise, prepareScoped, randomTensor } from '../../tune/workload.ts';
import type { KernelGroup, Variant } from '../workload.ts';
import { parametersWithGrads, releaseAll } from './adamw.ts';

async function validateCast(): Promise<void> {
  // An odd length (the last word half padding), values past f16's range and below its normals.
  const values = [...Array.from(randn(101, 80), (x) => x * 100), 70000, -70000, 1e-6, -3e-8, 0.1];
  await scopedAsync(async () => {
    const got = await toHalf(Tensor.fromArray(values, [values.length])).toFloat32();
    // Exactly torch's .half(), infinities included (which a tolerance check cannot compare).
    values.forEach((x, i) => {
      if (got[i] !== roundToHalf(x)) throw new Error(`f16 cast: ${x} became ${got[i]}, expected ${roundToHalf(x)}`);
    });
  });
}

async function validateUnscale(): Promise<void> {
  const shapes = [[7, 13], [1], [3, 301]];
  const grads = shapes.map((s, i) => Float32Array.from(randn(s[0] * (s[1] ?? 1), 90 + i), (x) => x * 1024));
  const params = parametersWithGrads(shapes, (i, n, what) => (what === 'grad' ? grads[i] : new Float32Array(n)));
  const scaler = new GradScaler({ initScale: 1024 });
  try {
    scaler.unscale(params);
    for (const [i, p] of params.entries())
      assertClose(
        await p.grad!.toFloat32(),
        Array.from(grads[i], (g) => g / 1024),
        0,
        0,
        `grad ${i}`,
      );
    assertClose(await scaler.foundInf.toFloat32(), [0], 0, 0, 'found inf with finite gradients');
    params[1].grad!.write([Number.POSITIVE_INFINITY]);
    scaler.unscale(params);
    assertClose(await scaler.foundInf.toFloat32(), [1], 0, 0, 'found inf with an inf gradient');
  } finally {
    scaler.release();
    releaseAll(params);
  }
}

export function ampGroup(o: BenchOptions): KernelGroup {
  const tokens = o.batch * o.seq;
  const cast: Variant = {
    name: 'f16 cast',
    validate: validateCast,
    workloads: [
      {
        label: `[${tokens},${o.hidden}]`,
        work: 6 * tokens * o.hidden,
        prepare: () =>
          prepareScoped(() => {
            const x = randomTensor([tokens, o.hidden], 1);
            return () => scoped(() => void toHalf(x));
          }),
      },
    ],
  };
  const shapes = parameterShapes(benchConfig(o)).map(([, shape]) => [...shape]);
  const count = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const unscale: Variant = {
    name: 'GradScaler unscale',
    validate: validateUnscale,
    workloads: [
      {
        label: `${shapes.length} tensors, ${(count / 1e6).toFixed(1)}M parameters`,
        work: 8 * count,
        prepare: () =>
          prepareScoped(() => {
            const params = parametersWithGrads(shapes, (i, n) => noise(n, 2 * i + 1, 0.02));
            const scaler = new GradScaler();
            return {
              run: () => scaler.unscale(params),
              release: () => {
                scaler.release();
                releaseAll(params);
              },
            };
          }),
      },
    ],
  };
  return { group: 'amp', unit: 'GB/s', variants: gpu().features.has('shader-f16') ? [cast, unscale] : [unscale] };
}
