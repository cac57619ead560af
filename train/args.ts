// Command-line parsing for the train and eval CLIs: each declares its options in one table (name,
// kind, default, help), from which both the parser and `--help` are made. A bad command line is a
// `UsageError`, which the CLIs print as one line and exit with status 2, as argparse does.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { closeGpu } from '../engine/index.ts';

export class UsageError extends Error {}

/** An end other than success or failure: its message is printed as the CLI's last line, and the process exits with `status`. */
export class EarlyExit extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Kind = 'string' | 'int' | 'number' | 'flag';
type ValueOf<K> = K extends 'flag' ? boolean : K extends 'string' ? string : number;

export interface OptionSpec {
  kind: Kind;
  help: string;
  /** Omitted: the option is undefined unless given (flags default to false). */
  default?: string | number | boolean;
  /** Placeholder in --help, e.g. DIR. */
  meta?: string;
  /** For numbers: what the value must be when it is outside the option's domain, else nothing. */
  check?: (value: number) => string | undefined;
  choices?: readonly string[];
  /** Older or shorter names also accepted, e.g. `batch` for `batchSize` (--batch for --batch-size). */
  aliases?: readonly string[];
}

export type OptionTable = Record<string, OptionSpec>;

/** The parsed options, typed by kind, with `explicit` naming those given on the command line. */
export type Parsed<T extends OptionTable> = {
  [Name in keyof T]: T[Name] extends { kind: 'flag' } | { default: unknown }
    ? ValueOf<T[Name]['kind']>
    : ValueOf<T[Name]['kind']> | undefined;
} & { explicit: ReadonlySet<keyof T & string> };

export const positiveInt = (n: number) => (Number.isInteger(n) && n > 0 ? undefined : 'a positive integer');
export const nonNegativeInt = (n: number) => (Number.isInteger(n) && n >= 0 ? undefined : 'a non-negative integer');
export const positive = (n: number) => (n > 0 ? undefined : 'a positive number');
export const nonNegative = (n: number) => (n >= 0 ? undefined : 'a non-negative number');

/** `hiddenDim` -> `--hidden-dim`. */
export const flagName = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function parseValue(name: string, spec: OptionSpec, text: string): string | number {
  const flag = flagName(name);
  if (spec.choices && !spec.choices.includes(text)) {
    throw new UsageError(`${flag}: expected one of ${spec.choices.join(', ')}, got '${text}'`);
  }
  if (spec.kind === 'string') {
    if (text === '') throw new UsageError(`${flag}: expected a value, got an empty string`);
    return text;
  }
  const value = Number(text);
  let problem: string | undefined;
  if (text.trim() === '' || !Number.isFinite(value)) problem = spec.kind === 'int' ? 'an integer' : 'a number';
  else if (spec.kind === 'int' && !Number.isInteger(value)) problem = 'an integer';
  else problem = spec.check?.(value);
  if (problem) throw new UsageError(`${flag}: expected ${problem}, got '${text}'`);
  return value;
}

/** Parses `--name value`, `--name=value` and `--flag`; no positional arguments. */
export function parseArgs<T extends OptionTable>(table: T, argv: readonly string[]): Parsed<T> {
  const byFlag = new Map(
    Object.entries(table).flatMap(([name, spec]) => [name, ...(spec.aliases ?? [])].map((flag) => [flagName(flag), name] as const)),
  );
  const out: Record<string, unknown> = {};
  const explicit = new Set<string>();
  for (const [name, spec] of Object.entries(table)) out[name] = spec.default ?? (spec.kind === 'flag' ? false : undefined);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const name = byFlag.get(flag);
    if (!name) {
      throw new UsageError(arg.startsWith('-') ? `unknown option ${flag} (see --help)` : `unexpected argument '${arg}' (see --help)`);
    }
    if (explicit.has(name)) throw new UsageError(`${flag} given more than once`);
    explicit.add(name);
    const spec = table[name];
    if (spec.kind === 'flag') {
      if (flag !== arg) throw new UsageError(`${flag} takes no value`);
      out[name] = true;
      continue;
    }
    let text: string;
    if (flag !== arg) text = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) text = argv[++i];
    else throw new UsageError(`${flag} needs a value`);
    out[name] = parseValue(name, spec, text);
  }
  out.explicit = explicit;
  return out as Parsed<T>;
}

/** The --help text: usage line, then one line per option with its default. */
export function helpText(usage: string, description: string, table: OptionTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const meta = spec.kind === 'flag' ? '' : ` ${spec.meta ?? (spec.kind === 'string' ? 'VALUE' : spec.kind === 'int' ? 'N' : 'X')}`;
    const fallback = spec.default === undefined || spec.kind === 'flag' ? '' : ` (default ${spec.default})`;
    const aliases = spec.aliases?.length ? ` (or ${spec.aliases.map(flagName).join(', ')})` : '';
    return [`  ${flagName(name)}${meta}`, `${spec.help}${fallback}${aliases}`];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, right]) => left.padEnd(width) + right);
  return [`usage: ${usage}`, '', description, '', 'options:', ...lines, `  ${'--help'.padEnd(width - 2)}show this help and exit`].join(
    '\n',
  );
}

/** Parses argv for a CLI: prints help and exits 0 on --help. */
export function parseCommandLine<T extends OptionTable>(table: T, argv: readonly string[], usage: string, description: string): Parsed<T> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${helpText(usage, description, table)}\n`);
    process.exit(0);
  }
  return parseArgs(table, argv);
}

/**
 * Under `npm run` without -s, npm prints its banner ("> name script") on stdout before the
 * command's output: a --json reader then fails. Says how to get the JSON alone, on stderr.
 */
export function warnIfNpmBanner(command: string): void {
  const { npm_command: npmCommand, npm_lifecycle_event: script, npm_config_loglevel: loglevel, npm_config_json: npmJson } = process.env;
  // `npm run` is "run" to npm 10 and later, "run-script" before; npx ("exec") prints no banner.
  if (!(npmCommand === 'run' || npmCommand === 'run-script') || loglevel === 'silent' || npmJson === 'true') return;
  console.error(`${command}: npm printed its banner on stdout before the JSON; \`npm run -s ${script} -- …\` prints the JSON alone`);
}

/** A path as a user would type it in a command: relative when it is under the working folder, quoted when the shell needs it. */
export function shellPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  const shown = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  return /^[\w./+,:@%-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs a CLI's main: an error is one line on stderr ("name: message", no stack trace) and exit
 * status 2 for a bad command line, 1 otherwise; an EarlyExit is its line and its status. The GPU
 * is closed so that Dawn lets Node exit.
 */
export function runCommand(name: string, main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).then(
    () => {
      closeGpu();
      process.exit(0);
    },
    (error: Error) => {
      console.error(`${name}: ${error.message}`);
      closeGpu();
      process.exit(error instanceof EarlyExit ? error.status : error instanceof UsageError ? 2 : 1);
    },
  );
}

/** Whether the module at `moduleUrl` (its import.meta.url) is the script Node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}
