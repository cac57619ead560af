// `npm run wgsl -- NAME`: prints the WGSL of one kernel of a DistilBERT training step
// (bench/catalog.ts), at DistilBERT's shapes or at those the flags give. It opens the GPU to record
// the step without running it (bench/recorded_step.ts): nothing compiles, so it takes seconds.
//   npm run wgsl -- --help                           the kernels and flags
//   npm run wgsl -- qkv_forward_direct --batch-size 8   one kernel at other shapes
//   npm run wgsl -- --snapshots                      rewrite docs/kernels/*.wgsl (test/bench/wgsl.test.ts)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DISTILBERT_SHAPES, KERNEL_CATALOG, kernelListing, type ModelShapes } from './catalog.ts';
import { initGpu } from '../engine/index.ts';
import { UsageError, helpText, parseArgs, positiveInt, runCommand, type OptionTable } from '../train/args.ts';

/** Where the committed snapshots live: one NAME.wgsl per catalog entry at DISTILBERT_SHAPES. */
export const SNAPSHOT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'kernels');

const shapeOption = (help: string, value: number, aliases?: string[]) =>
  ({ kind: 'int', help, default: value, check: positiveInt, aliases }) as const;
// The names npm run train uses for the same shapes; bench's older names are aliases.
const OPTIONS = {
  batchSize: shapeOption('sequences per step', DISTILBERT_SHAPES.batch, ['batch']),
  maxLength: shapeOption('tokens per sequence', DISTILBERT_SHAPES.seq, ['seq']),
  dim: shapeOption('model width', DISTILBERT_SHAPES.dim),
  hiddenDim: shapeOption('FFN width', DISTILBERT_SHAPES.hidden, ['hidden']),
  heads: shapeOption('attention heads', DISTILBERT_SHAPES.heads),
  vocab: shapeOption('vocabulary size', DISTILBERT_SHAPES.vocab),
  classes: shapeOption('labels', DISTILBERT_SHAPES.classes),
  snapshots: { kind: 'flag', help: `write every kernel at DistilBERT's shapes to docs/kernels/NAME.wgsl` },
} satisfies OptionTable;

const NAME_WIDTH = Math.max(...Object.keys(KERNEL_CATALOG).map((n) => n.length)) + 2;
const USAGE = 'npm run wgsl -- NAME [shape flags] | --snapshots';
const help = () => `${helpText(USAGE, 'Prints the WGSL of one kernel of a DistilBERT training step.', OPTIONS)}

kernels:
${Object.entries(KERNEL_CATALOG)
  .map(([name, e]) => `  ${name.padEnd(NAME_WIDTH)}${e.what}`)
  .join('\n')}
`;

/** Rewrites the snapshot folder: one file per catalog entry, nothing else. */
function writeSnapshots(): void {
  fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
  for (const file of fs.readdirSync(SNAPSHOT_DIR)) if (file.endsWith('.wgsl')) fs.rmSync(path.join(SNAPSHOT_DIR, file));
  for (const name of Object.keys(KERNEL_CATALOG))
    fs.writeFileSync(path.join(SNAPSHOT_DIR, `${name}.wgsl`), kernelListing(name, DISTILBERT_SHAPES));
  console.error(`wrote ${Object.keys(KERNEL_CATALOG).length} kernels to ${path.relative(process.cwd(), SNAPSHOT_DIR)}/`);
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help());
    return;
  }
  // Kernel names are the arguments that are neither flags nor a flag's value.
  const names: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) names.push(argv[i]);
    else if (argv[i].includes('=') || argv[i] === '--snapshots' || i + 1 === argv.length) flags.push(argv[i]);
    else flags.push(argv[i], argv[++i]);
  }
  const o = parseArgs(OPTIONS, flags);
  if (o.snapshots) {
    if (names.length > 0 || o.explicit.size > 1)
      throw new UsageError("--snapshots takes no kernel name or shape flags: snapshots are at DistilBERT's shapes");
    await initGpu();
    writeSnapshots();
    return;
  }
  if (names.length !== 1) throw new UsageError(`expected one kernel name (see --help), got ${names.length}`);
  if (!KERNEL_CATALOG[names[0]]) throw new UsageError(`no kernel '${names[0]}' (see --help for the list)`);
  const { dim, heads, vocab, classes } = o;
  if (dim % heads) throw new UsageError(`--heads ${heads} must divide --dim ${dim}: the kernels are those of a model's step`);
  const shapes: ModelShapes = { batch: o.batchSize, seq: o.maxLength, dim, hidden: o.hiddenDim, heads, vocab, classes };
  await initGpu();
  process.stdout.write(kernelListing(names[0], shapes));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) runCommand('wgsl', main);
