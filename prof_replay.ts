import { flush, initGpu, synchronize, StepReplay } from './engine/index.ts';
import { ProfiledModel } from './bench/profile.ts';
import { parseOptions } from './bench/options.ts';
import { HOST_SHAPE } from './bench/host.ts';
import { Recording } from './engine/dispatch.ts';
await initGpu();
const o = { ...parseOptions([])!, ...HOST_SHAPE };
const model = new ProfiledModel(o);
const replay = new StepReplay();
for (let i = 0; i < 3; i++) {
  model.step(replay);
  flush();
  await synchronize();
}
const orig = Recording.prototype.replay;
const enc: number[] = [],
  tot: number[] = [],
  fl: number[] = [];
Recording.prototype.replay = function () {
  const t = performance.now();
  orig.call(this);
  enc.push(performance.now() - t);
};
for (let i = 0; i < 30; i++) {
  await synchronize();
  await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  model.step(replay);
  const t1 = performance.now();
  flush();
  const t2 = performance.now();
  tot.push(t2 - t0);
  fl.push(t2 - t1);
}
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(2);
console.log(`${process.env.TAG ?? ''} median per step: total ${med(tot)} ms, encode ${med(enc)}, flush ${med(fl)}`);
process.exit(0);
