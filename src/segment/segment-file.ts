/**
 * A sealed segment's files: one per column (the primary key, the insert timestamps, then each
 * field), each with its own CRC-32C in the catalog. Deletes flushed with it go to a delta
 * file of (key, timestamp) columns.
 */
import type { StoredColumn } from '../meta/catalog.js';
import { type Column, decodeColumns, encodeColumns } from '../schema/columns.js';
import type { SegmentStore } from './segment-store.js';

/** The column of insert (or delete) timestamps. */
export const TS_COLUMN = '$ts';

export function segmentFolder(collectionId: number, segmentId: number): string {
  return `segments/${collectionId}/${segmentId}`;
}

export function deltaFolder(collectionId: number, deltaId: number): string {
  return `deltas/${collectionId}/${deltaId}`;
}

/** Writes each column to its own file under folder; resolves with what the catalog records. */
export async function writeColumns(store: SegmentStore, folder: string, columns: Column[]): Promise<StoredColumn[]> {
  const stored: StoredColumn[] = [];
  for (const [i, column] of columns.entries()) {
    const { headers, chunks } = encodeColumns([column]);
    const file = await store.write(`${folder}/${i}.col`, chunks);
    stored.push({ ...headers[0], file });
  }
  return stored;
}

/** Reads the columns back (each file checked against its CRC-32C). */
export async function readColumns(store: SegmentStore, columns: StoredColumn[]): Promise<Column[]> {
  return Promise.all(columns.map(async (header) => decodeColumns([header], await store.read(header.file), 0)[0]));
}
