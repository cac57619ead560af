// Every test file imports this first: it opens the GPU once (top-level await) for the process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initGpu } from '../../engine/index.ts';

process.env.ENGINE_QUIET ??= '1';
// Tuned kernel tables (engine/gpu/tuning.ts) live in the cache folder: tests neither read the user's
// nor write to it, so every run starts on the default kernels. Mesa keeps its compiled shaders
// there too: it is told to keep using the user's folder, or every test process compiles cold.
process.env.MESA_SHADER_CACHE_DIR ??= process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'wgsl-distilbert-test-cache-'));
process.env.XDG_CACHE_HOME = cache;
process.on('exit', () => fs.rmSync(cache, { recursive: true, force: true }));
export const gpuInfo = await initGpu();
// A pass of test/run.ts that names its adapter (a Vulkan driver through VK_ICD_FILENAMES) runs
// on that one, never on a fallback the engine found instead.
const expected = process.env.TEST_ADAPTER;
if (expected && !gpuInfo.adapterName.toLowerCase().includes(expected)) {
  throw new Error(`TEST_ADAPTER=${expected}, but the engine opened ${gpuInfo.adapterName}`);
}
