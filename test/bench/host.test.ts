// `npm run bench -- --only host` on a tiny model: a step's launches, submits and host time per
// launch are measured and rendered, PyTorch's side runs or says why not, and the pool's peak of a
// step recorded without executing it is reported.
import '../support/setup.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dispatchStats } from '../../engine/index.ts';
import { withoutExecution } from '../../engine/gpu/dispatch.ts';
import { HOST_SHAPE, profileHost } from '../../bench/host.ts';
import { parseOptions } from '../../bench/options.ts';
import { ProfiledModel } from '../../bench/profile.ts';
import { hostTable, textTable } from '../../bench/tables.ts';
import { repoRoot } from '../support/cli_process.ts';

const TINY = ['--quick', '--layers', '1', '--vocab', '50', '--dim', '16', '--hidden', '32', '--heads', '2', '--only', 'host'];

test('the host profile counts a step, times its launches and reports the pool peak of a step it does not run', async () => {
  const o = parseOptions(TINY)!;
  const h = await profileHost(o, () => {});
  assert.ok(h.launches > 20 && Number.isInteger(h.launches), `${h.launches} launches`);
  assert.is(h.submits, 1);
  // Times are the machine's: measured, never compared (no verdict may depend on its speed).
  for (const run of [h.eager, h.replay]) assert.ok(run.usPerLaunch > 0 && run.recordMs.median > 0 && run.stepMs.median > 0);
  // PyTorch's samples come one after each of ours, and the ratios pair them.
  if ('stepMs' in h.torch) for (const run of [h.eager, h.replay]) assert.ok(run.vsTorch && run.vsTorch.wall.median > 0);
  else assert.ok(h.torch.unavailable.length > 0);
  assert.equal([h.memory.batch, h.memory.seq, h.memory.dim], [8, 128, 16]);
  assert.ok(h.memory.peakBytes > 0 && h.memory.peakBytes <= h.memory.heldBytes, `peak ${h.memory.peakBytes}, held ${h.memory.heldBytes}`);
  const text = textTable(hostTable(h));
  assert.match(text, new RegExp(`launches per step\\s+${h.launches}\\n`));
  assert.match(text, /pool peak, 1 layers dim 16 at batch 8 × seq 128\s+\d+ MiB/);
});

test("bench/README.md's launches per step are those of the host profile's step", () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'bench', 'README.md'), 'utf8');
  const stated = readme.match(/^\| launches per step \| (\d+) \|$/m);
  if (!stated) assert.unreachable('bench/README.md no longer states the launches per step');
  // The benchmark's own step (6 layers, its vocabulary, HOST_SHAPE), counted without running it:
  // the second step, as the profile counts steps after its warm-up.
  const model = new ProfiledModel({ ...parseOptions(['--only', 'host'])!, ...HOST_SHAPE }, { zeros: true });
  try {
    withoutExecution(() => model.step());
    const before = dispatchStats.dispatches;
    withoutExecution(() => model.step());
    assert.is(dispatchStats.dispatches - before, Number(stated![1]));
  } finally {
    model.release();
  }
});

test.run();
