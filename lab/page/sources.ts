// Where the page's model folders and sentences come from: the lab server's data folder (/data/,
// `npm run lab -- --data DIR`), the Hugging Face hub, or files the reader picks. Every model folder
// lands in model/files/browser.ts's memory, where model/'s loaders read it as Node reads a disk.
import { fetchFiles } from '../../model/files/browser.ts';
import type { Dataset } from '../../train/data/dataset.ts';
import { POLARITY_LABELS, decodeText, splitPolarity } from '../../train/data/polarity.ts';

/** The data folder's layout (the project's ../shared). */
export const DATA = {
  baseModel: 'data/models/distilbert-base-uncased/',
  rottenTomatoes: 'data/data/rotten_tomatoes/',
};

/** What a model folder must hold, and what it may. */
export const MODEL_FILES = { required: ['config.json', 'vocab.txt'], optional: ['tokenizer_config.json', 'model.safetensors'] };

/**
 * The Hugging Face hub's address: the page's `?HF_ENDPOINT=URL` (a mirror, or a test's stand-in),
 * as `npm run train` reads the HF_ENDPOINT variable (train/hub.ts), else huggingface.co.
 */
export function hubEndpoint(): string {
  return (new URLSearchParams(location.search).get('HF_ENDPOINT') || 'https://huggingface.co').replace(/\/+$/, '');
}

/** Fetches a model folder at `url` (ending in /) into memory folder `dir`. */
export async function fetchModelFolder(dir: string, url: string, progress?: (line: string) => void): Promise<void> {
  await fetchFiles(dir, url, MODEL_FILES, (name, received, total) =>
    progress?.(`${name}: ${(received / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`),
  );
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${url}: cannot fetch (${(error as Error).message})`);
  }
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** rotten_tomatoes from the polarity files under `url`, split as train/data.ts splits them. */
export async function fetchPolarity(url: string): Promise<Dataset> {
  const [positive, negative] = await Promise.all(['rt-polarity.pos', 'rt-polarity.neg'].map((f) => fetchBytes(new URL(f, url).href)));
  return splitPolarity(decodeText(positive), decodeText(negative));
}

/** rotten_tomatoes' parquet splits from the hub (the files `npm run train -- --data rotten_tomatoes` reads). */
export async function fetchRottenTomatoesFromHub(): Promise<Dataset> {
  const { parquetReadObjects } = await import('hyparquet');
  const base = `${hubEndpoint()}/datasets/cornell-movie-review-data/rotten_tomatoes/resolve/main/`;
  const dataset = { labels: [...POLARITY_LABELS] } as Dataset;
  for (const split of ['train', 'validation', 'test'] as const) {
    const bytes = await fetchBytes(`${base}${split}.parquet`);
    const rows = await parquetReadObjects({ file: bytes.buffer as ArrayBuffer, columns: ['text', 'label'] });
    dataset[split] = rows.map((row) => ({ text: String(row.text), label: Number(row.label) }));
  }
  return dataset;
}
