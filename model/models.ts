// The models this engine runs, chosen by config.json's model_type as transformers' Auto classes
// choose: "distilbert" (DistilBertForSequenceClassification).
// Each entry says how its config is read, its parameters' names and shapes, and how its
// checkpoints are laid out (model/checkpoint.ts): the prefix of the base model's names, which a
// bare base model's file lacks, and the classification head, which a base model's file lacks.
import type { Shape } from '../engine/index.ts';
import { configObject, readJsonFile } from './config.ts';
import { DistilBertForSequenceClassification, parameterShapes as distilBertShapes } from './distilbert.ts';
import { DistilBertConfig } from './distilbert_config.ts';
import type { SequenceClassifier } from './sequence_classifier.ts';

export type ModelConfig = DistilBertConfig;
/** A model of any family here. */
export type Model = SequenceClassifier<ModelConfig>;

interface ModelFamily {
  fromJSON(json: unknown, source: string): ModelConfig;
  /** The base model's module: the prefix of its parameters' names in a task model's checkpoint. */
  basePrefix: string;
  /** The classification head's modules, initialised afresh when a checkpoint has none of them. */
  headModules: string[];
  /** tokenizer_config.json's tokenizer_class. */
  tokenizerClass: string;
}

const FAMILIES: Record<ModelConfig['modelType'], ModelFamily> = {
  distilbert: {
    fromJSON: DistilBertConfig.fromJSON,
    basePrefix: 'distilbert.',
    headModules: ['pre_classifier', 'classifier'],
    tokenizerClass: 'DistilBertTokenizer',
  },
};

const MODEL_TYPES = Object.keys(FAMILIES).map((type) => JSON.stringify(type));

/** The config of a config.json's object, of the class its model_type names; `source` prefixes every error. */
export function configFromJSON(json: unknown, source = 'config.json'): ModelConfig {
  const modelType = configObject(json, source).model_type;
  if (typeof modelType !== 'string' || !Object.hasOwn(FAMILIES, modelType)) {
    const found = modelType === undefined ? 'is missing' : `is ${JSON.stringify(modelType)}`;
    throw new Error(`${source}: field "model_type" ${found}; expected ${MODEL_TYPES.join(' or ')}`);
  }
  return FAMILIES[modelType as ModelConfig['modelType']].fromJSON(json, source);
}

/** Reads and validates a config.json file, whichever model it describes. */
export function readConfig(file: string): ModelConfig {
  return configFromJSON(readJsonFile(file), file);
}

/** How a checkpoint of this config's model names its parameters and tokenizer (see ModelFamily). */
export function checkpointLayout(config: ModelConfig): Omit<ModelFamily, 'fromJSON'> {
  return FAMILIES[config.modelType];
}

/** Every parameter's Hugging Face name and shape, in transformers' state_dict order. */
export function parameterShapes(config: ModelConfig): [string, Shape][] {
  return distilBertShapes(config);
}

/** The model of `config`, each parameter filled with `values(name, shape)`. */
export function createModel(config: ModelConfig, values: (name: string, shape: Shape) => Float32Array): Model {
  return new DistilBertForSequenceClassification(config, values);
}
