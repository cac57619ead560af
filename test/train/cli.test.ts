// Command-line parsing of `npm run train`: the card's defaults, value checks, and the rules that
// tie flags together (architecture flags need --from-scratch; a resumed run keeps its settings);
// what the CLIs print: paths as a user types them, durations, Ctrl-C's presses, npm's banner; and
// what `npm run predict` reads: sentences or tab-separated pairs, from arguments or a stream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { Readable } from 'node:stream';
import { UsageError, helpText, parseArgs, shellPath, warnIfNpmBanner } from '../../train/args.ts';
import { Interrupt, withInterrupt } from '../../train/interrupt.ts';
import { inputBatches, lineBatches, parseInput } from '../../train/predict_input.ts';
import { duration } from '../../train/progress.ts';
import { DEFAULT_OUTPUT, TRAIN_OPTIONS, checkResumeFlags, parseTrainArgs, settingsOf } from '../../train/settings.ts';

function usageError(argv: string[]): string {
  try {
    parseTrainArgs(argv);
  } catch (error) {
    assert.instance(error, UsageError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

test('defaults are the reference card: lr 2e-5, batch 64, 5 epochs, seed 42, no warmup, clip 1, no decay', () => {
  const settings = settingsOf(parseTrainArgs([]));
  assert.equal(settings, {
    model: 'distilbert-base-uncased',
    data: 'rotten_tomatoes',
    dataConfig: undefined,
    trainFile: undefined,
    validationFile: undefined,
    testFile: undefined,
    textColumn: undefined,
    textPairColumn: undefined,
    labelColumn: undefined,
    validationSplitPercentage: 10,
    fromScratch: false,
    dim: undefined,
    layers: undefined,
    heads: undefined,
    hiddenDim: undefined,
    epochs: 5,
    maxSteps: undefined,
    batchSize: 64,
    gradientAccumulationSteps: 1,
    lr: 2e-5,
    seed: 42,
    maxLength: undefined,
    padToMultipleOf: undefined,
    weightDecay: 0,
    warmupSteps: 0,
    gradClip: 1,
    dropout: true,
    shuffle: true,
    fp16: false,
    metricForBestModel: 'loss',
    loadBestModelAtEnd: false,
  });
  assert.is(parseTrainArgs([]).output, DEFAULT_OUTPUT);
});

test('flags take values as "--flag v" or "--flag=v"; explicit lists what was given', () => {
  const args = parseTrainArgs([
    '--from-scratch',
    '--dim',
    '32',
    '--heads=2',
    '--lr',
    '1e-3',
    '--no-shuffle',
    '--output',
    '/tmp/x',
    '--max-steps',
    '7',
  ]);
  assert.is(args.dim, 32);
  assert.is(args.heads, 2);
  assert.is(args.lr, 1e-3);
  assert.is(args.maxSteps, 7);
  assert.is(args.output, '/tmp/x');
  assert.is(settingsOf(args).shuffle, false);
  assert.is(settingsOf(args).dropout, true);
  assert.equal([...args.explicit].sort(), ['dim', 'fromScratch', 'heads', 'lr', 'maxSteps', 'noShuffle', 'output']);
});

test('bad command lines give one clear line', () => {
  assert.is(usageError(['--bogus']), 'unknown option --bogus (see --help)');
  assert.is(usageError(['stray']), "unexpected argument 'stray' (see --help)");
  assert.is(usageError(['--epochs', '0']), "--epochs: expected a positive integer, got '0'");
  assert.is(usageError(['--epochs', '2.5']), "--epochs: expected an integer, got '2.5'");
  assert.is(usageError(['--lr', 'fast']), "--lr: expected a number, got 'fast'");
  assert.is(usageError(['--lr', '-1']), "--lr: expected a positive number, got '-1'");
  assert.is(usageError(['--max-length', '1']), "--max-length: expected an integer >= 2, got '1'");
  assert.is(usageError(['--pad-to-multiple-of', '0']), "--pad-to-multiple-of: expected a positive integer, got '0'");
  assert.is(usageError(['--batch-size']), '--batch-size needs a value');
  assert.is(usageError(['--output', '--resume']), '--output needs a value');
  assert.is(usageError(['--resume=yes']), '--resume takes no value');
  assert.is(usageError(['--seed', '1', '--seed', '2']), '--seed given more than once');
  assert.is(usageError(['--dim', '32']), '--dim changes the architecture and needs --from-scratch');
  assert.is(usageError(['--from-scratch', '--dim', '30', '--heads', '4']), '--heads 4 must divide --dim 30');
  assert.is(usageError(['--data', 'imdb', '--train-file', 'a.csv']), 'give --data or the split files, not both');
  assert.is(usageError(['--test-file', 'a.csv']), '--test-file needs --train-file');
  assert.is(usageError(['--text-pair-column', 'b']), '--text-pair-column needs --text-column (the first sentence of the pair)');
  assert.is(
    usageError(['--validation-split-percentage', '100']),
    "--validation-split-percentage: expected an integer from 1 to 99, got '100'",
  );
  assert.match(
    usageError(['--resume', '--overwrite-output-dir']),
    /^--resume continues the run in --output and --overwrite-output-dir starts a new one/,
  );
});

test('choices are enforced, and --help lists every option with its default', () => {
  const table = { split: { kind: 'string', default: 'validation', choices: ['validation', 'test'], help: 'which split' } } as const;
  assert.is(parseArgs(table, ['--split', 'test']).split, 'test');
  assert.throws(() => parseArgs(table, ['--split', 'train']), /--split: expected one of validation, test, got 'train'/);
  const help = helpText('npm run train -- [options]', 'Trains.', TRAIN_OPTIONS);
  for (const flag of ['--model ID|DIR', '--hidden-dim N', '--no-dropout', '--resume', '--help']) assert.ok(help.includes(flag), flag);
  assert.ok(help.includes('peak learning rate (default 0.00002)'), 'lr default shown');
  assert.ok(help.includes('(default 64)'));
});

test('a resumed run may repeat its settings but not change them', () => {
  const saved = settingsOf(parseTrainArgs(['--lr', '3e-5', '--no-dropout']));
  checkResumeFlags(parseTrainArgs(['--resume', '--lr', '3e-5', '--output', 'elsewhere', '--no-dropout']), saved);
  assert.throws(
    () => checkResumeFlags(parseTrainArgs(['--resume', '--lr', '2e-5']), saved),
    /--lr 0.00002 differs from the checkpoint's setting \(0.00003\)/,
  );
  assert.throws(
    () => checkResumeFlags(parseTrainArgs(['--resume', '--seed', '42']), settingsOf(parseTrainArgs(['--seed', '1']))),
    /--seed 42 differs/,
  );
  assert.throws(() => checkResumeFlags(parseTrainArgs(['--resume', '--no-shuffle']), saved), /--no-shuffle differs/);
  // A checkpoint keeps its padding: it pads as the run began, and a flag must agree with it.
  const padded = settingsOf(parseTrainArgs(['--pad-to-multiple-of', '8']));
  assert.is(padded.padToMultipleOf, 8);
  checkResumeFlags(parseTrainArgs(['--resume', '--pad-to-multiple-of', '8']), padded);
  assert.throws(
    () => checkResumeFlags(parseTrainArgs(['--resume', '--pad-to-multiple-of', '8']), saved),
    /--pad-to-multiple-of 8 differs from the checkpoint's setting \(unset\)/,
  );
});

test('paths in printed commands: relative under the working folder, quoted where a shell needs it', () => {
  assert.is(shellPath(path.join(process.cwd(), 'runs', 'a')), 'runs/a');
  assert.is(shellPath('/elsewhere/run-1'), '/elsewhere/run-1');
  assert.is(shellPath("/tmp/my run's"), "'/tmp/my run'\\''s'");
});

test('durations: seconds, then minutes, then hours', () => {
  assert.equal([9.4, 75, 4000].map(duration), ['9s', '1m15s', '1h06m']);
});

test('Ctrl-C: signals within half a second of the first are that press; a later one is a second press', () => {
  let now = 1000;
  const interrupt = new Interrupt(() => now);
  assert.not.ok(interrupt.requested);
  assert.is(interrupt.press(), 'first');
  assert.ok(interrupt.requested);
  now += 5; // the same press, forwarded by npm
  assert.is(interrupt.press(), 'same');
  now += 2000;
  assert.is(interrupt.press(), 'second');
});

test('Ctrl-C while training: the first asks to stop, the same press again is ignored, a later one stops at once', async () => {
  let now = 1000;
  const presses: string[] = [];
  const handlers = { onFirst: () => presses.push('first'), onSecond: () => presses.push('second') };
  const listeners = process.listenerCount('SIGINT');
  const interrupt = new Interrupt(() => now);
  await withInterrupt(interrupt, handlers, async () => {
    assert.not.ok(await interrupt.check());
    process.emit('SIGINT', 'SIGINT');
    now += 5;
    process.emit('SIGINT', 'SIGINT');
    assert.ok(await interrupt.check());
    now += 2000;
    process.emit('SIGINT', 'SIGINT');
  });
  assert.equal(presses, ['first', 'second']);
  assert.is(process.listenerCount('SIGINT'), listeners, "afterwards a Ctrl-C is Node's again");
});

test('--json under npm run without -s (not npx): one line on stderr says how to keep the banner off stdout', () => {
  const saved = { ...process.env };
  const said: string[] = [];
  const print = console.error;
  console.error = (line: string) => said.push(line);
  try {
    for (const name of ['npm_command', 'npm_config_loglevel', 'npm_config_json']) delete process.env[name];
    warnIfNpmBanner('eval');
    Object.assign(process.env, { npm_command: 'exec', npm_lifecycle_event: 'npx' });
    warnIfNpmBanner('eval');
    Object.assign(process.env, { npm_command: 'run', npm_lifecycle_event: 'eval' });
    warnIfNpmBanner('eval');
    process.env.npm_config_loglevel = 'silent';
    warnIfNpmBanner('eval');
  } finally {
    console.error = print;
    process.env = saved;
  }
  assert.equal(said, ['eval: npm printed its banner on stdout before the JSON; `npm run -s eval -- …` prints the JSON alone']);
});

test('predict input: a sentence, or a pair as first<TAB>second, of the kind the model was trained on', () => {
  const at = (line: string) => ({ where: 'line 3', line });
  assert.equal(parseInput(at('a gripping film'), 'either'), { text: 'a gripping film' });
  assert.equal(parseInput(at('a gripping film\ta dull one'), 'either'), { text: 'a gripping film', textPair: 'a dull one' });
  assert.equal(parseInput(at('a gripping film\ta dull one'), 'pairs'), { text: 'a gripping film', textPair: 'a dull one' });
  assert.equal(parseInput(at('a gripping film'), 'sentences'), { text: 'a gripping film' });
  const problem = (line: string, kind: 'pairs' | 'sentences' | 'either') => {
    try {
      parseInput(at(line), kind);
    } catch (error) {
      assert.instance(error, UsageError);
      return (error as Error).message;
    }
    throw new Error(`no error for ${line}`);
  };
  assert.is(
    problem('a gripping film', 'pairs'),
    'line 3 is one sentence, but this model was trained on sentence pairs: a sentence pair is written first<TAB>second',
  );
  assert.is(
    problem('a\tb', 'sentences'),
    'line 3 holds a tab, but this model was trained on single sentences (a sentence pair is written first<TAB>second)',
  );
  assert.is(problem('a\tb\tc', 'either'), 'line 3 holds 2 tabs: a sentence pair is written first<TAB>second');
  assert.is(problem('a\t ', 'pairs'), 'line 3: a sentence of the pair is empty (a sentence pair is written first<TAB>second)');
});

test('predict input: stdin lines in batches, blank ones skipped, each named by its line; arguments all checked first', async () => {
  const batches = [];
  for await (const batch of lineBatches(Readable.from(['one\n\ntwo\r\nthree\nfour']), 2)) batches.push(batch);
  assert.equal(batches.flat(), [
    { where: 'line 1', line: 'one' },
    { where: 'line 3', line: 'two' },
    { where: 'line 4', line: 'three' },
    { where: 'line 5', line: 'four' },
  ]);
  assert.ok(
    batches.every((batch) => batch.length <= 2),
    'at most --batch-size lines a batch',
  );

  const fromArgs = inputBatches(['a\tb', 'c\td', 'e\tf'], Readable.from([]), 2, 'pairs');
  assert.equal((await fromArgs.next()).value, [
    { text: 'a', textPair: 'b' },
    { text: 'c', textPair: 'd' },
  ]);
  const mixed = inputBatches(['a\tb', 'c\td', 'e'], Readable.from([]), 2, 'pairs');
  try {
    await mixed.next();
    assert.unreachable('a sentence among pairs');
  } catch (error) {
    assert.match((error as Error).message, /^text 3 is one sentence, but this model was trained on sentence pairs/);
  }
  const fromStdin = inputBatches([], Readable.from(['a\tb\n']), 2, 'either');
  assert.equal((await fromStdin.next()).value, [{ text: 'a', textPair: 'b' }]);
});

test.run();
