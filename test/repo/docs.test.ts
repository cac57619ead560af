// The docs' links stay true: every relative link in README.md, bench/README.md and docs/ names a
// file that exists; a link into source names the line that declares the symbol in its title
// (test/support/doc_links.ts, `npm run docs:links` moves them after code changes); a
// `file.md#heading` link a heading of that file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { brokenLink, docFiles, linksOf, repoRoot } from '../support/doc_links.ts';

test('every relative link in README.md, bench/README.md and docs/ resolves to its file, line or heading', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of docFiles()) {
    for (const link of linksOf(fs.readFileSync(file, 'utf8'))) {
      checked++;
      const why = brokenLink(file, link);
      if (why) broken.push(`${path.relative(repoRoot, file)}: ${link.text}: ${why}`);
    }
  }
  assert.ok(checked > 50, `only ${checked} links checked`);
  if (broken.length)
    assert.unreachable(`${broken.length} broken doc links (npm run docs:links moves links to moved lines):\n${broken.join('\n')}`);
});

test('the link checker rejects what it should', () => {
  const from = path.join(repoRoot, 'docs', 'x.md');
  const backward = '../engine/autograd/backward.ts';
  const line = (symbol: string, file = backward) => {
    const source = fs.readFileSync(path.resolve(path.dirname(from), file), 'utf8');
    return source.split('\n').findIndex((l) => new RegExp(`(function|class|const) ${symbol}\\b`).test(l)) + 1;
  };
  assert.is(brokenLink(from, { target: `${backward}#L${line('backward')}`, title: 'backward' }), null);
  assert.match(brokenLink(from, { target: `${backward}#L${line('backward') + 1}`, title: 'backward' }) ?? '', /declared at line/);
  assert.match(brokenLink(from, { target: `${backward}#backward` }) ?? '', /opens .* at its top on GitHub/);
  assert.match(brokenLink(from, { target: `${backward}#L1` }) ?? '', /needs the symbol/);
  assert.match(brokenLink(from, { target: `${backward}#L1`, title: 'noSuchThing' }) ?? '', /declares no noSuchThing/);
  assert.match(brokenLink(from, { target: '../engine/nope.ts' }) ?? '', /no file engine\/nope.ts/);
  assert.match(brokenLink(from, { target: '../README.md#no-such-heading' }) ?? '', /no heading/);
  assert.is(brokenLink(from, { target: '../README.md#quick-start' }), null);
  const tensor = '../engine/autograd/tensor.ts';
  const setBackward =
    line('setBackward', tensor) ||
    fs
      .readFileSync(path.resolve(path.dirname(from), tensor), 'utf8')
      .split('\n')
      .findIndex((l) => /^\s+setBackward\(/.test(l)) + 1;
  assert.ok(setBackward > 0);
  assert.is(brokenLink(from, { target: `${tensor}#L${setBackward}`, title: 'Tensor.setBackward' }), null);
});

test.run();
