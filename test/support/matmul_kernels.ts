// Runs op tests under each matmul kernel the ops can launch (ENGINE_MATMUL=blocked|direct): the
// blocked kernel GPUs get and the direct one llvmpipe gets.
import { test } from 'uvu';
import { withSettings } from '../../engine/env.ts';

/** Runs `body` with ENGINE_MATMUL (the kernel the ops launch) set to `kernel`, then restores it. */
export async function withOpsKernel(kernel: string, body: () => unknown): Promise<void> {
  await withSettings({ ENGINE_MATMUL: kernel }, async () => body());
}

/** Registers `name` once per kernel the ops can launch. */
export function testEachKernel(name: string, body: () => Promise<void>): void {
  for (const kernel of ['blocked', 'direct']) test(`${name} [${kernel}]`, () => withOpsKernel(kernel, body));
}
