/**
 * `quiverdb import <collection> <file>`: rows from a file into a collection, in batches, each
 * one insert (all or nothing), one after another, then a flush. A collection that does not
 * exist is made in the quick form (id, vector) from the file's dimension. A failed batch stops
 * the import and says which row of the file failed and how to resume from it.
 */
import { parseArgs } from 'node:util';

import type { QuiverDB } from '../client/embedded.js';
import { InvalidArgumentError, QuiverError, RowError } from '../errors.js';
import { Progress } from './progress.js';
import { type Batch, type BatchLimit, fileBytes, formatOf, fvecsBatches, fvecsDim, jsonLineBatches, parquetBatches, type Row } from './row-files.js';
import { openTarget, TARGET_HELP, TARGET_OPTIONS } from './target.js';

export const IMPORT_HELP = `Usage: quiverdb import <collection> <file> [options]

Inserts the rows of <file> into <collection>, in batches, then flushes. A collection that does
not exist is made in the quick form (an Int64 key "id", a FloatVector "vector", the dynamic
field on), its dimension taken from the file.

Files:
  .fvecs (.fvecs.gz)             texmex vectors; row n gets the key --id-start + n
  .jsonl, .ndjson, .json (.gz)   JSON lines: one row object per line, in the insert's shape
                                 (Int64 values past 2^53 as decimal strings)
  .parquet                       one row per Parquet row; a list column is a vector

Options:
${TARGET_HELP}
  --batch N       rows per insert (default: about 2 MB of values, 256 KB over NATS)
  --skip N        start at row N of the file (to resume after a failed batch)
  --field NAME    .fvecs: the vector field (default: the collection's only vector field)
  --id-start N    .fvecs: the key of row 0 (default 0; an autoID key is made by the database)
  --metric M      a new collection's metric: L2 (default), IP or COSINE
  --no-flush      leave the last rows in the growing segment
  --help          this text`;

// biome-ignore lint/suspicious/noExplicitAny: SDK-shaped responses, read field by field
type Sdk = any;

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--${name} takes a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

interface Plan {
  batches: AsyncGenerator<Batch>;
  /** The file's size in bytes (what the progress counts). */
  size: number;
  created?: string;
}

/** The first row of a JSON-lines or Parquet file: what a new collection is made from. */
async function firstRow(path: string, format: 'jsonl' | 'parquet', size: number): Promise<Row | undefined> {
  const one = { rows: 1, bytes: Number.POSITIVE_INFINITY };
  const batches = format === 'jsonl' ? jsonLineBatches(path, one, 0) : parquetBatches(path, one, 0, size);
  const { value } = await batches.next();
  await batches.return(undefined);
  return value?.rows[0];
}

/** The batches to insert, and the quick-form collection made for them if there was none. */
async function plan(
  db: QuiverDB,
  name: string,
  path: string,
  options: Record<string, string | boolean | undefined>,
  limit: BatchLimit,
  skip: number,
): Promise<Plan> {
  const format = formatOf(path);
  const size = await fileBytes(path);
  const metric = String(options.metric ?? 'L2').toUpperCase();
  const exists = ((await db.hasCollection({ collection_name: name })) as Sdk).value as boolean;
  let created: string | undefined;
  const create = async (dim: number, autoId: boolean) => {
    await db.createCollection({ collection_name: name, dimension: dim, metric_type: metric, auto_id: autoId });
    created = `made collection "${name}" (quick form: ${autoId ? 'autoID ' : ''}Int64 key "id", FloatVector "vector" of ${dim}, ${metric})`;
  };
  if (format !== 'fvecs') {
    if (!exists) {
      const row = await firstRow(path, format, size);
      const vector = row?.vector;
      if (!Array.isArray(vector) || vector.length === 0) {
        throw new InvalidArgumentError(`collection "${name}" does not exist, and the file's first row has no "vector" array to make it from: create it first`);
      }
      await create(vector.length, row?.id === undefined);
    }
    const batches = format === 'jsonl' ? jsonLineBatches(path, limit, skip) : parquetBatches(path, limit, skip, size);
    return { batches, size, created };
  }
  const dim = await fvecsDim(path);
  if (!exists) await create(dim, false);
  const { schema }: Sdk = await db.describeCollection({ collection_name: name });
  const vectors = (schema.fields as Sdk[]).filter((f) => f.data_type === 'FloatVector');
  const field = options.field === undefined ? (vectors.length === 1 ? vectors[0] : undefined) : vectors.find((f) => f.name === options.field);
  if (!field) throw new InvalidArgumentError(`collection "${name}" has ${vectors.length === 0 ? 'no' : 'several'} vector fields: name one with --field`);
  if (Number(field.dim) !== dim) throw new InvalidArgumentError(`${path} holds vectors of ${dim}; field "${field.name}" of "${name}" has dim ${field.dim}`);
  const key = (schema.fields as Sdk[]).find((f) => f.is_primary_key);
  const first = count(options['id-start'] as string | undefined, 'id-start', 0);
  const row = (vector: Float32Array, index: number): Row => {
    if (key.autoID) return { [field.name]: vector };
    return { [key.name]: key.data_type === 'VarChar' ? String(first + index) : first + index, [field.name]: vector };
  };
  return { batches: fvecsBatches(path, dim, limit, skip, row), size, created };
}

export async function importRows(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      batch: { type: 'string' },
      skip: { type: 'string' },
      field: { type: 'string' },
      'id-start': { type: 'string' },
      metric: { type: 'string' },
      'no-flush': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(IMPORT_HELP);
    return;
  }
  const [name, path] = positionals;
  if (positionals.length !== 2 || !name || !path) throw new InvalidArgumentError(`import takes a collection and a file\n\n${IMPORT_HELP}`);
  const target = await openTarget(values);
  try {
    const limit = { rows: count(values.batch, 'batch', 100_000), bytes: target.smallRequests ? 256 << 10 : 2 << 20 };
    const skip = count(values.skip, 'skip', 0);
    const { batches, size, created } = await plan(target.db, name, path, values, limit, skip);
    if (created) process.stderr.write(`quiverdb: ${created}\n`);
    const progress = new Progress(`import ${name}`, size);
    const started = performance.now();
    let rows = 0;
    for await (const batch of batches) {
      try {
        await target.db.insert({ collection_name: name, data: batch.rows });
      } catch (error) {
        // The batch is all or nothing: every row before it is in, none of it is.
        const from = skip + rows;
        const at = error instanceof RowError ? ` (row ${from + error.row} of the file)` : '';
        const reason = error instanceof QuiverError ? `${error.message} (${error.code})` : (error as Error).message;
        const done = rows === 0 ? 'no rows were imported' : `rows ${skip} to ${from - 1} are in`;
        process.stderr.write(`quiverdb: import stopped: the batch from row ${from}${at} was refused: ${reason}\n${done}; resume with --skip ${from}\n`);
        process.exitCode = 1;
        return;
      }
      rows += batch.rows.length;
      progress.update(batch.readBytes, rows);
    }
    if (!values['no-flush']) await target.db.flush({ collection_names: [name] });
    progress.finish(rows);
    const seconds = (performance.now() - started) / 1000;
    console.log(`imported ${rows} rows into ${name} at ${target.where} in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s)`);
  } finally {
    await target.db.close();
  }
}
