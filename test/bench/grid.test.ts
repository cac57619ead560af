// The grid report (npm run bench -- --only grid, bench/grid.ts): every launch of a training step
// as a GPU runs it, each with its workgroup count, those under 1,024 flagged. The step is recorded
// without running, so nothing compiles: the shapes are chosen to have launches on both sides of
// the line (the embedding lookup of 64 × 64 tokens of width 64 is 1,024 workgroups of 256).
import '../support/setup.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gpu, pool } from '../../engine/index.ts';
import { runBench } from '../../bench/bench.ts';
import { stepGrid } from '../../bench/grid.ts';
import { parseOptions } from '../../bench/options.ts';
import { writeReport } from '../../bench/report.ts';
import { gridSummary, gridTable } from '../../bench/tables.ts';
import { FILL_WORKGROUPS } from '../../kernels/matmul_split_k.ts';

const SHAPES = [
  '--batch-size',
  '64',
  '--max-length',
  '64',
  '--dim',
  '64',
  '--hidden-dim',
  '128',
  '--heads',
  '2',
  '--layers',
  '2',
  '--vocab',
  '100',
];

test('the grid report has every launch of the step, in phase order, with its workgroups, flagged under 1,024', () => {
  const o = parseOptions(SHAPES)!;
  const inUse = pool.inUseBytes;
  const grid = stepGrid(o);
  assert.is(pool.inUseBytes, inUse, 'the recorded step gave back all it allocated');
  const phases = grid.launches.map((l) => l.phase);
  assert.equal([...new Set(phases)], ['forward', 'backward', 'optimizer']);
  assert.equal(
    phases,
    [...phases].sort((a, b) => ['forward', 'backward', 'optimizer'].indexOf(a) - ['forward', 'backward', 'optimizer'].indexOf(b)),
  );
  for (const l of grid.launches) assert.is(l.workgroups, l.grid[0] * l.grid[1] * l.grid[2], l.kernel);
  assert.ok(grid.launches.some((l) => l.op === 'embedding' && l.workgroups === FILL_WORKGROUPS));

  const table = gridTable(grid);
  const column = (name: string) => table.header.indexOf(name);
  assert.is(
    table.rows.reduce((n, row) => n + Number(row[column('launches')]), 0),
    grid.launches.length,
    'alike launches counted once per launch',
  );
  // Each layer's attention forward: alike, so one row of 2 launches.
  assert.equal(
    table.rows.filter((row) => row[column('op')] === 'attention').map((row) => row[column('launches')]),
    ['2'],
  );
  for (const row of table.rows) {
    const [count, flag] = row[column('workgroups')].split(' ');
    assert.is(flag === `(<${FILL_WORKGROUPS})`, Number(count) < FILL_WORKGROUPS, row.join(' | '));
  }
  const under = grid.launches.filter((l) => l.workgroups < FILL_WORKGROUPS);
  assert.ok(under.length > 0 && under.length < grid.launches.length, `${under.length} of ${grid.launches.length} under`);
  const [first, ...kinds] = gridSummary(grid);
  assert.match(first, `: ${grid.launches.length} launches, ${under.length} of them under 1,024 workgroups:`);
  assert.is(
    kinds.reduce((n, line) => n + Number(line.match(/, ×(\d+)$/)?.[1] ?? 1), 0),
    under.length,
  );
});

test('npm run bench -- --only grid puts the report in its results, tables and markdown', async () => {
  const o = parseOptions([...SHAPES, '--only', 'grid'])!;
  const results = await runBench(o, gpu());
  assert.ok(results.grid && !('error' in results.grid), JSON.stringify(results.grid));
  assert.is(results.kernels.length, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grid-'));
  try {
    writeReport(path.join(dir, 'report.md'), results);
    const report = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    assert.ok(report.includes(`- Grid: ${gridSummary(results.grid).join('\n  ')}`), report.slice(0, 600));
    assert.match(report, /### Workgroups of every launch of a training step/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
