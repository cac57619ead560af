// Dawn's two warnings about dynamic buffers, kept off stderr.
//
// Asking Dawn for an adapter on Mesa's CPU drivers prints, on every start,
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
//   Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
// (lavapipe through Vulkan; llvmpipe through OpenGL says 90 and 80). Dawn's limit normalisation
// (dawn/native/Limits.cpp, dawn::WarningLog) writes them with fprintf to file descriptor 2 during
// requestAdapter's synchronous part: no JavaScript stream sees them, and no logging callback or
// setting turns them off. They say nothing a user can act on: the driver offers more dynamic
// buffers per pipeline layout than the 16 Dawn supports (the engine binds one), and a GPU driver,
// which offers fewer, gets no warning.
//
// So while `call` runs, descriptor 2 points at a temporary file, and what was written there other
// than these lines is passed on afterwards. Node cannot dup() a descriptor: descriptor 2 is closed
// and reopened from /proc/self/fd, which gives the same stream back only for a terminal or a
// pipe. Elsewhere the warnings are left alone: a regular file, as in 2>log (reopened, it would
// have an offset of its own and could overwrite the log); a socket, which cannot be reopened and
// is what Node's spawn gives a child; a system without /proc.
import { closeSync, fstatSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LIMIT_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced .*\n/gm;

/** Whether descriptor `fd` is open and reopening /proc/self/fd/<fd> gives its stream back. */
function reopenable(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}

export function withoutLimitWarnings<T>(call: () => T): T {
  // Descriptors 0 and 1 open: closing 2 makes it the lowest free one, which the next open takes.
  if (process.platform !== 'linux' || !reopenable(2) || ![0, 1].every(isOpen)) return call();
  const stderr = openSync('/proc/self/fd/2', 'w');
  const capture = path.join(os.tmpdir(), `engine-stderr-${process.pid}`);
  closeSync(2);
  openSync(capture, 'w+');
  unlinkSync(capture);
  try {
    return call();
  } finally {
    const written = readFileSync('/proc/self/fd/2', 'utf8');
    closeSync(2);
    openSync(`/proc/self/fd/${stderr}`, 'w');
    closeSync(stderr);
    const rest = written.replace(LIMIT_WARNING, '');
    if (rest !== '') writeSync(2, rest);
  }
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
