// A dataset on the Hugging Face hub, read from its parquet files through the HF cache: those on
// `main` (most datasets are stored as parquet), else those of the hub's automatic conversion on
// the `refs/convert/parquet` branch (<config>/<split>/0000.parquet). The file list comes from the
// cache when it holds a train split of the configuration already, so a run that has read a
// dataset once starts again without the network, as model files do (train/hub.ts).
import path from 'node:path';
import { type HubOptions, cachedFiles, hubFileList, hubSnapshot } from '../hub.ts';
import { SPLITS } from './dataset.ts';
import { type SplitFiles, type SplitSources, filesBySplit } from './files.ts';

/** Short names that the hub itself redirects to their organisation's repo. */
export const HUB_ALIASES: Record<string, string> = { rotten_tomatoes: 'cornell-movie-review-data/rotten_tomatoes' };

const REVISIONS = ['main', 'refs/convert/parquet'];

/** Whether `spec` could be a hub dataset id (`name` or `org/name`). */
export const isHubId = (spec: string) => /^[\w.-]+(\/[\w.-]+)?$/.test(spec) && !spec.startsWith('.');

export async function hubDatasetFiles(id: string, config?: string): Promise<SplitSources> {
  const repo = HUB_ALIASES[id] ?? id;
  const source = `dataset ${repo}`;
  const options = (revision: string): HubOptions => ({ repoType: 'dataset', revision });
  const parquetSplits = (paths: string[], revision: string): SplitFiles | undefined => {
    const parquet = paths.filter((p) => p.endsWith('.parquet'));
    if (parquet.length === 0) return undefined;
    const splits = filesBySplit(parquet, `${source} (${revision})`, config);
    return splits.train ? splits : undefined;
  };
  const find = async (list: (revision: string) => string[] | Promise<string[]>) => {
    for (const revision of REVISIONS) {
      const splits = parquetSplits(await list(revision), revision);
      if (splits) return { revision, splits };
    }
    return undefined;
  };
  // A cache without the configuration asked for (or with several) is no answer: ask the hub.
  const cached = await find((revision) => cachedFiles(repo, options(revision))).catch(() => undefined);
  const found = cached ?? (await find((revision) => hubFileList(repo, options(revision))));
  if (!found) throw new Error(`${source} has no parquet files with a train split on ${REVISIONS.join(' or ')}`);
  const relative = Object.values(found.splits).flat();
  const snapshot = await hubSnapshot(repo, relative, {
    ...options(found.revision),
    hint: 'pass --data with a local folder or file instead',
  });
  const files: SplitSources = {};
  for (const split of SPLITS) {
    const paths = found.splits[split];
    if (paths) files[split] = paths.map((p) => ({ path: path.join(snapshot, ...p.split('/')), name: `${repo}/${p}` }));
  }
  return files;
}
