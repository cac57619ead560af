// The models this engine runs, chosen by config.json's model_type as transformers' Auto classes
// choose: "distilbert" (DistilBertForSequenceClassification) and "bert" (BertForSequenceClassification).
// Each family's entry says how its config is read and how its checkpoints are laid out
// (model/checkpoint.ts): the prefix of the base model's names, which a bare base model's file
// lacks, the classification head, which a pretrained base model's file lacks, and the tokenizer
// class to save. The config's type then picks the parameter shapes and the model class.
import type { Shape } from '../engine/index.ts';
import { BertForSequenceClassification, parameterShapes as bertShapes } from './bert.ts';
import { BertConfig } from './bert_config.ts';
import { configObject, readJsonFile } from './config.ts';
import { DistilBertForSequenceClassification, parameterShapes as distilBertShapes } from './distilbert.ts';
import { DistilBertConfig } from './distilbert_config.ts';
import type { SequenceClassifier } from './sequence_classifier.ts';

export type ModelConfig = DistilBertConfig | BertConfig;
/** A model of either family. */
export type Model = SequenceClassifier<ModelConfig>;

interface ModelFamily {
  fromJSON(json: unknown, source: string): ModelConfig;
  /** The base model's module: the prefix of its parameters' names in a task model's checkpoint. */
  basePrefix: string;
  /** The classification head's modules, initialised afresh when a checkpoint has none of them. */
  headModules: string[];
  /** tokenizer_config.json's tokenizer_class (BERT's tokenizer also makes token_type_ids). */
  tokenizerClass: string;
}

const FAMILIES: Record<ModelConfig['modelType'], ModelFamily> = {
  distilbert: {
    fromJSON: DistilBertConfig.fromJSON,
    basePrefix: 'distilbert.',
    headModules: ['pre_classifier', 'classifier'],
    tokenizerClass: 'DistilBertTokenizer',
  },
  bert: { fromJSON: BertConfig.fromJSON, basePrefix: 'bert.', headModules: ['classifier'], tokenizerClass: 'BertTokenizer' },
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
  return config.modelType === 'bert' ? bertShapes(config) : distilBertShapes(config);
}

/** The model of `config`, each parameter filled with `values(name, shape)`. */
export function createModel(config: ModelConfig, values: (name: string, shape: Shape) => Float32Array): Model {
  return config.modelType === 'bert'
    ? new BertForSequenceClassification(config, values)
    : new DistilBertForSequenceClassification(config, values);
}
