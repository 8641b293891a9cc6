/**
 * What travels on the log. DML channels carry inserts (and upserts), deletes, time ticks and
 * seals; the coordination topic carries DDL notices and flush events. A message is a JSON
 * header and, for rows, their columns as bytes:
 *
 *   u32 LE header length | header (UTF-8 JSON) | padding to 8 | column bytes (in the header's
 *   order, each padded to 8)
 *
 * Timestamps travel as decimal strings (they are 64-bit hybrid timestamps).
 */
import { InternalError } from '../errors.js';
import { type Column, type ColumnHeader, decodeColumns, encodeColumns, padded } from '../schema/columns.js';

export interface InsertMessage {
  kind: 'insert';
  collectionId: number;
  partitionId: number;
  ts: bigint;
  /** An upsert first deletes its keys (at ts), then inserts the rows. */
  upsert: boolean;
  rows: number;
  /** The primary key column is the one named `pk`. */
  pk: string;
  columns: Column[];
}

export interface DeleteMessage {
  kind: 'delete';
  collectionId: number;
  ts: bigint;
  keys: Column;
}

/** Nothing on this channel will carry a timestamp at or below ts. */
export interface TickMessage {
  kind: 'tick';
  ts: bigint;
}

/** Ends the growing segment of a partition (or of every partition, when partitionId is null). */
export interface SealMessage {
  kind: 'seal';
  collectionId: number;
  partitionId: number | null;
}

export type DmlMessage = InsertMessage | DeleteMessage | TickMessage | SealMessage;

/** A collection was created, changed (load, release, partitions, rename) or dropped: read its catalog entry again. */
export interface DdlNotice {
  kind: 'ddl';
  collectionId: number;
}

/** The data node flushed segments of a channel, up to the seal at sealSeq. */
export interface FlushedEvent {
  kind: 'flushed';
  collectionId: number;
  channel: string;
  sealSeq: string;
  segmentIds: number[];
}

/** The index node built (and recorded) a segment's index for a vector field. */
export interface IndexedEvent {
  kind: 'indexed';
  collectionId: number;
  segmentId: number;
  field: string;
}

/** compact() asks the data node to compact a collection now. */
export interface CompactRequest {
  kind: 'compact';
  collectionId: number;
  compactionId: number;
}

/** The data node replaced segments `from` by `to` (none when every row was deleted). */
export interface CompactedEvent {
  kind: 'compacted';
  collectionId: number;
  from: number[];
  to: number | null;
}

export type CoordMessage = DdlNotice | FlushedEvent | IndexedEvent | CompactRequest | CompactedEvent;

const COORD_KINDS: readonly string[] = ['ddl', 'flushed', 'indexed', 'compact', 'compacted'];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message in parts (header, then the column chunks as they are): the broker joins them, so no copy is made here. */
function frame(header: object, chunks: Uint8Array[] = []): Uint8Array[] {
  const text = encoder.encode(JSON.stringify(header, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
  // The columns start 8-aligned, so that a reader can view them in place.
  const head = new Uint8Array(padded(4 + text.byteLength));
  new DataView(head.buffer).setUint32(0, text.byteLength, true);
  head.set(text, 4);
  return [head, ...chunks];
}

function unframe(bytes: Uint8Array): { header: Record<string, unknown>; body: number } {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.byteLength) throw new InternalError('a log message is shorter than its header says');
  return { header: JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as Record<string, unknown>, body: padded(4 + length) };
}

/** The encoded size of a message's fixed part: a batch is split so that each message stays under the broker's limit. */
export const HEADER_ALLOWANCE = 4096;

export function encodeDml(message: DmlMessage): Uint8Array[] {
  switch (message.kind) {
    case 'insert': {
      const { headers, chunks } = encodeColumns(message.columns);
      return frame({ ...message, columns: headers }, chunks);
    }
    case 'delete': {
      const { headers, chunks } = encodeColumns([message.keys]);
      return frame({ ...message, keys: headers[0] }, chunks);
    }
    default:
      return frame(message);
  }
}

export function decodeDml(bytes: Uint8Array): DmlMessage {
  const { header, body } = unframe(bytes);
  switch (header.kind) {
    case 'insert':
      return {
        ...(header as unknown as InsertMessage),
        ts: BigInt(header.ts as string),
        columns: decodeColumns(header.columns as ColumnHeader[], bytes, body),
      };
    case 'delete':
      return { ...(header as unknown as DeleteMessage), ts: BigInt(header.ts as string), keys: decodeColumns([header.keys as ColumnHeader], bytes, body)[0] };
    case 'tick':
      return { kind: 'tick', ts: BigInt(header.ts as string) };
    case 'seal':
      return header as unknown as SealMessage;
    default:
      throw new InternalError(`unknown log message kind ${JSON.stringify(header.kind)}`);
  }
}

export function encodeCoord(message: CoordMessage): Uint8Array[] {
  return frame(message);
}

export function decodeCoord(bytes: Uint8Array): CoordMessage {
  const { header } = unframe(bytes);
  if (!COORD_KINDS.includes(header.kind as string)) throw new InternalError(`unknown coordination message kind ${JSON.stringify(header.kind)}`);
  return header as unknown as CoordMessage;
}
