// One training step of a one-layer DistilBERT, shown: the graph `backward` walks (each node's op
// and the kernels of its forward and backward), then what the step launched and submitted.
// docs/life-of-a-step.md quotes its output.
//   npx tsx examples/step_graph.ts [layers]
import {
  AdamW,
  Tensor,
  backward,
  beginScope,
  closeGpu,
  crossEntropy,
  dispatchStats,
  flush,
  formatGraph,
  gradNorm,
  initGpu,
  zeroGrad,
} from '../engine/index.ts';
import { initModel } from '../model/checkpoint.ts';
import { DistilBertConfig } from '../model/distilbert_config.ts';

await initGpu();
const layers = Number(process.argv[2] ?? 1);
const config = DistilBertConfig.fromJSON({ vocab_size: 100, n_layers: layers, n_heads: 2, dim: 16, hidden_dim: 32 }, 'example config');
const model = initModel(config, 42);
const optimizer = new AdamW(model.parameters(), { lr: 2e-5 });
const [batch, seq] = [2, 5];
const ids = Tensor.fromArray([101, 7, 8, 9, 102, 101, 10, 102, 0, 0], [batch, seq], 'i32', { persistent: true, name: 'ids' });
const mask = Tensor.fromArray([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [batch, seq], 'i32', { persistent: true, name: 'mask' });
const labels = Tensor.fromArray([1, 0], [batch], 'i32', { persistent: true, name: 'labels' });

const counts = () => ({ ...dispatchStats });
const phases: [string, { dispatches: number; submits: number }][] = [];
const mark = (phase: string, before: ReturnType<typeof counts>) =>
  phases.push([phase, { dispatches: dispatchStats.dispatches - before.dispatches, submits: dispatchStats.submits - before.submits }]);

const step = Tensor.fromArray([0], [1], 'i32', { persistent: true, name: 'dropout_step' });

const scope = beginScope();
let before = counts();
const loss = crossEntropy(model.forward(ids, mask, { training: true, rng: { seed: 42, step } }), labels);
mark('forward', before);
before = counts();
backward(loss);
mark('backward', before);
before = counts();
const { clipCoef } = gradNorm(optimizer.params, 1);
optimizer.step(clipCoef);
zeroGrad(optimizer.params);
mark('grad norm, clip, AdamW', before);
console.log(formatGraph(loss));
before = counts();
scope.end();
flush();
mark('end of step (flush)', before);
console.log('');
for (const [phase, { dispatches, submits }] of phases) console.log(`${phase}: ${dispatches} launches, ${submits} submits`);
closeGpu();
