// The docs' links stay true: every relative link in README.md and docs/*.md names a file that
// exists, and a `file#symbol` link (or `file#symbol.member`) a symbol that file declares, a
// `file#L42` link a line that still holds the `symbol` its text names in backticks, and a
// `file.md#heading` link a heading of that file. Code moves while docs stand still; this is what
// tells you a doc needs updating.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/cli_process.ts';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where `name` is declared in TypeScript or WGSL source, from character `from` on; -1 if nowhere. */
function declarationOf(source: string, name: string, from = 0): number {
  const n = escapeRegExp(name);
  const patterns = [
    // function, const, class, interface, type, enum; WGSL fn, struct, const, var<...>
    new RegExp(`\\b(?:function\\*?|const|let|var(?:<[^>]*>)?|class|interface|type|enum|fn|struct|alias)\\s+${n}\\b`, 'g'),
    // a method, accessor or field: `  name(`, `  async name(`, `  get name(`, `  readonly name:`
    new RegExp(`^\\s*(?:(?:export|static|private|protected|public|readonly|async|get|set)\\s+)*${n}\\s*[(<:=?]`, 'gm'),
    // an object-literal key: `  name: ` (entries of a table such as the kernel catalog)
    new RegExp(`^\\s*['"]?${n}['"]?\\s*:`, 'gm'),
  ];
  const hits = patterns
    .map((re) => {
      re.lastIndex = from;
      return re.exec(source)?.index ?? -1;
    })
    .filter((i) => i >= 0);
  return hits.length ? Math.min(...hits) : -1;
}

/** GitHub's anchor for a Markdown heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** Why `target` (relative to `fromFile`) does not resolve, or null when it does. */
export function brokenLink(fromFile: string, target: string, text: string): string | null {
  const [file, fragment] = target.split('#');
  const resolved = path.resolve(path.dirname(fromFile), decodeURI(file));
  if (!fs.existsSync(resolved)) return `no file ${path.relative(repoRoot, resolved)}`;
  if (!fragment) return null;
  const source = fs.readFileSync(resolved, 'utf8');
  if (resolved.endsWith('.md')) {
    const headings = [...source.matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1]));
    return headings.includes(fragment) ? null : `no heading #${fragment} in ${file}`;
  }
  const line = /^L(\d+)$/.exec(fragment);
  if (line) {
    const symbol = /`([\w.]+)/.exec(text)?.[1]?.split('.').pop();
    if (!symbol) return `${target}: a line link needs the symbol it points at in backticks in its text`;
    const at = source.split('\n')[Number(line[1]) - 1] ?? '';
    return new RegExp(`\\b${escapeRegExp(symbol)}\\b`).test(at)
      ? null
      : `${file} line ${line[1]} no longer holds ${symbol}: "${at.trim()}"`;
  }
  let from = 0;
  for (const part of fragment.split('.')) {
    const at = declarationOf(source, part, from);
    if (at < 0) return `${file} declares no ${part}${from > 0 ? ` after ${fragment.split('.')[0]}` : ''}`;
    from = at;
  }
  return null;
}

function docFiles(): string[] {
  const docs = path.join(repoRoot, 'docs');
  return [
    path.join(repoRoot, 'README.md'),
    ...fs
      .readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(docs, f)),
  ];
}

test('every relative link in README.md and docs/*.md resolves to its file, symbol, line or heading', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of docFiles()) {
    const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, label, target] of text.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      checked++;
      const why = brokenLink(file, target, label);
      if (why) broken.push(`${path.relative(repoRoot, file)}: [${label}](${target}): ${why}`);
    }
  }
  assert.ok(checked > 50, `only ${checked} links checked`);
  if (broken.length) assert.unreachable(`${broken.length} broken doc links:\n${broken.join('\n')}`);
});

test('the link checker rejects what it should', () => {
  const from = path.join(repoRoot, 'docs', 'x.md');
  assert.is(brokenLink(from, '../engine/autograd/backward.ts#backward', ''), null);
  assert.is(brokenLink(from, '../engine/autograd/tensor.ts#Tensor.setBackward', ''), null);
  assert.is(brokenLink(from, '../bench/catalog.ts#qkv_grad_bias', ''), null);
  assert.match(brokenLink(from, '../engine/autograd/backward.ts#noSuchThing', '') ?? '', /declares no noSuchThing/);
  assert.match(brokenLink(from, '../engine/nope.ts', '') ?? '', /no file engine\/nope.ts/);
  assert.match(brokenLink(from, '../engine/autograd/backward.ts#L1', '`backward`') ?? '', /line 1 no longer holds backward/);
  assert.match(brokenLink(from, '../README.md#no-such-heading', '') ?? '', /no heading/);
  assert.is(brokenLink(from, '../README.md#quick-start', ''), null);
});

test.run();
