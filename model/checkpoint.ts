// Checkpoints in Hugging Face's layout: a folder with config.json (whose model_type picks the
// model, model/models.ts), model.safetensors (tensors under transformers' names, nn.Linear weights
// [out, in]) and the tokenizer files.
//
// Loading accepts a sequence classification checkpoint, a pretrained base one (distilbert-base-uncased,
// bert-base-uncased: no classification head, pretraining heads we do not use) or a bare base model
// (DistilBertModel, BertModel: names without the "distilbert." or "bert." prefix). A missing head
// is initialised as transformers does; anything missing or mis-shaped in the encoder is an error
// naming the tensors. Old checkpoints' LayerNorm.gamma/beta (bert-base-uncased's) load as
// LayerNorm.weight/bias, as transformers renames them. Tensors go to the GPU one at a time, so a
// 268 MB checkpoint is never held in memory twice. Saving writes what transformers'
// from_pretrained reads (F32 safetensors with format "pt").
import { files } from '#model-files';
import { shapeStr, sameShape, type Shape } from '../engine/index.ts';
import { initialValues } from './init.ts';
import { checkpointLayout, createModel, parameterShapes, readConfig, type Model, type ModelConfig } from './models.ts';
import { openSafetensors, writeSafetensors } from './safetensors.ts';
import type { WordPieceTokenizer } from './tokenizer.ts';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

/** The name TF-era checkpoints give a LayerNorm parameter (gamma and beta for weight and bias). */
const legacyName = (name: string) => name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');

export interface LoadOptions {
  /** Seed of the classification head's initialisation when the checkpoint has none. */
  seed?: number;
  /** Refuse a checkpoint without a classification head (inference needs a trained one). */
  requireHead?: boolean;
  /**
   * Initialise head tensors whose shape differs from the checkpoint's (a head for another number
   * of labels) instead of refusing them, as transformers' ignore_mismatched_sizes; a line says so.
   */
  freshMismatchedHead?: boolean;
  /** Where the one-line notes (ignored tensors, initialised head) go; stderr by default. */
  log?: (line: string) => void;
}

/** A randomly initialised model, as transformers' _init_weights makes one (for --from-scratch). */
export function initModel(config: ModelConfig, seed: number): Model {
  return createModel(config, (name, shape) => initialValues(config, name, shape, seed));
}

/** A checkpoint whose config and tensor names and shapes were checked; nothing is on the GPU yet. */
export interface Checkpoint {
  config: ModelConfig;
  weightsFile: string;
  /** Reads the weights onto the GPU, one tensor at a time. */
  createModel(): Model;
}

/** Loads config.json and model.safetensors from a checkpoint folder. */
export function loadModel(dir: string, options: LoadOptions = {}): Model {
  return openCheckpoint(dir, options).createModel();
}

/** Checks a checkpoint folder on the CPU (config.json, the weights' names and shapes). */
export function openCheckpoint(dir: string, options: LoadOptions = {}): Checkpoint {
  if (!files.isDirectory(dir)) throw new Error(`${dir}: no such model folder`);
  const configFile = files.join(dir, CONFIG_FILE);
  if (!files.exists(configFile)) throw new Error(`${dir}: no ${CONFIG_FILE} in the model folder`);
  return checkWeights(readConfig(configFile), files.join(dir, WEIGHTS_FILE), options);
}

