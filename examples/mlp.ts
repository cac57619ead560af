// The engine with nothing else: a two-layer MLP learns which of two interleaved spirals a 2-D
// point belongs to. Tensors, ops, backward, AdamW and a step scope; no model files, no tokenizer.
//   npx tsx examples/mlp.ts [steps]
import { AdamW, Tensor, backward, beginScope, closeGpu, crossEntropy, flush, initGpu, linear, relu, zeroGrad } from '../engine/index.ts';

const steps = Number(process.argv[2] ?? 300);
const POINTS = 256;
const HIDDEN = 32;

// A seeded generator, so every run learns the same way.
let seed = 1;
const random = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
const gaussian = () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());

// Toy data: point i lies on spiral i % 2, with a little noise.
const xy: number[] = [];
const classes: number[] = [];
for (let i = 0; i < POINTS; i++) {
  const t = (i / POINTS) * 3 * Math.PI + 0.5;
  const sign = i % 2 === 0 ? 1 : -1;
  xy.push((sign * t * Math.cos(t)) / 10 + 0.05 * gaussian(), (sign * t * Math.sin(t)) / 10 + 0.05 * gaussian());
  classes.push(i % 2);
}

await initGpu();
// Data and parameters are made outside any step scope, so they persist across steps.
const inputs = Tensor.fromArray(xy, [POINTS, 2]);
const labels = Tensor.fromArray(classes, [POINTS], 'i32');
const param = (shape: number[], scale: number) =>
  Tensor.fromArray(
    Array.from({ length: shape.reduce((a, b) => a * b) }, () => scale * gaussian()),
    shape,
    'f32',
    { requiresGrad: true },
  );
const w1 = param([HIDDEN, 2], 1);
const b1 = param([HIDDEN], 0);
const w2 = param([HIDDEN, HIDDEN], 1 / Math.sqrt(HIDDEN));
const b2 = param([HIDDEN], 0);
const w3 = param([2, HIDDEN], 1 / Math.sqrt(HIDDEN));
const params = [w1, b1, w2, b2, w3];
const optimizer = new AdamW(params, { lr: 0.01 });

for (let step = 1; step <= steps; step++) {
  // Everything the step makes (activations, their gradients) is freed when its scope ends.
  const scope = beginScope();
  const logits = linear(relu(linear(relu(linear(inputs, w1, b1)), w2, b2)), w3);
  const loss = crossEntropy(logits, labels);
  backward(loss);
  optimizer.step();
  zeroGrad(params);
  // Reading a value waits for the GPU; do it only now and then.
  if (step === 1 || step % 50 === 0) console.log(`step ${step}: loss ${(await loss.item()).toFixed(4)}`);
  scope.end();
  flush();
}
closeGpu(); // lets Node exit
