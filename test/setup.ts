// Every test file imports this first: it opens the GPU once (top-level await) for the process.
import { initGpu } from '../engine/index.ts';

process.env.ENGINE_QUIET ??= '1';
export const gpuInfo = await initGpu();
