// `npm run tune`: finds the fastest kernel configurations on this adapter at a model's shapes and
// writes the table the ops then launch from (engine/gpu/tuning.ts; the search is tune/tuner.ts).
//   npm run tune -- --help
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { closeGpu, initGpu } from '../engine/index.ts';
import { tuningFolder } from '../engine/gpu/host_node.ts';
import { parameterShapes } from '../model/distilbert.ts';
import { WordPieceTokenizer } from '../model/tokenizer.ts';
import { loadDataset } from '../train/data/load.ts';
import { resolveModel } from '../train/model_source.ts';
import { parseMatmulConfig } from '../tune/matmul_configs.ts';
import { benchConfig } from './config.ts';
import { SHAPE_FLAGS, positiveInt, shapeOf } from './options.ts';
import { textTable, ms } from './tables.ts';
import { paddedBatchLengths } from '../train/padded_lengths.ts';
import { representativeLengths, tune, type TuneResult } from '../tune/tuner.ts';

const HELP = `npm run tune -- [options]
Searches kernel configurations on this adapter: matmul variants and tilings for every product of
the model, forward and backward, f32 and (where the adapter has shader-f16) on f16 operands as
--fp16 launches them; layer-norm threads per row; attention's workgroup and tile sizes; the form
(a GPU's or a CPU implementation's) of the embedding backward and of the grad norm's grid. Each
candidate is validated against a float64 CPU reference, timed with GPU timestamps when the adapter
has them, and the fastest kept when re-timing confirms it beats the default. Writes one table
per adapter to ${tuningFolder()}/ ($XDG_CACHE_HOME, else ~/.cache), which training then uses.

  --quick              fewer candidates, only the median padded length, fewer samples
  --seq N              tune at sequence length N only (default: the padded lengths the data
                       produces at --batch-size: their 10th, 50th and 90th percentiles)
  --data ID|DIR|FILE   the sentences whose padded lengths to tune at (default rotten_tomatoes)
  --model ID|DIR       the tokenizer that pads them (default distilbert-base-uncased)
  --max-length N       truncate sentences to N tokens (default: the tokenizer's maximum)
  --pad-to-multiple-of N  pad each batch to a multiple of N tokens, as npm run train does with it
  --seed N             the shuffle seed that makes the batches (default 42)
  --matmul-configs LIST  matmul configurations to try besides the defaults, as in npm run bench
                       (default: a list of blocked and direct tilings, shorter with --quick)
Shapes, named as npm run train names them (defaults: DistilBERT-base at batch 64):
  --batch-size N (64)  --dim N (768)  --hidden-dim N (3072)  --heads N (12)  --layers N (6)
  --vocab N (30522)  --classes N (2)   (--batch and --hidden are accepted too)
For the tiny model on llvmpipe, e.g.
  npm run tune -- --quick --batch-size 8 --seq 32 --dim 64 --hidden-dim 128 --heads 4
`;

const log = (line: string) => console.error(`[tune] ${line}`);

/** The padded lengths the data produces at this batch size, in its first epoch's shuffle. */
async function dataLengths(
  data: string,
  model: string,
  { maxLength, padToMultipleOf }: { maxLength?: number; padToMultipleOf?: number },
  batch: number,
  seed: number,
): Promise<number[]> {
  try {
    const tokenizer = WordPieceTokenizer.fromDir((await resolveModel(model, false)).dir);
    const dataset = await loadDataset({ data, seed }, { log: () => undefined });
    return paddedBatchLengths(
      dataset.train,
      tokenizer,
      { maxLength: Math.min(maxLength ?? tokenizer.modelMaxLength, tokenizer.modelMaxLength), padToMultipleOf },
      batch,
      seed,
    );
  } catch (err) {
    throw new Error(
      `cannot read the data to find its padded lengths (${(err as Error).message.split('\n')[0]}); pass --seq N, or --data and --model folders`,
    );
  }
}

/** Tuned against default per shape, for the terminal. */
export function tuneTable(result: TuneResult): string {
  const rows = result.entries.map((e) => [
    `${e.kernel} ${e.key} ${e.dims.join('x')}`,
    Object.entries(e.choice)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    ms(e.ms),
    ms(e.defaultMs),
    `${(e.defaultMs / e.ms).toFixed(2)}x`,
  ]);
  return textTable({
    title: 'Tuned against default, per shape (ms per launch, re-timed side by side)',
    header: ['kernel and shape', 'choice', 'tuned', 'default', 'speedup'],
    rows,
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      data: { type: 'string' },
      model: { type: 'string' },
      'max-length': { type: 'string' },
      'pad-to-multiple-of': { type: 'string' },
      seed: { type: 'string' },
      'matmul-configs': { type: 'string' },
      ...SHAPE_FLAGS,
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const quick = values.quick ?? false;
  const shape = shapeOf(values);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got "${values.seed}"`);
  const maxLength = values['max-length'] === undefined ? undefined : positiveInt('max-length', values['max-length']);
  const padToMultipleOf =
    values['pad-to-multiple-of'] === undefined ? undefined : positiveInt('pad-to-multiple-of', values['pad-to-multiple-of']);
  const matmulConfigs = values['matmul-configs']?.split(',').map(parseMatmulConfig);
  process.env.ENGINE_QUIET ??= '1';
  const g = await initGpu();
  // --seq N: tune at that length alone (bench's alias of --max-length, which here cuts the data's sentences).
  const onlyLength = (values as Record<string, string | undefined>).seq;
  const lengths =
    onlyLength !== undefined
      ? [shape.seq]
      : representativeLengths(
          await dataLengths(
            values.data ?? 'rotten_tomatoes',
            values.model ?? 'distilbert-base-uncased',
            { maxLength, padToMultipleOf },
            shape.batch,
            seed,
          ),
          quick,
        );
  log(
    `${g.adapterName}: batch ${shape.batch}, lengths ${lengths.join(', ')}, dim ${shape.dim}, hidden ${shape.hidden}${quick ? ', quick' : ''}`,
  );
  const result = await tune(
    {
      batch: shape.batch,
      lengths,
      dim: shape.dim,
      hidden: shape.hidden,
      heads: shape.heads,
      classes: shape.classes,
      vocab: shape.vocab,
      parameters: parameterShapes(benchConfig(shape)).map(([, s]) => [...s]),
    },
    { quick, matmulConfigs, half: g.features.has('shader-f16') },
    log,
  );
  console.log(tuneTable(result));
  for (const line of result.rejected) log(`rejected: ${line}`);
  const faster = result.entries.filter((e) => e.ms < e.defaultMs).length;
  log(`tuned ${result.entries.length} shapes (${faster} faster than the default) in ${result.seconds.toFixed(1)} s: ${result.file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => {
      closeGpu();
      process.exit(0);
    },
    (err) => {
      console.error(`tune: ${(err as Error).message.split('\n')[0]}`);
      closeGpu();
      process.exit(1);
    },
  );
}
