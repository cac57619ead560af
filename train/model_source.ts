// Where `--model` points: a local folder, or a Hugging Face model id fetched through the standard
// HF cache (train/hub.ts). Only the files a run needs are fetched: config.json and the tokenizer
// files always, model.safetensors unless training from scratch.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, WEIGHTS_FILE } from '../model/checkpoint.ts';
import { hubSnapshot } from './hub.ts';

const TOKENIZER_FILES = ['vocab.txt', 'tokenizer_config.json'];
const HUB_ID = /^[\w.-]+(\/[\w.-]+)?$/;

export interface ModelSource {
  dir: string;
  /** The hub id, when the model came from the hub. */
  hubId?: string;
}

/** A folder holding the model's files; `weights` says whether model.safetensors is needed. */
export async function resolveModel(spec: string, weights: boolean): Promise<ModelSource> {
  if (existsSync(spec)) {
    if (!statSync(spec).isDirectory()) throw new Error(`--model ${spec}: not a folder`);
    for (const file of [CONFIG_FILE, 'vocab.txt', ...(weights ? [WEIGHTS_FILE] : [])]) {
      if (!existsSync(path.join(spec, file))) {
        const hint = file === WEIGHTS_FILE ? ' (pass --from-scratch to train this architecture from a random initialisation)' : '';
        throw new Error(`${spec}: no ${file} in the model folder${hint}`);
      }
    }
    return { dir: spec };
  }
  const looksLikePath = spec.startsWith('.') || path.isAbsolute(spec) || spec.split('/').length > 2;
  if (looksLikePath || !HUB_ID.test(spec)) throw new Error(`--model ${spec}: no such folder (nor a Hugging Face model id)`);
  const files = [CONFIG_FILE, ...TOKENIZER_FILES, ...(weights ? [WEIGHTS_FILE] : [])];
  const dir = await hubSnapshot(spec, files, {
    repoType: 'model',
    hint: 'pass --model DIR with config.json and vocab.txt (+ model.safetensors), or --from-scratch --model DIR without weights',
  });
  return { dir, hubId: spec };
}
