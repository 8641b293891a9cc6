/**
 * A sealed segment's files: one per column (the primary key, the insert timestamps, then each
 * field), each with its own CRC-32C in the catalog. Deletes flushed with it go to a delta
 * file of (key, timestamp) columns.
 */
import type { DeltaInfo, StoredColumn } from '../meta/catalog.js';
import type { NativeKeys } from '../native/binding.js';
import { type Column, decodeColumns, encodeColumnParts, pickRows, typedArrayOf } from '../schema/columns.js';
import type { SegmentStore } from './segment-store.js';

/** The column of insert (or delete) timestamps. */
export const TS_COLUMN = '$ts';

export function segmentFolder(collectionId: number, segmentId: number): string {
  return `segments/${collectionId}/${segmentId}`;
}

export function deltaFolder(collectionId: number, deltaId: number): string {
  return `deltas/${collectionId}/${deltaId}`;
}

/**
 * Writes each column to its own file under folder, from the batches the rows came in (each
 * batch holds the same columns in the same order; nothing is concatenated in memory).
 * Resolves with what the catalog records.
 */
export async function writeColumns(store: SegmentStore, folder: string, batches: Column[][]): Promise<StoredColumn[]> {
  const stored: StoredColumn[] = [];
  for (let i = 0; i < batches[0].length; i++) {
    const { header, chunks } = encodeColumnParts(batches.map((batch) => batch[i]));
    const file = await store.write(`${folder}/${i}.col`, chunks);
    stored.push({ ...header, file });
  }
  return stored;
}

/** The rows of a sealed segment that a compaction keeps (ascending row numbers). */
export interface KeptRows {
  columns: StoredColumn[];
  rows: number;
  keep: Uint32Array;
}

/**
 * Writes the kept rows of several segments' columns as one new segment's files under folder.
 * Fixed-width columns (numbers, keys, vectors) are copied by native code from file to file;
 * text, JSON and Arrays are decoded, picked and encoded again here.
 */
export async function copyColumns(store: SegmentStore, folder: string, inputs: KeptRows[]): Promise<StoredColumn[]> {
  const stored: StoredColumn[] = [];
  for (let i = 0; i < inputs[0].columns.length; i++) {
    const { name, type, dim } = inputs[0].columns[i];
    const path = `${folder}/${i}.col`;
    const Typed = typedArrayOf(type);
    if (Typed) {
      const sources = inputs.map(({ columns, keep }) => ({ file: columns[i].file, bytes: columns[i].bytes, validBytes: columns[i].validBytes, keep }));
      const written = await store.copyRows(sources, Typed.BYTES_PER_ELEMENT * (dim ?? 1), path);
      stored.push({ name, type, ...(dim === undefined ? {} : { dim }), bytes: written.bytes, validBytes: written.validBytes, file: written.file });
      continue;
    }
    const parts: Column[] = [];
    for (const { columns, rows, keep } of inputs) {
      const [column] = await readColumns(store, [columns[i]]);
      parts.push(keep.length === rows ? column : pickRows(column, keep));
    }
    const { header, chunks } = encodeColumnParts(parts);
    stored.push({ ...header, file: await store.write(path, chunks) });
  }
  return stored;
}

/** Reads the columns back (each file checked against its CRC-32C). */
export async function readColumns(store: SegmentStore, columns: StoredColumn[]): Promise<Column[]> {
  return Promise.all(columns.map(async (header) => decodeColumns([header], await store.read(header.file), 0)[0]));
}

/** The deletes of these delta files as one list of keys (Int64 in a BigInt64Array, VarChar as strings) and their timestamps. */
export async function readDeletes(store: SegmentStore, deltas: DeltaInfo[]): Promise<{ keys: NativeKeys; ts: BigInt64Array }> {
  const parts = await Promise.all(deltas.map((delta) => readColumns(store, delta.columns)));
  const keys = parts.map(([k]) => k.values as NativeKeys);
  return {
    keys: keys.some((k) => Array.isArray(k)) ? (keys as string[][]).flat() : concatBigInt64(keys as BigInt64Array[]),
    ts: concatBigInt64(parts.map(([, t]) => t.values as BigInt64Array)),
  };
}

function concatBigInt64(parts: BigInt64Array[]): BigInt64Array {
  const out = new BigInt64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
