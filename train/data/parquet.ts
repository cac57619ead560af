// Parquet data files, as the Hugging Face hub stores datasets (and its refs/convert/parquet
// branch converts them). A file written by the `datasets` library carries its features in the
// key-value metadata under "huggingface"; a ClassLabel feature's names are the classes its
// integer column stands for (rotten_tomatoes: 0 neg, 1 pos), which the label reader honours.
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { type Table, atRows } from './table.ts';

/** The table in a parquet file's bytes; `file` names it in errors. */
export async function readParquet(buffer: AsyncBuffer, file: string): Promise<Table> {
  if (buffer.byteLength === 0) throw new Error(`${file}: empty file`);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file (${(err as Error).message})`);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const rows = (await parquetReadObjects({ file: buffer, metadata })) as Record<string, unknown>[];
  return { file, columns, rows, where: atRows, classNames: classLabelNames(metadata, file) };
}

interface HuggingFaceFeature {
  _type?: string;
  names?: unknown;
}

/** ClassLabel names by column from the "huggingface" metadata entry, if the file has one. */
function classLabelNames(metadata: FileMetaData, file: string): Record<string, string[]> {
  const entry = metadata.key_value_metadata?.find(({ key }) => key === 'huggingface')?.value;
  if (entry === undefined) return {};
  let features: Record<string, HuggingFaceFeature>;
  try {
    features = JSON.parse(entry).info?.features ?? {};
  } catch (err) {
    throw new Error(`${file}: its "huggingface" metadata is not JSON (${(err as Error).message})`);
  }
  const names: Record<string, string[]> = {};
  for (const [column, feature] of Object.entries(features)) {
    if (feature?._type !== 'ClassLabel') continue;
    if (!Array.isArray(feature.names) || !feature.names.every((n) => typeof n === 'string')) {
      throw new Error(`${file}: the ClassLabel feature of column "${column}" has no list of names`);
    }
    names[column] = feature.names;
  }
  return names;
}
