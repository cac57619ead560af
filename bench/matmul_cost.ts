// What the first launch of each matmul kernel of a DistilBERT layer costs on this adapter, pipeline
// creation included: where a CPU implementation (lavapipe, llvmpipe) compiles the shader. Each is timed in
// wall-clock and in this process's CPU time (the compile runs in this process), which other jobs
// on a shared machine disturb less. Products that share a kernel text compile once, so the later
// ones are named, not timed. Run it cold to see compile costs (bench/README.md has the figures):
//   MESA_SHADER_CACHE_DISABLE=true npx tsx bench/matmul_cost.ts
import { type Tensor, gpu, initGpu } from '../engine/index.ts';
import { launchOn } from '../engine/autograd/launch_on.ts';
import { flush } from '../engine/gpu/dispatch.ts';
import type { MatmulShape } from '../kernels/matmul.ts';
import { matmulVariants } from '../kernels/matmul_variants.ts';
import { helpText, parseArgs, positiveInt, runCommand, UsageError, type OptionTable } from '../train/args.ts';
import { randomTensor } from '../tune/workload.ts';

const OPTIONS = {
  variants: { kind: 'string', help: 'matmul variants, comma-separated: 3 (blocked), 4 (direct)', default: '3,4' },
  tokens: { kind: 'int', help: 'rows of the activations', default: 64, check: positiveInt },
  dim: { kind: 'int', help: 'model width (the feed-forward is 4 times as wide)', default: 64, check: positiveInt },
} satisfies OptionTable;

const USAGE = 'npx tsx bench/matmul_cost.ts [options]';

/** A layer's products: a linear forward and backward, lin1 with GELU, and q, k and v in 3 slots. */
function products(t: number, d: number): [string, MatmulShape][] {
  const plain = { batch: 1, transA: false, transB: false };
  const qkv = { ...plain, batch: 3 };
  return [
    ['linear forward, NT + bias', { ...plain, m: t, n: d, k: d, transB: true, bias: true }],
    ['linear dX, NN', { ...plain, m: t, n: d, k: d }],
    ['linear dW, TN', { ...plain, m: d, n: d, k: t, transA: true }],
    ['lin1 forward, + GELU', { ...plain, m: t, n: 4 * d, k: d, transB: true, bias: true, gelu: true }],
    ['q, k, v forward', { ...qkv, m: t, n: d, k: d, transB: true, sharedA: true, bias: true, slots: { b: true, c: true } }],
    ['q, k, v dX', { ...qkv, m: t, n: d, k: d, slots: { a: true, b: true } }],
    ['q, k, v dW', { ...qkv, m: d, n: d, k: t, transA: true, sharedB: true, slots: { a: true, c: true } }],
  ];
}

/** Operands in kernels/matmul.ts's binding order: A, B, C (one per slot where slotted), bias, pre-activation. */
function operands(s: MatmulShape): Tensor[] {
  const per = (slotted: boolean | undefined, shared: boolean | undefined, size: number) =>
    slotted ? Array.from({ length: s.batch }, (_, z) => randomTensor([size], z)) : [randomTensor([size * (shared ? 1 : s.batch)], 9)];
  const c = () => per(s.slots?.c, false, s.m * s.n);
  return [
    ...per(s.slots?.a, s.sharedA, s.m * s.k),
    ...per(s.slots?.b, s.sharedB, s.k * s.n),
    ...c(),
    ...(s.bias ? per(s.slots?.c, true, s.n) : []),
    ...(s.gelu ? c() : []),
  ];
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(helpText(USAGE, "Times the first launch of each matmul kernel of a layer's products.", OPTIONS));
    return;
  }
  const o = parseArgs(OPTIONS, argv);
  const variants = o.variants.split(',').map((v) => {
    if (v !== '3' && v !== '4') throw new UsageError(`no matmul variant '${v}' here (3 or 4)`);
    return Number(v) as 3 | 4;
  });
  await initGpu();
  const timed = new Map<string, string>();
  for (const variant of variants) {
    for (const [label, shape] of products(o.tokens, o.dim)) {
      const kernel = matmulVariants[variant].kernel(shape);
      const lines = kernel.code.split('\n').length;
      const name = `${variant} ${label}`.padEnd(32);
      const earlier = timed.get(kernel.code);
      if (earlier) {
        console.log(`${name} the same kernel as ${earlier}`);
        continue;
      }
      timed.set(kernel.code, label);
      const inputs = operands(shape);
      await gpu().device.queue.onSubmittedWorkDone();
      const cpu = process.cpuUsage();
      const start = performance.now();
      launchOn(kernel, ...inputs);
      flush();
      await gpu().device.queue.onSubmittedWorkDone();
      const used = process.cpuUsage(cpu);
      const cpuS = (used.user + used.system) / 1e6;
      const wallS = (performance.now() - start) / 1000;
      console.log(
        `${name} ${String(lines).padStart(4)} lines  first launch ${cpuS.toFixed(2)} s CPU, ${wallS.toFixed(2)} s wall  ${kernel.name}`,
      );
      for (const t of inputs) t.release();
    }
  }
}

runCommand('matmul_cost', main);
