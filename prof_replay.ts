import { flush, initGpu, synchronize, StepReplay } from './engine/index.ts';
import { ProfiledModel } from './bench/profile.ts';
import { parseOptions } from './bench/options.ts';
import { HOST_SHAPE } from './bench/host.ts';
import { Recording } from './engine/dispatch.ts';
await initGpu();
const o = { ...parseOptions([])!, ...HOST_SHAPE };
const model = new ProfiledModel(o);
const replay = new StepReplay();
for (let i = 0; i < 3; i++) { model.step(replay); flush(); await synchronize(); }
const t: Record<string, number[]> = { replay: [], uploadUniforms: [] };
for (const name of ['replay', 'uploadUniforms'] as const) {
  const orig = (Recording.prototype as any)[name];
  (Recording.prototype as any)[name] = function () { const s = performance.now(); orig.call(this); t[name].push(performance.now() - s); };
}
const tot: number[] = [], fl: number[] = [];
for (let i = 0; i < 40; i++) {
  await synchronize();
  await new Promise((r) => setTimeout(r, 3));
  const t0 = performance.now();
  model.step(replay);
  const t1 = performance.now();
  flush();
  tot.push(performance.now() - t0); fl.push(performance.now() - t1);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1].toFixed(3);
console.log(`median: total ${med(tot)}, encode ${med(t.replay)}, upload ${med(t.uploadUniforms)}, flush ${med(fl)}`);
process.exit(0);
