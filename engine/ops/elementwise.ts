// Elementwise ops with NumPy broadcasting, each with its backward.
//
// A binary op's gradient for an operand that was broadcast is summed back to that operand's shape
// (`sumToShape`), e.g. a bias added to every row gets the column sums of the output gradient.
import type { Broadcast4 } from '../../kernels/elementwise.ts';
import { accumulate, binaryMap, fill, unaryMap } from '../gpu/kernels.ts';
import { GELU_HELPERS } from '../../kernels/gelu.ts';
import { copyBuffer } from '../gpu/dispatch.ts';
import { launchOn } from '../autograd/launch_on.ts';
import { Tensor, numel, sameShape, shapeStr, type Shape } from '../autograd/tensor.ts';
import { op } from '../autograd/trace.ts';
import { sumColumnsOf, sumRowsOf } from './row_sums.ts';
import { reshape, transpose } from './shape.ts';

interface BroadcastPlan {
  shape: number[];
  kernel: Broadcast4;
}

/** The output shape of broadcasting `a` with `b`, and their strides over it collapsed to 4 dims. */
export function planBroadcast(a: Shape, b: Shape, opName: string): BroadcastPlan {
  const rank = Math.max(a.length, b.length);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  const shape = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1)
      throw new Error(`${opName}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together`);
    return Math.max(d, pb[i]);
  });
  // Merge neighbouring dims that are broadcast the same way for both operands.
  const segments: { size: number; aFull: boolean; bFull: boolean }[] = [];
  shape.forEach((size, i) => {
    if (size === 1) return;
    const aFull = pa[i] !== 1;
    const bFull = pb[i] !== 1;
    const last = segments[segments.length - 1];
    if (last && last.aFull === aFull && last.bFull === bFull) last.size *= size;
    else segments.push({ size, aFull, bFull });
  });
  if (segments.length > 4) throw new Error(`${opName}: broadcasting ${shapeStr(a)} with ${shapeStr(b)} needs more than 4 distinct dims`);
  while (segments.length < 4) segments.unshift({ size: 1, aFull: true, bFull: true });
  const strides = (full: (s: (typeof segments)[0]) => boolean) => {
    const out = [0, 0, 0, 0] as [number, number, number, number];
    let stride = 1;
    for (let i = 3; i >= 0; i--) {
      if (full(segments[i])) {
        out[i] = stride;
        stride *= segments[i].size;
      }
    }
    return out;
  };
  return {
    shape,
    kernel: {
      dims: segments.map((s) => s.size) as [number, number, number, number],
      aStrides: strides((s) => s.aFull),
      bStrides: strides((s) => s.bFull),
    },
  };
}

/** Sums a broadcast gradient back to `shape`: over the dims where `shape` has 1 or nothing. */
export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  const target = [...Array(grad.shape.length - shape.length).fill(1), ...shape];
  // Alternating runs of kept and reduced dims, e.g. [2, 3, 4] -> [2, 1, 4] is kept 2, reduced 3, kept 4.
  const runs: { size: number; reduced: boolean }[] = [];
  grad.shape.forEach((d, i) => {
    const reduced = target[i] === 1 && d !== 1;
    const last = runs[runs.length - 1];
    if (last && last.reduced === reduced) last.size *= d;
    else runs.push({ size: d, reduced });
  });
  let g = grad;
  // Reduce the innermost reduced run each time: view g as [outer, reduced, inner].
  for (let k = runs.length - 1; k >= 0; k--) {
    if (!runs[k].reduced) continue;
    const outer = numel(runs.slice(0, k).map((r) => r.size));
    const inner = numel(runs.slice(k + 1).map((r) => r.size));
    const size = runs[k].size;
    if (inner === 1) g = sumRowsOf(reshape(g, [outer, size]));
    else if (outer === 1) g = sumColumnsOf(reshape(g, [size, inner]));
    else g = sumRowsOf(reshape(transpose(reshape(g, [outer, size, inner]), 1, 2), [outer * inner, size]));
    runs.splice(k, 1);
  }
  return reshape(g, shape);
}

function binary(name: string, expr: string, a: Tensor, b: Tensor, helpers = ''): Tensor {
  const plan = planBroadcast(a.shape, b.shape, name);
  const out = new Tensor(plan.shape);
  launchOn(binaryMap(name, expr, plan.kernel, helpers), a, b, out);
  return out;
}

function unary(name: string, expr: string, x: Tensor, scalar = 0, helpers = ''): Tensor {
  const out = new Tensor(x.shape);
  launchOn(unaryMap(name, expr, x.numel, scalar, helpers), x, out);
  return out;
}

export const add = op('add', function add(a: Tensor, b: Tensor): Tensor {
  return binary('add', 'a + b', a, b).setBackward([a, b], (g) => [sumToShape(g, a.shape), sumToShape(g, b.shape)]);
});

