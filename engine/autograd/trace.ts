// The graph of a step: its order (`topologicalOrder`, the order backward visits it), and names on
// it: which op made each tensor, and which kernels it launched.
//
// Every op in engine/ops/ is declared through `op(name, fn)`. While `fn` runs, an op frame is
// open and every kernel launched through `launchOn` (engine/autograd/launch_on.ts) is noted in it. When `fn` returns
// a graph node (a tensor with a backward function), the node takes the op's name (`tensor.op`)
// and the frame's kernels. An op built from other ops claims the kernels of the inner ops whose
// results are not graph nodes (an op applied to something that needs no gradient, say); an inner
// op whose result is a node keeps its own. `backward` (engine/autograd/backward.ts) runs each node's backward
// function inside a frame of its own, so the node also learns the kernels of its backward.
//
// `printGraph(loss)` lists the nodes in the order backward visits them, with those kernels.
import { shapeStr, type Tensor } from './tensor.ts';

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

interface OpFrame {
  name: string;
  kernels: string[];
}

export interface NodeKernels {
  forward: string[];
  backward: string[];
}

const frames: OpFrame[] = [];
const kernelsOf = new WeakMap<Tensor, NodeKernels>();

/** The innermost op running now, if any (for debug output naming launches). */
export function currentOp(): string | undefined {
  return frames[frames.length - 1]?.name;
}

/** Notes a kernel launch in the open op frame (engine/autograd/launch_on.ts calls it for every launch). */
export function noteLaunch(kernelName: string): void {
  frames[frames.length - 1]?.kernels.push(kernelName);
}

function inFrame<T>(name: string, fn: () => T): { result: T; kernels: string[] } {
  const frame: OpFrame = { name, kernels: [] };
  frames.push(frame);
  try {
    return { result: fn(), kernels: frame.kernels };
  } finally {
    frames.pop();
  }
}

/**
 * Declares an op: `fn` with its calls traced. Its result, when it is a new graph node, is named
 * `name` and remembers the kernels launched to make it; other kernels go to the enclosing op.
 */
export function op<Args extends unknown[]>(name: string, fn: (...args: Args) => Tensor): (...args: Args) => Tensor {
  return (...args: Args) => {
    const { result, kernels } = inFrame(name, () => fn(...args));
    if (result.creator && result.op === null) {
      result.op = name;
      kernelsOf.set(result, { forward: kernels, backward: [] });
    } else {
      frames[frames.length - 1]?.kernels.push(...kernels);
    }
    return result;
  };
}

/** Runs `node`'s backward function (`fn`), noting the kernels it launches on the node. */
export function tracedBackward<T>(node: Tensor, fn: () => T): T {
  const { result, kernels } = inFrame(`${node.op ?? 'node'} backward`, fn);
  const known = kernelsOf.get(node);
  if (known) known.backward.push(...kernels);
  return result;
}

/** The kernels that made `node` and, once backward has run, those of its backward. */
export function nodeKernels(node: Tensor): NodeKernels {
  return kernelsOf.get(node) ?? { forward: [], backward: [] };
}

/** "a, b ×3, c": repeated kernel names counted. */
function kernelList(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(', ') || '-';
}

/**
 * The graph under `root` as text, one line per tensor in the order `backward` visits them: the
 * op that made it (or "leaf"), its name and shape, its parents, and the kernels of its forward
 * and (after a backward) of its backward.
 */
export function formatGraph(root: Tensor): string {
  const nodes = topologicalOrder(root);
  const index = new Map(nodes.map((t, i) => [t, i]));
  const lines = nodes.map((t, i) => {
    const creator = t.creator;
    const head = `#${i} ${creator ? (t.op ?? '(unnamed op)') : 'leaf'} ${t.name} ${shapeStr(t.shape)}`;
    if (!creator) return head;
    const parents = creator.parents.map((p) => (index.has(p) ? `#${index.get(p)}` : p.name)).join(', ');
    const { forward, backward } = nodeKernels(t);
    return `${head} <- ${parents}\n    forward:  ${kernelList(forward)}\n    backward: ${kernelList(backward)}`;
  });
  return lines.join('\n');
}

/** Prints `formatGraph(root)` on stdout. */
export function printGraph(root: Tensor): void {
  console.log(formatGraph(root));
}
