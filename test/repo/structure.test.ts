// The shape of the source: data flows one way (train -> model -> engine -> kernels), and no file
// imports itself back at run time. Reads every TypeScript file's imports as text (type-only imports
// vanish at run time and are left out), then checks each import against the layers below and
// looks for cycles among the run-time ones (Tarjan's strongly connected components).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/cli_process.ts';

/** Each top-level folder and the folders it may not import from. */
// tune/ (the kernel search) sits between train and model: `train --tune` runs it, and it checks
// its candidates against reference/'s float64 products, so train reaches reference only through it.
const MAY_NOT_IMPORT: Record<string, string[]> = {
  kernels: ['engine', 'model', 'train', 'reference', 'tune', 'bench', 'test', 'lab', 'examples'],
  engine: ['model', 'train', 'reference', 'tune', 'bench', 'test', 'lab', 'examples'],
  model: ['train', 'reference', 'tune', 'bench', 'test', 'lab', 'examples'],
  train: ['reference', 'bench', 'test', 'lab', 'examples'],
  tune: ['train', 'bench', 'test', 'lab', 'examples'],
  reference: ['model', 'train', 'tune', 'bench', 'test', 'lab', 'examples'],
  bench: ['test', 'lab', 'examples'],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(relative);
    return /\.m?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

/** The repository files that `file` imports at run time (static, re-exports and dynamic `import()`). */
export function runtimeImports(file: string): string[] {
  const source = fs.readFileSync(path.join(repoRoot, file), 'utf8');
  const found: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*(?:from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const [, , typeOnly, clause, specifier] of source.matchAll(statement)) {
    if (typeOnly) continue;
    const names = clause.match(/\{([^}]*)\}/)?.[1];
    const onlyTypes =
      names !== undefined && !/^[\w$]/.test(clause.trim()) && names.split(',').every((n) => !n.trim() || /^type\s/.test(n.trim()));
    if (!onlyTypes) found.push(specifier);
  }
  for (const [, specifier] of source.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) found.push(specifier);
  return found.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

const files = ['engine', 'kernels', 'model', 'train', 'reference', 'tune', 'bench', 'examples', 'test', 'lab']
  .filter((dir) => fs.existsSync(path.join(repoRoot, dir)))
  .flatMap(sourceFiles);
const graph = new Map(files.map((f) => [f, runtimeImports(f)]));

test('imports point down the layers: train -> model -> engine -> kernels', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const forbidden = MAY_NOT_IMPORT[file.split(path.sep)[0]] ?? [];
    for (const target of imports) if (forbidden.includes(target.split(path.sep)[0])) wrong.push(`${file} imports ${target}`);
  }
  assert.equal(wrong, []);
});

test('every import names a file that exists', () => {
  const missing = [...graph].flatMap(([file, imports]) => imports.filter((t) => !graph.has(t)).map((t) => `${file} -> ${t}`));
  assert.equal(missing, []);
});

test('no run-time import cycles', () => {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || graph.get(file)!.includes(file)) cycles.push(component.sort().join(' <-> '));
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  assert.equal(cycles, []);
});

test('the import reader sees what it must', () => {
  const probe = runtimeImports(path.join('engine', 'index.ts'));
  assert.ok(probe.includes(path.join('engine', 'gpu', 'device.ts')));
  assert.ok(probe.includes(path.join('engine', 'ops', 'elementwise.ts')));
});

test.run();