export const sub = op('sub', function sub(a: Tensor, b: Tensor): Tensor {
  return binary('sub', 'a - b', a, b).setBackward([a, b], (g) => [sumToShape(g, a.shape), sumToShape(neg(g), b.shape)]);
});

export const mul = op('mul', function mul(a: Tensor, b: Tensor): Tensor {
  return binary('mul', 'a * b', a, b).setBackward([a, b], (g) => [
    a.requiresGrad ? sumToShape(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumToShape(mul(g, a), b.shape) : null,
  ]);
});

export const div = op('div', function div(a: Tensor, b: Tensor): Tensor {
  const out = binary('div', 'a / b', a, b);
  return out.setBackward([a, b], (g) => {
    const gOverB = div(g, b);
    // d(a/b)/db = -a/b² = -(g/b)·out
    return [sumToShape(gOverB, a.shape), b.requiresGrad ? sumToShape(binary('neg_mul', '-a * b', gOverB, out), b.shape) : null];
  });
});

export function neg(x: Tensor): Tensor {
  return mulScalar(x, -1);
}

export const addScalar = op('addScalar', function addScalar(x: Tensor, s: number): Tensor {
  return unary('add_scalar', 'x + p.s', x, s).setBackward([x], (g) => [g]);
});

export const mulScalar = op('mulScalar', function mulScalar(x: Tensor, s: number): Tensor {
  return unary('mul_scalar', 'x * p.s', x, s).setBackward([x], (g) => [mulScalar(g, s)]);
});

export const exp = op('exp', function exp(x: Tensor): Tensor {
  const out = unary('exp', 'exp(x)', x);
  return out.setBackward([x], (g) => [mul(g, out)]);
});

export const log = op('log', function log(x: Tensor): Tensor {
  return unary('log', 'log(x)', x).setBackward([x], (g) => [div(g, x)]);
});

export const tanh = op('tanh', function tanh(x: Tensor): Tensor {
  const out = unary('tanh', 'tanh(x)', x);
  return out.setBackward([x], (g) => [binary('tanh_backward', 'a * (1.0 - b * b)', g, out)]);
});

export const relu = op('relu', function relu(x: Tensor): Tensor {
  return unary('relu', 'max(x, 0.0)', x).setBackward([x], (g) => [binary('relu_backward', 'select(0.0, a, b > 0.0)', g, x)]);
});

/** GELU, exact erf form (PyTorch's nn.GELU() default, used by DistilBERT). */
export const gelu = op('gelu', function gelu(x: Tensor): Tensor {
  return unary('gelu', 'gelu(x)', x, 0, GELU_HELPERS).setBackward([x], (g) => [geluBackward(g, x)]);
});

/** g · gelu'(x), elementwise: GELU's backward, no autograd (a building block). */
export function geluBackward(g: Tensor, x: Tensor): Tensor {
  return binary('gelu_backward', 'a * gelu_grad(b)', g, x, GELU_HELPERS);
}

/** `x` repeated (broadcast) to `shape`. */
export const expand = op('expand', function expand(x: Tensor, shape: Shape): Tensor {
  const plan = planBroadcast(x.shape, shape, 'expand');
  if (!sameShape(plan.shape, shape)) throw new Error(`expand: cannot expand ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
  const out = new Tensor(shape);
  // Both operands are x: the kernel reads b with a's strides and ignores it.
  launchOn(binaryMap('expand', 'a', { ...plan.kernel, bStrides: plan.kernel.aStrides }), x, x, out);
  return out.setBackward([x], (g) => [sumToShape(g, x.shape)]);
});

/** A new tensor of `shape` with every element `value`. */
export function filled(shape: Shape, value: number): Tensor {
  const out = new Tensor(shape);
  fillLike(out, value);
  return out;
}

/** Overwrites every element of `t` with `value`, in place. */
export function fillLike(t: Tensor, value: number): void {
  if (t.numel > 0) launchOn(fill(t.numel, value), t);
}

/** Overwrites `dst` with `src`'s values (a copy command, not a kernel); shapes and dtypes must match. */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (!sameShape(dst.shape, src.shape) || dst.dtype !== src.dtype)
    throw new Error(`cannot copy ${src.dtype} ${shapeStr(src.shape)} into ${dst.name} ${dst.dtype} ${shapeStr(dst.shape)}`);
  if (dst.numel > 0) copyBuffer(src.binding, dst.binding, dst.binding.size!);
}

/** acc += grad, in place; shapes must match. */
export function accumulateInto(acc: Tensor, grad: Tensor): void {
  if (!sameShape(acc.shape, grad.shape))
    throw new Error(`cannot accumulate ${shapeStr(grad.shape)} into ${acc.name} ${shapeStr(acc.shape)}`);
  launchOn(accumulate(acc.numel), acc, grad);
}
