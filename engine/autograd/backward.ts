// Reverse-mode differentiation over the graph that ops record on tensors.
//
// `backward(loss)` orders the graph topologically once, then visits it from the loss down: each
// node's backward function turns its gradient into its parents' gradients. A tensor used by two
// ops (a residual connection) has both contributions summed before its own backward runs, so no
// work is repeated: by an `add` launch, or, for an op whose backward takes its gradient in two
// parts (`setBackward`'s twoParts: layerNorm, dropout), by its own kernels as they read them. A leaf that requires grad (a parameter) takes the gradient backward made as
// its `.grad`, handed over rather than copied; later backward calls add into it until `zeroGrad`.
import { add, accumulateInto, filled } from '../ops/elementwise.ts';
import { copyBuffer } from '../gpu/dispatch.ts';
import { scoped } from '../gpu/memory.ts';
import { Tensor, nextTensorId, noGrad, sameShape, shapeStr } from './tensor.ts';
import { topologicalOrder, tracedBackward } from './trace.ts';

export function backward(loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) throw new Error(`backward(): ${loss.name} does not depend on any tensor that requires grad`);
  if (!seed && loss.numel !== 1) throw new Error(`backward() without a seed gradient needs a scalar, got ${shapeStr(loss.shape)}`);
  const gradients = new LiveGradients();
  gradients.set(loss, seed ?? filled(loss.shape, 1));
  for (const node of topologicalOrder(loss)) {
    const parts = gradients.take(node);
    if (!parts) continue;
    const creator = node.creator;
    if (!creator) {
      accumulateLeaf(node, parts[0], gradients);
    } else {
      // Backward computations are not themselves recorded: we do not take second derivatives.
      // What a backward function makes besides the gradients it returns is freed when it returns.
      const parentGrads = noGrad(() => tracedBackward(node, () => scoped(() => creator.backwardFn(parts[0], parts[1]))));
      creator.parents.forEach((parent, i) => {
        const g = parentGrads[i];
        if (!g) return;
        if (!parent.requiresGrad) return gradients.unused(g);
        if (!sameShape(g.shape, parent.shape)) {
          throw new Error(`internal: gradient ${shapeStr(g.shape)} for ${parent.name} ${shapeStr(parent.shape)}`);
        }
        gradients.add(parent, g);
      });
      for (const part of parts) gradients.consumed(part);
    }
  }
}

/**
 * The gradients waiting for their node's turn, freed as soon as they are consumed, so that
 * backward's peak memory is the activations plus the gradients still live, not every gradient of
 * the step. A backward function may return its input gradient, or a view of it, for a parent (an
 * addition does), so memory is counted by owning tensor (the base of a view) and freed when no
 * waiting gradient uses it. Only what this backward made is ever freed: never the caller's seed,
 * a forward tensor or a persistent one. A node whose backward takes two parts waits with two.
 */
class LiveGradients {
  /** Each node's gradient, or for a node whose backward takes two parts, up to two that sum to it. */
  private readonly waiting = new Map<Tensor, Tensor[]>();
  private readonly users = new Map<Tensor, number>();
  private readonly firstOwnId = nextTensorId();

  set(node: Tensor, grad: Tensor): void {
    this.waiting.set(node, [grad]);
    this.use(grad);
  }

  /**
   * Adds `grad` to `node`'s waiting gradient (a node used by several ops gets their sum, in the
   * order they came): as a second part when the node's backward takes two, else by a launch.
   */
  add(node: Tensor, grad: Tensor): void {
    const parts = this.waiting.get(node);
    if (!parts) {
      this.set(node, grad);
      return;
    }
    if (node.creator?.twoParts) {
      if (parts.length === 1) {
        parts.push(grad);
        this.use(grad);
        return;
      }
      // A third: the first two are summed, and the sum and the third are the two parts.
      this.set(node, add(parts[0], parts[1]));
      for (const part of parts) this.consumed(part);
      this.waiting.get(node)!.push(grad);
      this.use(grad);
      return;
    }
    this.set(node, add(parts[0], grad));
    this.consumed(parts[0]);
    this.unused(grad);
  }

  /** `node`'s gradient (one part, or two that sum to it), no longer waiting: the caller calls `consumed` on each when it has used it. */
  take(node: Tensor): Tensor[] | undefined {
    const parts = this.waiting.get(node);
    this.waiting.delete(node);
    return parts;
  }

  /**
   * Gives a taken gradient away for good when nothing else can see it (this backward made it,
   * it is no view, no waiting gradient shares its memory): it becomes persistent. False if not.
   */
  handOver(grad: Tensor): boolean {
    if (grad.viewOf || grad.id < this.firstOwnId || grad.persistent || this.users.get(grad) !== 1) return false;
    this.users.delete(grad);
    grad.persist();
    return true;
  }

  /** Done with a gradient that was waiting (taken, or replaced by a sum). */
  consumed(grad: Tensor): void {
    this.free(grad, 1);
  }

  /** Done with a gradient that never waited (summed at once, or for a parent without grad). */
  unused(grad: Tensor): void {
    this.free(grad, 0);
  }

  /** Frees `grad`'s memory unless a waiting gradient still uses it; `counted`: the uses `grad` itself accounts for. */
  private free(grad: Tensor, counted: number): void {
    const owner = ownerOf(grad);
    const users = (this.users.get(owner) ?? 0) - counted;
    if (users > 0) {
      this.users.set(owner, users);
      return;
    }
    this.users.delete(owner);
    if (owner.id >= this.firstOwnId && !owner.persistent) owner.release();
  }

  private use(grad: Tensor): void {
    const owner = ownerOf(grad);
    this.users.set(owner, (this.users.get(owner) ?? 0) + 1);
  }
}

function ownerOf(t: Tensor): Tensor {
  return t.viewOf ? ownerOf(t.viewOf) : t;
}

function accumulateLeaf(leaf: Tensor, grad: Tensor, gradients: LiveGradients): void {
  if (leaf.grad) {
    accumulateInto(leaf.grad, grad);
  } else if (grad.dtype === 'f32' && gradients.handOver(grad)) {
    // The usual case: the gradient itself becomes the leaf's, without a copy.
    leaf.grad = grad;
    grad.name = `${leaf.name}.grad`;
    return;
  } else {
    leaf.grad = new Tensor(leaf.shape, 'f32', { persistent: true, name: `${leaf.name}.grad` });
    copyBuffer(grad.binding, leaf.grad.binding, grad.byteLength);
  }
  gradients.consumed(grad);
}

/**
 * Drops the gradients of `params`, as torch's zero_grad(set_to_none=True) does: their buffers go
 * back to the pool, and the next backward hands each new gradient over instead of a fill followed
 * by an add.
 */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) {
    p.grad?.release();
    p.grad = null;
  }
}
