// What each form of attention's kernels (engine/ops/attention.ts `ATTENTION_FORMS`) costs on this
// adapter: its first launch with the pipeline's creation, where a CPU implementation compiles it
// to machine code, and the median of later launches. Each is timed in wall-clock and in this
// process's CPU time (the compile and, on a CPU implementation, the kernel itself run in this
// process), which other jobs on a shared machine disturb less. Run it cold to see compile costs:
//   MESA_SHADER_CACHE_DISABLE=true npx tsx bench/attention_cost.ts --seq 32 --head-dim 16 --dropout
import { ATTENTION_FORMS, Tensor, gpu, initGpu, type AttentionForm, type AttentionKernel } from '../engine/index.ts';
import { launchOn } from '../engine/autograd/launch_on.ts';
import { flush } from '../engine/gpu/dispatch.ts';
import { helpText, parseArgs, positiveInt, runCommand, UsageError, type OptionTable } from '../train/args.ts';
import { stats } from '../tune/timing.ts';
import { randomTensor } from '../tune/workload.ts';

const OPTIONS = {
  forms: { kind: 'string', help: 'forms to time, comma-separated', default: 'blocks,rows,cpu' },
  batch: { kind: 'int', help: 'sequences', default: 16, check: positiveInt },
  seq: { kind: 'int', help: 'tokens per sequence', default: 32, check: positiveInt },
  heads: { kind: 'int', help: 'attention heads', default: 2, check: positiveInt },
  'head-dim': { kind: 'int', help: 'floats per head', default: 16, check: positiveInt },
  dropout: { kind: 'flag', help: 'with attention dropout (p = 0.1)' },
  samples: { kind: 'int', help: 'launches timed after the first', default: 9, check: positiveInt },
} satisfies OptionTable;

const USAGE = 'npx tsx bench/attention_cost.ts [options]';

interface Cost {
  wallMs: number;
  cpuMs: number;
}

/** One launch of `kernel`, submitted alone and waited for. */
async function timeLaunch(run: () => void): Promise<Cost> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  run();
  flush();
  await gpu().device.queue.onSubmittedWorkDone();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(helpText(USAGE, "Times the first and later launches of attention's kernels in each form.", OPTIONS));
    return;
  }
  const o = parseArgs(OPTIONS, argv);
  const forms = o.forms.split(',') as AttentionForm[];
  for (const form of forms)
    if (!(form in ATTENTION_FORMS)) throw new UsageError(`no attention form '${form}' (${Object.keys(ATTENTION_FORMS).join(', ')})`);
  await initGpu();
  const dims = { batch: o.batch, seq: o.seq, heads: o.heads, headDim: o['head-dim'] };
  const dropout = o.dropout ? { probability: 0.1, rng: { seed: 1, stream: 0 } } : null;
  const shape = [dims.batch, dims.seq, dims.heads * dims.headDim];
  const [q, k, v, grad] = [1, 2, 3, 4].map((seed) => randomTensor(shape, seed));
  const mask = Tensor.fromArray(
    Int32Array.from({ length: dims.batch * dims.seq }, (_, i) => (i === dims.seq - 1 ? 0 : 1)),
    [dims.batch, dims.seq],
    'i32',
  );
  // Statistics (lse, Δ) of zero keep every exp(s - lse) finite for scores of q and k this size.
  const rowStats = Tensor.fromArray(new Float32Array(dims.batch * dims.heads * dims.seq * 2), [dims.batch, dims.heads, dims.seq, 2]);
  const out = () => new Tensor(shape);
  // With dropout, each kernel also binds the step of its random stream (kernels/rng.ts), last.
  const step = dropout ? [Tensor.fromArray([0], [1], 'i32')] : [];
  const bindings: Record<AttentionKernel, Tensor[]> = {
    attention_forward: [q, k, v, mask, out(), new Tensor([dims.batch, dims.heads, dims.seq]), ...step],
    attention_grad_query: [q, k, v, mask, rowStats, grad, out(), ...step],
    attention_grad_key_value: [q, k, v, mask, rowStats, grad, out(), out(), ...step],
  };
  console.log(
    `B${dims.batch} H${dims.heads} T${dims.seq} D${dims.headDim}${dropout ? ', dropout' : ''}, ${o.samples} samples after the first`,
  );
  const kernels = forms.flatMap((form) =>
    (Object.entries(bindings) as [AttentionKernel, Tensor[]][]).map(([kernel, tensors]) => {
      const launch = ATTENTION_FORMS[form][kernel](dims, dropout);
      return { launch, run: () => launchOn(launch, ...tensors), later: [] as Cost[] };
    }),
  );
  const firsts: Cost[] = [];
  for (const k of kernels) firsts.push(await timeLaunch(k.run));
  // Later launches in turns, so that a change in the machine's load falls on every kernel alike.
  for (let i = 0; i < o.samples; i++) for (const k of kernels) k.later.push(await timeLaunch(k.run));
  const ms = (x: number) => x.toFixed(x < 100 ? 1 : 0).padStart(7);
  console.log(`${'kernel'.padEnd(62)} lines   first run: wall    cpu   later (median): wall    cpu`);
  for (const [i, k] of kernels.entries()) {
    const median = (key: keyof Cost) => stats(k.later.map((c) => c[key])).median;
    const lines = String(k.launch.code.split('\n').length).padStart(5);
    console.log(
      `${k.launch.name.padEnd(62)} ${lines}   ${ms(firsts[i].wallMs)} ${ms(firsts[i].cpuMs)} ms              ${ms(median('wallMs'))} ${ms(median('cpuMs'))} ms`,
    );
  }
}

runCommand('attention_cost', main);
