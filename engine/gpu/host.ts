// What the engine needs from the program it runs in, as an interface with one implementation per
// host. engine/gpu/device.ts opens the GPU through it, and engine/gpu/tuning.ts keeps its tables
// through it; nothing else in engine/ depends on where it runs.
//   - Node (engine/gpu/host_node.ts): Dawn, the `webgpu` package, with its Vulkan look-up, its
//     OpenGL fallback and its polling; tuned tables are files in the user's cache folder.
//   - A page (engine/gpu/host_browser.ts): navigator.gpu; a page keeps no tuned tables.
// package.json's "imports" map picks one: `#gpu-host` is the page's side under a bundler's
// "browser" condition (lab/build.ts) and Node's everywhere else.
import type { AdapterIdentity } from './device.ts';

export type Backend = 'gpu' | 'opengl';

export interface GpuHost {
  /**
   * An adapter and the backend it came from: a GPU's when there is one, else (in Node) Dawn's
   * OpenGL in compatibility mode; `forced` insists on one. Throws one line saying what to do when
   * there is none.
   */
  requestAdapter(forced: Backend | undefined): Promise<{ adapter: GPUAdapter; backend: Backend }>;
  /** The API under the adapter, in words: vulkan, metal, d3d12, opengl, or the browser's WebGPU. */
  backendName(info: GPUAdapterInfo, backend: Backend): string;
  /** Called once the device is open, saying whether the adapter is a CPU implementation. */
  opened(cpuImplementation: boolean): void;
  /** Lets go of the instance, so that the program can exit. */
  close(): void;
  /** Tuned kernel tables (engine/gpu/tuning.ts), one per adapter. */
  tuningTables: TuningTableStore;
  /** A short hex digest of `text`: tables' kernel versions and names. */
  hash(text: string): string;
}

export interface TuningTableStore {
  /** Where the table of `identity` lives, in words (a file path). */
  location(identity: AdapterIdentity): string;
  /** The table's text, or undefined when there is none; throws when it cannot be read. */
  read(location: string): string | undefined;
  /** Writes the table whole (never half of it), replacing any older one. */
  write(location: string, text: string): void;
}
