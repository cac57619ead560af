// Links from the docs into the source that land where they point. GitHub opens `file.ts#L42` at
// line 42 but `file.ts#symbol` at the top of the file, so a link into code names a line, and keeps
// the symbol it means as its title: [text](../engine/x.ts#L42 "backward"). Code moves while docs
// stand still, so test/repo/docs.test.ts checks that each line still declares its symbol, and
//   npm run docs:links
// moves every such link to the line where its symbol is declared now (a link written as
// `file.ts#symbol` or `file.ts#Class.member` becomes a line link the same way).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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

/** The line (from 1) that declares `symbol` (`name` or `Outer.member`) in `source`, or why none does. */
export function declarationLine(source: string, symbol: string): number | string {
  let from = 0;
  for (const part of symbol.split('.')) {
    const at = declarationOf(source, part, from);
    if (at < 0) return `declares no ${part}${from > 0 ? ` after ${symbol.split('.')[0]}` : ''}`;
    // A match may start with the newline before the declaration's indentation.
    from = at + (source[at] === '\n' ? 1 : 0);
  }
  return source.slice(0, from).split('\n').length;
}

/** GitHub's anchor for a Markdown heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

export interface Link {
  /** The whole `[label](target "title")` text. */
  text: string;
  label: string;
  target: string;
  title?: string;
}

/** The relative links of a Markdown text, outside code blocks. */
export function linksOf(markdown: string): Link[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\[([^\]]*)\]\(([^)\s]+)(?: "([^"]*)")?\)/g)]
    .filter(([, , target]) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map(([text, label, target, title]) => ({ text, label, target, title }));
}

/** Why `link` (in the doc `fromFile`) does not land, or null when it does. */
export function brokenLink(fromFile: string, link: Pick<Link, 'target' | 'title'>): string | null {
  const [file, fragment] = link.target.split('#');
  const resolved = path.resolve(path.dirname(fromFile), decodeURI(file));
  if (!fs.existsSync(resolved)) return `no file ${path.relative(repoRoot, resolved)}`;
  if (!fragment) return null;
  const source = fs.readFileSync(resolved, 'utf8');
  if (resolved.endsWith('.md')) {
    const headings = [...source.matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1]));
    return headings.includes(fragment) ? null : `no heading #${fragment} in ${file}`;
  }
  const line = /^L(\d+)$/.exec(fragment);
  if (!line) return `#${fragment} opens ${file} at its top on GitHub: link #L<line> "${fragment}" (npm run docs:links)`;
  if (!link.title) return `a line link needs the symbol it points at as its title: [..](${link.target} "symbol")`;
  const declared = declarationLine(source, link.title);
  if (typeof declared === 'string') return `${file} ${declared}`;
  return declared === Number(line[1])
    ? null
    : `${link.title} is declared at line ${declared} of ${file}, not ${line[1]} (npm run docs:links)`;
}

/** `link` pointing at the line that declares its symbol now, or unchanged when it cannot tell. */
function landed(fromFile: string, link: Link): string {
  const [file, fragment] = link.target.split('#');
  if (!fragment || file.endsWith('.md')) return link.text;
  const resolved = path.resolve(path.dirname(fromFile), decodeURI(file));
  if (!fs.existsSync(resolved)) return link.text;
  const symbol = /^L\d+$/.test(fragment) ? link.title : fragment;
  if (!symbol) return link.text;
  const line = declarationLine(fs.readFileSync(resolved, 'utf8'), symbol);
  return typeof line === 'number' ? `[${link.label}](${file}#L${line} "${symbol}")` : link.text;
}

/** README.md and every Markdown file under docs/. */
export function docFiles(): string[] {
  const docs = path.join(repoRoot, 'docs');
  return [
    path.join(repoRoot, 'README.md'),
    path.join(repoRoot, 'bench', 'README.md'),
    ...fs
      .readdirSync(docs, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(docs, f)),
  ];
}

if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  let moved = 0;
  for (const file of docFiles()) {
    const markdown = fs.readFileSync(file, 'utf8');
    let out = markdown;
    for (const link of linksOf(markdown)) {
      const now = landed(file, link);
      if (now !== link.text) {
        out = out.split(link.text).join(now);
        moved++;
      }
    }
    if (out !== markdown) fs.writeFileSync(file, out);
  }
  console.log(`${moved} links moved to their symbols' lines`);
}
