/**
 * Rows from a file, in batches, for `quiverdb import`: texmex .fvecs (a vector per row),
 * JSON lines (an object per line), and Parquet (hyparquet, loaded only for a .parquet file).
 * .fvecs and JSON lines may be gzipped (.gz). Each batch says how many bytes of the file are
 * read so far, for the progress display; nothing holds more than a batch in memory.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';

import { InvalidArgumentError } from '../errors.js';

export type Row = Record<string, unknown>;
export type RowFormat = 'fvecs' | 'jsonl' | 'parquet';

export interface Batch {
  rows: Row[];
  /** Bytes of the file read so far (of the compressed file, for .gz). */
  readBytes: number;
}

/** How big a batch may get: rows, and (roughly) bytes of the values. */
export interface BatchLimit {
  rows: number;
  bytes: number;
}

export function formatOf(path: string): RowFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.fvecs')) return 'fvecs';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.parquet') && !path.toLowerCase().endsWith('.gz')) return 'parquet';
  throw new InvalidArgumentError(`${path}: import reads .fvecs, .jsonl / .ndjson / .json (JSON lines), their .gz, and .parquet`);
}

export async function fileBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The file's bytes, gunzipped when it ends in .gz, with a count of the bytes read from the disk. */
function contents(path: string): { stream: Readable; read: () => number } {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  let read = 0;
  raw.on('data', (chunk) => {
    read += chunk.length;
  });
  if (!path.toLowerCase().endsWith('.gz')) return { stream: raw, read: () => read };
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return { stream: raw.pipe(gunzip), read: () => read };
}

/** An .fvecs file's dimension: its first four bytes (of the unpacked bytes, for .gz). */
export async function fvecsDim(path: string): Promise<number> {
  const file = await open(path);
  try {
    const head = Buffer.alloc(1 << 16); // enough of a gzip stream for its first four bytes
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const bytes = path.toLowerCase().endsWith('.gz') ? gunzipSync(head.subarray(0, bytesRead), { finishFlush: 2 }) : head.subarray(0, bytesRead);
    const dim = bytes.length >= 4 ? bytes.readInt32LE(0) : 0;
    if (!(dim > 0 && dim <= 65_536)) throw new InvalidArgumentError(`${path} is not an .fvecs file (its first row's dimension is ${dim})`);
    return dim;
  } finally {
    await file.close();
  }
}

/** Vectors of an .fvecs file, made into rows by `row` (given the vector and its row number). */
export async function* fvecsBatches(
  path: string,
  dim: number,
  limit: BatchLimit,
  skip: number,
  row: (vector: Float32Array, index: number) => Row,
): AsyncGenerator<Batch> {
  const record = 4 + 4 * dim;
  const perBatch = Math.max(1, Math.min(limit.rows, Math.floor(limit.bytes / (4 * dim))));
  const { stream, read } = contents(path);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let rows: Row[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const whole = Math.floor(pending.length / record);
    // One copy per chunk into aligned floats; each row's vector is a view of it.
    const floats = new Float32Array(whole * dim);
    const bytes = new Uint8Array(floats.buffer);
    for (let i = 0; i < whole; i++, index++) {
      const at = i * record;
      if (pending.readInt32LE(at) !== dim) throw new InvalidArgumentError(`${path}: row ${index} has dimension ${pending.readInt32LE(at)}, not ${dim}`);
      if (index < skip) continue;
      bytes.set(pending.subarray(at + 4, at + record), i * 4 * dim);
      rows.push(row(floats.subarray(i * dim, (i + 1) * dim), index));
      if (rows.length === perBatch) {
        yield { rows, readBytes: read() };
        rows = [];
      }
    }
    pending = pending.subarray(whole * record);
  }
  if (pending.length > 0) throw new InvalidArgumentError(`${path} ends inside row ${index}: not a whole .fvecs file`);
  if (rows.length > 0) yield { rows, readBytes: read() };
}

/** Objects of a JSON-lines file (blank lines skipped); a line that is not a JSON object stops the import, naming its line. */
export async function* jsonLineBatches(path: string, limit: BatchLimit, skip: number): AsyncGenerator<Batch> {
  const { stream, read } = contents(path);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let rows: Row[] = [];
  let bytes = 0;
  let index = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    if (index++ < skip) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InvalidArgumentError(`${path}: line ${lineNumber} is not JSON: ${(error as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`${path}: line ${lineNumber} is not a JSON object`);
    rows.push(value as Row);
    bytes += line.length;
    if (rows.length >= limit.rows || bytes >= limit.bytes) {
      yield { rows, readBytes: read() };
      rows = [];
      bytes = 0;
    }
  }
  if (rows.length > 0) yield { rows, readBytes: read() };
}

/** Rows of a Parquet file, a slice at a time (a list column comes back as an array: a vector). */
export async function* parquetBatches(path: string, limit: BatchLimit, skip: number, size: number): AsyncGenerator<Batch> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const file = await asyncBufferFromFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InvalidArgumentError(`${path} is not a Parquet file: ${(error as Error).message}`);
  }
  const total = Number(metadata.num_rows);
  // The file's bytes per row stand in for a row's size (vectors barely compress).
  const perBatch = Math.max(1, Math.min(limit.rows, Math.floor(limit.bytes / Math.max(1, size / Math.max(1, total)))));
  for (let start = skip; start < total; start += perBatch) {
    const end = Math.min(total, start + perBatch);
    const rows = await parquetReadObjects({ file, metadata, rowFormat: 'object', rowStart: start, rowEnd: end });
    yield { rows, readBytes: Math.round((size * end) / total) };
  }
}
