// The DistilBERT configuration that the benchmark's shape options describe (for AdamW's parameter
// list and the training-step profile).
import { DistilBertConfig } from '../model/distilbert_config.ts';
import type { ModelShape } from './options.ts';

export function benchConfig(o: ModelShape): DistilBertConfig {
  return DistilBertConfig.fromJSON(
    {
      vocab_size: o.vocab,
      max_position_embeddings: Math.max(512, o.seq),
      n_layers: o.layers,
      n_heads: o.heads,
      dim: o.dim,
      hidden_dim: o.hidden,
      id2label: Object.fromEntries(Array.from({ length: o.classes }, (_, i) => [String(i), `LABEL_${i}`])),
    },
    'bench shape options',
  );
}
