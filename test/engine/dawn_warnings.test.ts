// Dawn's two warnings about dynamic buffers on a CPU driver (engine/gpu/dawn_warnings.ts) stay off
// a stderr that is a pipe, and the engine's own lines still come through it. A process of its own,
// since what is tested is file descriptor 2; its stderr goes through `| cat`, a pipe, as in
// `npm run train 2>&1 | tee log` (a child's stderr from Node's spawn is a socket, left alone).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/cli_process.ts';

test("opening the GPU with stderr on a pipe: the adapter's line, none of Dawn's limit warnings", () => {
  const engine = JSON.stringify(path.join(repoRoot, 'engine', 'index.ts'));
  const open = `const { initGpu, closeGpu } = await import(${engine}); await initGpu(); closeGpu(); process.exit(0);`;
  const run = spawnSync('sh', ['-c', `"${process.execPath}" --import tsx --input-type=module -e "$OPEN" 2>&1 | cat`], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ENGINE_QUIET: '0', OPEN: open },
  });
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /^\[engine\] (GPU )?adapter: /m);
  assert.not.match(run.stdout, /artificially reduced/);
});

test.run();
