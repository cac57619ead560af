// The committed kernel snapshots (docs/kernels/NAME.wgsl) equal what a recorded training step
// launches now, so a diff of them shows every change to a kernel's WGSL; and `npm run wgsl` prints
// them. The step is recorded at DistilBERT-base's shapes without running (nothing compiles).
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SNAPSHOT_DIR } from '../../bench/wgsl.ts';
import { DISTILBERT_SHAPES, KERNEL_CATALOG, catalogLaunch, kernelListing } from '../../bench/catalog.ts';
import { errorLine, runCli } from '../support/cli_process.ts';

const REGENERATE = 'if the change is intended, run `npm run wgsl -- --snapshots` and commit docs/kernels/';

test('every catalog kernel at DistilBERT shapes matches its snapshot in docs/kernels/', () => {
  const files = fs
    .readdirSync(SNAPSHOT_DIR)
    .filter((f) => f.endsWith('.wgsl'))
    .sort();
  assert.equal(
    files,
    Object.keys(KERNEL_CATALOG)
      .map((n) => `${n}.wgsl`)
      .sort(),
    `docs/kernels/ holds other kernels than the catalog: ${REGENERATE}`,
  );
  for (const name of Object.keys(KERNEL_CATALOG)) {
    const committed = fs.readFileSync(path.join(SNAPSHOT_DIR, `${name}.wgsl`), 'utf8');
    if (committed !== kernelListing(name, DISTILBERT_SHAPES))
      assert.unreachable(`kernel ${name} differs from docs/kernels/${name}.wgsl: ${REGENERATE}`);
  }
});

test("attention's and the GPU matmuls' snapshots are short enough to read: under 150 lines each", () => {
  // The matmuls: every product but those of variant 4, which CPU adapters run (kernels/cpu/).
  const matmul = (n: string) => /^(out_lin|qkv)_(forward|grad_input|grad_weight)_/.test(n) && !n.endsWith('_direct');
  assert.ok(matmul('out_lin_grad_weight_split_k'));
  const checked = Object.keys(KERNEL_CATALOG).filter((n) => n.startsWith('attention') || matmul(n));
  assert.ok(checked.filter(matmul).length >= 6, checked.join(', '));
  for (const name of checked) {
    const lines = kernelListing(name, DISTILBERT_SHAPES).split('\n').length;
    assert.ok(lines < 150, `docs/kernels/${name}.wgsl has ${lines} lines`);
  }
});

test("docs/life-of-a-step.md's split-K counts for out_lin's weight gradient are the catalog's", () => {
  const doc = fs.readFileSync(path.join(SNAPSHOT_DIR, '..', 'life-of-a-step.md'), 'utf8');
  const said = doc.match(/(\d+) workgroups of 64×64 at batch 64 × 64\.[\s\S]*?(\d+) slices of K in one launch, ([\d,]+) workgroups/);
  if (!said) assert.unreachable('docs/life-of-a-step.md no longer states the split-K counts this test checks');
  const [tiles, slices, workgroups] = said!.slice(1).map((n) => Number(n.replace(/,/g, '')));
  const [x, y, z] = catalogLaunch('out_lin_grad_weight_split_k', DISTILBERT_SHAPES).workgroups;
  assert.equal([tiles, slices, workgroups], [x * y, z, x * y * z]);
});

test('npm run wgsl prints one kernel at the shapes given, and refuses an unknown one in one line', async () => {
  const ok = await runCli('bench/wgsl.ts', ['attention_forward', '--heads', '4', '--dim', '128']);
  assert.is(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.startsWith('// attention_forward: '), ok.stdout.slice(0, 200));
  assert.match(ok.stdout, /const DV: u32 = 8u;/);
  const bad = await runCli('bench/wgsl.ts', ['attention']);
  assert.is(bad.code, 2);
  assert.is(errorLine(bad), "wgsl: no kernel 'attention' (see --help for the list)");
  // Every kernel comes from a step of a model, whose heads must divide its width.
  const shapes = await runCli('bench/wgsl.ts', ['layernorm_forward', '--dim', '128']);
  assert.is(shapes.code, 2);
  assert.is(errorLine(shapes), "wgsl: --heads 12 must divide --dim 128: the kernels are those of a model's step");
});

test.run();
