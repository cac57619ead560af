// Checks a GPU op against a float64 CPU reference: forward values, then backward.
//
// The backward check seeds the GPU op with a random output gradient w and compares each input's
// gradient with central finite differences of  L(x) = Σ w · f(x)  computed on the float64
// reference, which are accurate to ~1e-9, so all disagreement is the GPU's float32 error.
import * as assert from 'uvu/assert';
import { Tensor, backward, beginScope, type Shape } from '../engine/index.ts';
import { randn, type F64 } from './float64.ts';

export interface Input {
  shape: Shape;
  data: F64;
  /** Inputs such as ids and masks take no gradient. */
  noGrad?: boolean;
  dtype?: 'f32' | 'i32';
}

export interface GradCheck {
  inputs: Input[];
  gpu: (inputs: Tensor[]) => Tensor;
  cpu: (inputs: F64[]) => F64;
  /** Absolute plus relative tolerance for forward values and gradients. */
  atol?: number;
  rtol?: number;
  /** Finite-difference step. */
  h?: number;
  /** Check only this many gradient entries per input (spread over the tensor); all by default. */
  maxEntries?: number;
  /** The output gradient w that backward starts from; random normal by default. */
  seed?: F64;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      worstAt = i;
    }
  }
  if (worstAt >= 0) {
    assert.unreachable(`${what}: element ${worstAt} is ${actual[worstAt]}, expected ${expected[worstAt]} (atol ${atol}, rtol ${rtol})`);
  }
}

export async function gradcheck(spec: GradCheck): Promise<void> {
  const { inputs, atol = 1e-5, rtol = 1e-4, h = 1e-5 } = spec;
  const expected = spec.cpu(inputs.map((i) => i.data));
  const seedData = spec.seed ?? randn(expected.length, 12345);

  const { out, grads } = await scopedAsync(async () => {
    const tensors = inputs.map((i, n) =>
      Tensor.fromArray(i.data, i.shape, i.dtype ?? 'f32', { requiresGrad: !i.noGrad && (i.dtype ?? 'f32') === 'f32', name: `input${n}` }),
    );
    const y = spec.gpu(tensors);
    const outValues = await y.toFloat32();
    const anyGrad = tensors.some((t) => t.requiresGrad);
    if (anyGrad) backward(y, Tensor.fromArray(seedData, y.shape));
    const g = await Promise.all(tensors.map((t) => (t.grad ? t.grad.toFloat32() : Promise.resolve(null))));
    for (const t of tensors) t.grad?.release();
    return { out: outValues, grads: g };
  });
  assertClose(out, expected, atol, rtol, 'forward');

  const loss = (xs: F64[]) => spec.cpu(xs).reduce((acc, v, i) => acc + v * seedData[i], 0);
  inputs.forEach((input, n) => {
    if (input.noGrad || (input.dtype ?? 'f32') !== 'f32') return;
    const gpuGrad = grads[n];
    assert.ok(gpuGrad, `input ${n} got no gradient`);
    const stride = spec.maxEntries ? Math.max(1, Math.floor(input.data.length / spec.maxEntries)) : 1;
    const numeric: number[] = [];
    const actual: number[] = [];
    for (let i = 0; i < input.data.length; i += stride) {
      const xs = inputs.map((x) => Float64Array.from(x.data));
      xs[n][i] = input.data[i] + h;
      const up = loss(xs);
      xs[n][i] = input.data[i] - h;
      const down = loss(xs);
      numeric.push((up - down) / (2 * h));
      actual.push(gpuGrad![i]);
    }
    assertClose(actual, numeric, atol * 10, rtol * 10, `gradient of input ${n}`);
  });
}

/** Like `scoped`, for async bodies: everything made inside is released at the end. */
export async function scopedAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = beginScope();
  try {
    return await fn();
  } finally {
    scope.end();
  }
}
