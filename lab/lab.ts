// `npm run lab`: builds the lab page and serves it on 127.0.0.1, with a data folder beside it
// (DistilBERT's config and vocabulary, rotten_tomatoes' sentences), and prints the URL to open.
// `--build DIR` writes the page alone into DIR instead, to host anywhere (it then loads its data
// from the Hugging Face hub or from files the reader picks). docs/lab.md says what the page shows.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, nonNegativeInt, parseCommandLine, runCommand, type OptionTable } from '../train/args.ts';
import { buildLab } from './build.ts';
import { startServer } from './server.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared: DistilBERT's config and tokenizer, and rotten_tomatoes, as the project lays them out. */
const SHARED = path.resolve(repoRoot, '..', 'shared');

const OPTIONS = {
  port: { kind: 'int', default: 8080, check: nonNegativeInt, help: 'port on 127.0.0.1 (0: any free port)' },
  data: {
    kind: 'string',
    meta: 'DIR',
    help: `folder served at /data/: models/distilbert-base-uncased/ and data/rotten_tomatoes/ (default ${SHARED} when present)`,
  },
  build: { kind: 'string', meta: 'DIR', help: 'write the page into DIR (a static site) and exit, instead of serving it' },
} satisfies OptionTable;

runCommand('lab', async (argv) => {
  const args = parseCommandLine(OPTIONS, argv, 'npm run lab -- [options]', 'Builds the engine lab page and serves it on 127.0.0.1.');
  if (args.build !== undefined) {
    const outDir = path.resolve(args.build);
    await buildLab(outDir);
    console.log(`wrote the lab page into ${outDir}; serve that folder over https or from localhost (WebGPU needs a secure context)`);
    return;
  }
  const data = args.data ?? (existsSync(SHARED) ? SHARED : undefined);
  if (data !== undefined && !(existsSync(data) && statSync(data).isDirectory())) throw new UsageError(`--data ${data}: not a folder`);
  const site = mkdtempSync(path.join(tmpdir(), 'wgsl-lab-'));
  process.on('exit', () => rmSync(site, { recursive: true, force: true }));
  await buildLab(site);
  const server = await startServer({ '/': site, ...(data ? { '/data/': data } : {}) }, args.port);
  console.log(`lab: ${server.url}  (data: ${data ?? 'none; the page loads from the Hugging Face hub'}; Ctrl-C stops)`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await server.close();
});
