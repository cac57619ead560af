// docs/settings.md lists every ENGINE_* setting exactly as engine/env.ts declares it, and no file
// of the engine reads the environment itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, setting, withSettings } from '../../engine/env.ts';
import { repoRoot } from '../support/cli_process.ts';

const tableOf = () => Object.entries(SETTINGS).map(([name, s]) => `| \`${name}\` | ${s.accepts} | ${s.help} |`);

test('docs/settings.md holds the table of engine/env.ts', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'settings.md'), 'utf8');
  const rows = doc.split('\n').filter((line) => /^\| `ENGINE_/.test(line));
  assert.equal(rows, tableOf(), `docs/settings.md's rows should read:\n${tableOf().join('\n')}`);
});

test('only engine/env.ts reads process.env in engine/ and kernels/', () => {
  const readers: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && /process\.env\.ENGINE_|process\.env\[/.test(fs.readFileSync(path.join(repoRoot, file), 'utf8')))
        readers.push(file);
    }
  };
  walk('engine');
  walk('kernels');
  assert.equal(readers, []);
});

test('a bad value names the variable and what it accepts; withSettings restores', () => {
  withSettings({ ENGINE_MATMUL: 'fast' }, () =>
    assert.throws(() => setting('ENGINE_MATMUL'), /^ENGINE_MATMUL must be "blocked", "direct" or "split-k", not "fast"$/),
  );
  withSettings({ ENGINE_MEMORY_LIMIT: '-3' }, () => assert.throws(() => setting('ENGINE_MEMORY_LIMIT'), /a positive number of bytes/));
  withSettings({ ENGINE_MEMORY_LIMIT: '4096' }, () => assert.is(setting('ENGINE_MEMORY_LIMIT'), 4096));
  assert.is(setting('ENGINE_MEMORY_LIMIT'), Infinity);
});

test.run();
