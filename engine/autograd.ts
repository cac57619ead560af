// Reverse-mode differentiation over the graph that ops record on tensors.
//
// `backward(loss)` orders the graph topologically once, then visits it from the loss down: each
// node's backward function turns its gradient into its parents' gradients. A tensor used by two
// ops (a residual connection) has both contributions summed before its own backward runs, so no
// work is repeated. Leaves that require grad (parameters) keep their gradient in a persistent
// buffer and accumulate into it across backward calls until `zeroGrad`.
import { add, accumulateInto, filled } from './ops/elementwise.ts';
import { copyBuffer } from './dispatch.ts';
import { Tensor, noGrad, sameShape, shapeStr } from './tensor.ts';
import { tracedBackward } from './trace.ts';

/** The tensors under `root` that need a gradient, each after every tensor made from it. */
export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // Iterative depth-first search: deep networks would overflow the JS stack with recursion.
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const parents = top[0].creator?.parents ?? [];
    if (top[1] < parents.length) {
      const parent = parents[top[1]++];
      if (parent.requiresGrad && !seen.has(parent)) {
        seen.add(parent);
        stack.push([parent, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order.reverse();
}

export function backward(loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) throw new Error(`backward(): ${loss.name} does not depend on any tensor that requires grad`);
  if (!seed && loss.size !== 1) throw new Error(`backward() without a seed gradient needs a scalar, got ${shapeStr(loss.shape)}`);
  const grads = new Map<Tensor, Tensor>([[loss, seed ?? filled(loss.shape, 1)]]);
  for (const node of topologicalOrder(loss)) {
    const grad = grads.get(node);
    if (!grad) continue;
    const creator = node.creator;
    if (!creator) {
      accumulateLeaf(node, grad);
      continue;
    }
    // Backward computations are not themselves recorded: we do not take second derivatives.
    const parentGrads = noGrad(() => tracedBackward(node, () => creator.backwardFn(grad)));
    creator.parents.forEach((parent, i) => {
      const g = parentGrads[i];
      if (!g || !parent.requiresGrad) return;
      if (!sameShape(g.shape, parent.shape)) {
        throw new Error(`internal: gradient ${shapeStr(g.shape)} for ${parent.name} ${shapeStr(parent.shape)}`);
      }
      const previous = grads.get(parent);
      grads.set(parent, previous ? add(previous, g) : g);
    });
  }
}

function accumulateLeaf(leaf: Tensor, grad: Tensor): void {
  if (leaf.grad) {
    accumulateInto(leaf.grad, grad);
  } else {
    leaf.grad = new Tensor(leaf.shape, 'f32', { persistent: true, name: `${leaf.name}.grad` });
    copyBuffer(grad.binding, leaf.grad.binding, grad.byteLength);
  }
}

/**
 * Drops the gradients of `params`, as torch's zero_grad(set_to_none=True) does: their buffers go
 * back to the pool, and the next backward writes each gradient with one copy instead of a fill
 * followed by an add.
 */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) {
    p.grad?.release();
    p.grad = null;
  }
}
