// Builds the lab page with esbuild: lab/page/main.ts and everything it imports (engine/, kernels/,
// model/, the benchmark's kernel groups) as one ES module, beside the page's HTML and CSS.
//
// The bundle is made for the "browser" condition, so package.json's imports map gives it the page
// sides of the host seams (#gpu-host, #model-files). Anything else that reaches a node: module
// fails the build, naming the import chain: the build is the check that the shared code runs in a
// page unchanged.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The page's static files, copied as they are. */
const STATIC_FILES = ['index.html', 'lab.css'];

/** Writes the page into `outDir` (made if missing); resolves when it is there. */
export async function buildLab(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(here, 'page', 'main.ts')],
    outfile: path.join(outDir, 'lab.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'silent',
  });
  for (const file of STATIC_FILES) copyFileSync(path.join(here, 'page', file), path.join(outDir, file));
}