/** Checks that a safetensors file holds the weights of a model of `config` (see the file comment for what is accepted). */
export function checkWeights(config: ModelConfig, weightsFile: string, options: LoadOptions = {}): Checkpoint {
  const { seed = 0, requireHead = false, freshMismatchedHead = false, log = (line: string) => console.error(line) } = options;
  if (!files.exists(weightsFile)) {
    const dir = files.dirname(weightsFile);
    const hint = files.exists(files.join(dir, 'pytorch_model.bin')) ? ' (it has pytorch_model.bin; only safetensors is supported)' : '';
    throw new Error(`${dir}: no ${files.basename(weightsFile)} in the model folder${hint}`);
  }
  const file = openSafetensors(weightsFile);
  const names = new Map([...file.tensors].map(([name, entry]) => [name, entry.shape]));
  file.close();

  // Our parameter names -> the file's names: a bare base model has no "distilbert." or "bert." prefix.
  const { basePrefix, headModules } = checkpointLayout(config);
  const isHeadParameter = (name: string) => headModules.some((module) => name.startsWith(`${module}.`));
  const hasPrefix = [...names.keys()].some((name) => name.startsWith(basePrefix));
  const fileName = (name: string) => {
    const inFile = hasPrefix || !name.startsWith(basePrefix) ? name : name.slice(basePrefix.length);
    return !names.has(inFile) && names.has(legacyName(inFile)) ? legacyName(inFile) : inFile;
  };

  const expected = parameterShapes(config);
  const missing = expected.filter(([name]) => !names.has(fileName(name))).map(([name]) => name);
  const headMissing = missing.filter(isHeadParameter);
  const initialiseHead = headMissing.length === expected.filter(([name]) => isHeadParameter(name)).length;
  if (initialiseHead && requireHead) {
    throw new Error(`${weightsFile}: no classification head (${headModules.join(', ')}): this is a base model, fine-tune it first`);
  }
  const reallyMissing = initialiseHead ? missing.filter((name) => !isHeadParameter(name)) : missing;
  if (reallyMissing.length > 0) throw new Error(`${weightsFile}: missing ${reallyMissing.length} tensor(s): ${summarise(reallyMissing)}`);
  const wrongShape = expected.filter(([name, shape]) => names.has(fileName(name)) && !sameShape(names.get(fileName(name))!, shape));
  const describe = ([name, shape]: (typeof expected)[number]) =>
    `${fileName(name)} is ${shapeStr(names.get(fileName(name))!)}, config needs ${shapeStr(shape)}`;
  const fresh = new Set(freshMismatchedHead ? wrongShape.filter(([name]) => isHeadParameter(name)).map(([name]) => name) : []);
  const misshaped = wrongShape.filter(([name]) => !fresh.has(name)).map(describe);
  if (misshaped.length > 0) throw new Error(`${weightsFile}: ${misshaped.length} tensor(s) of the wrong shape: ${summarise(misshaped)}`);
  if (fresh.size > 0) {
    const shapes = wrongShape.filter(([name]) => fresh.has(name)).map(describe);
    log(`${weightsFile}: ${summarise(shapes)}: initialised afresh for ${config.numLabels} labels (ignore_mismatched_sizes)`);
  }

  const used = new Set(expected.map(([name]) => fileName(name)));
  const ignored = [...names.keys()].filter((name) => !used.has(name));
  if (ignored.length > 0) {
    const modules = [...new Set(ignored.map((name) => name.replace(/\.[^.]*$/, '')))];
    log(`${weightsFile}: ignoring ${ignored.length} tensor(s) that sequence classification does not use (${summarise(modules)})`);
  }
  if (initialiseHead)
    log(`${weightsFile}: no classification head; ${headModules.join(' and ')} initialised as transformers does (seed ${seed})`);

  const readModel = () => {
    const weights = openSafetensors(weightsFile);
    try {
      return createModel(config, (name: string, shape: Shape) =>
        names.has(fileName(name)) && !fresh.has(name) ? weights.read(fileName(name)) : initialValues(config, name, shape, seed),
      );
    } finally {
      weights.close();
    }
  };
  return { config, weightsFile, createModel: readModel };
}

/**
 * Writes a folder transformers' from_pretrained loads: model.safetensors (F32), config.json,
 * vocab.txt and tokenizer_config.json.
 */
export async function saveModel(model: Model, tokenizer: WordPieceTokenizer, dir: string): Promise<void> {
  if (tokenizer.vocabSize > model.config.vocabSize) {
    throw new Error(`${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocabSize} embeddings`);
  }
  files.makeDirectory(dir);
  const tensors = [];
  for (const [name, param] of model.params) tensors.push({ name, shape: param.shape, data: await param.toFloat32() });
  writeSafetensors(files.join(dir, WEIGHTS_FILE), tensors, { format: 'pt' });
  model.config.save(files.join(dir, CONFIG_FILE));
  tokenizer.saveTo(dir, checkpointLayout(model.config).tokenizerClass);
}

/** "a, b, c" or "a, b, c and 7 more": error lines stay one readable line. */
function summarise(items: string[], shown = 4): string {
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}
