// The lab page: opens the GPU through navigator.gpu (engine/gpu/host_browser.ts), then shows the
// adapter, the kernel lab, training, one step opened up, and fine-tuning, one tab each. Engine
// settings come from the page's URL (?ENGINE_MATMUL=direct&ENGINE_REPLAY=0), as Node reads them
// from the environment (engine/env.ts). Any failure is one line at the top saying what to do.
//
// `window.lab` is what test/lab/browser.test.ts drives in Chromium: the same functions the buttons call.
import { configureSettings } from '../../engine/env.ts';
import { GpuOutOfMemoryError, initGpu } from '../../engine/index.ts';
import { loadModel } from '../../model/checkpoint.ts';
import { type LabApi, TABS, type Tab } from '../lab_api.ts';
import { DEFAULT_TRAIN_OPTIONS, tokenizerAt } from '../trainer.ts';
import { renderAdapter } from './adapter_view.ts';
import { renderFinetune, saveModelFolder } from './finetune_view.ts';
import type { Group } from '../../bench/options.ts';
import { renderKernelLab, validateFamilies } from './kernel_lab.ts';
import { DATA, fetchModelFolder, fetchPolarity } from './sources.ts';
import { renderStep } from './step_view.ts';
import { TrainingRun, renderTrain } from './train_view.ts';

const errorLine = document.getElementById('error')!;

/** A failure as one line saying what happened and what to do. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (error instanceof GpuOutOfMemoryError) return `${message}: pick a smaller model, batch or maximum length and start again.`;
  if (/device lost/i.test(message)) return `${message}. Reload the page to open the GPU again.`;
  return message;
}

function report(error: unknown): void {
  console.error(error);
  errorLine.textContent = describeFailure(error);
  errorLine.hidden = false;
}

function showTab(tab: Tab): void {
  for (const name of TABS) {
    document.getElementById(name)!.hidden = name !== tab;
    document.querySelector(`nav button[data-tab="${name}"]`)!.setAttribute('aria-selected', String(name === tab));
  }
  history.replaceState(null, '', `${location.search}#${tab}`);
}

async function start(): Promise<LabApi> {
  configureSettings(Object.fromEntries(new URLSearchParams(location.search)));
  const g = await initGpu();
  document.getElementById('adapter-line')!.textContent =
    `${g.adapterName}${g.cpuImplementation ? ' — a CPU implementation of WebGPU' : ''}`;
  renderAdapter(document.getElementById('adapter')!, g);
  renderKernelLab(document.getElementById('kernels')!);
  const train = renderTrain(document.getElementById('train')!, report);
  renderStep(document.getElementById('step')!, train.current, report);
  const fineTune = renderFinetune(document.getElementById('finetune')!, report);
  for (const button of document.querySelectorAll<HTMLButtonElement>('nav button')) {
    button.addEventListener('click', () => showTab(button.dataset.tab as Tab));
  }
  const hash = location.hash.slice(1) as Tab;
  showTab(TABS.includes(hash) ? hash : 'train');

  return {
    showTab,
    adapter: () => ({ name: g.adapterName, software: g.cpuImplementation, features: [...g.features], subgroupSize: g.subgroupMaxSize }),
    validateKernels: (families, firstOnly) => validateFamilies(families as Group[] | undefined, firstOnly),
    async train({ model, steps, options }) {
      await fetchModelFolder('given', model);
      const dataset = await fetchPolarity(new URL(DATA.rottenTomatoes, location.href).href);
      const recipe = { ...DEFAULT_TRAIN_OPTIONS, ...options };
      const run = new TrainingRun(
        loadModel('given', { log: () => {} }),
        tokenizerAt('given', recipe.maxLength),
        dataset,
        recipe,
        64,
        Infinity,
      );
      train.showRun(run);
      await run.run(steps);
      return run.records;
    },
    async fineTuneFromHub({ recipe, steps }) {
      showTab('finetune');
      const run = await fineTune.fromHub(recipe, steps);
      return { records: run.records, options: run.training.options };
    },
    async resumeFineTune() {
      showTab('finetune');
      const run = await fineTune.resumeStored();
      return { records: run.records, options: run.training.options };
    },
    async saveModel() {
      const run = train.current();
      if (!run) throw new Error('no training run to save');
      const files = await saveModelFolder(run.model, run.tokenizer, 'saved');
      return Object.fromEntries([...files].map(([name, bytes]) => [name, toBase64(bytes)]));
    },
  };
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

declare global {
  interface Window {
    lab: Promise<LabApi>;
  }
}

window.addEventListener('unhandledrejection', (event) => report(event.reason));
window.addEventListener('error', (event) => report(event.error ?? event.message));
window.lab = start();
window.lab.catch(report);
