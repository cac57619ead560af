// Runs one of the project's CLIs in its own Node process (through the tsx loader), as a user
// would, collecting its output; `until` may kill it early (e.g. SIGKILL mid-run), and `onStderr`
// may signal it when its messages say something (e.g. SIGINT once it trains).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  until?: (kill: () => void) => void;
  /** Called with everything the process has written on stderr so far, each time it writes more. */
  onStderr?: (stderr: string, signal: (name: NodeJS.Signals) => void) => void;
}

export function runCli(script: string, args: string[], { env = {}, until, onStderr }: CliOptions = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ENGINE_QUIET: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, (name) => child.kill(name));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    until?.(() => child.kill('SIGKILL'));
  });
}

/**
 * The one line a failed CLI prints: its stderr, less Dawn's two warnings about dynamic buffers on
 * a CPU driver, must be one line. (engine/gpu/dawn_warnings.ts keeps those off a terminal or a
 * pipe, but a child's stderr here is a socket, which it cannot reopen.)
 */
export function errorLine(exit: Exit): string {
  const lines = exit.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^Warning: maxDynamic\w+PerPipelineLayout artificially reduced|^\s+at operator|^$/.test(l));
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${exit.stderr}`);
  return lines[0];
}
