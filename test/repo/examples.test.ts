// examples/mlp.ts, the engine's minimal program, runs as a reader would run it and learns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../support/cli_process.ts';

test('examples/mlp.ts trains: the loss after 100 steps is under half the first', async () => {
  const run = await runCli('examples/mlp.ts', ['100']);
  assert.is(run.code, 0, run.stderr);
  const losses = [...run.stdout.matchAll(/^step (\d+): loss ([\d.]+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(
    losses.map(([step]) => step),
    [1, 50, 100],
    run.stdout,
  );
  assert.ok(losses[2][1] < losses[0][1] / 2, `loss went from ${losses[0][1]} to ${losses[2][1]}`);
});

test.run();
