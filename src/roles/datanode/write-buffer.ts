/**
 * The data node's buffer of one channel: per partition, the rows of its growing segment (as
 * the insert messages brought them), and the deletes not yet flushed. Both are cut at seal
 * messages, in log order, exactly where the query node cuts its growing segments.
 */
import type { Column } from '../../schema/columns.js';
import type { Key } from '../query-service.js';

export interface GrowingBuffer {
  partitionId: number;
  /** Sequence of the first insert in the segment. */
  startSeq: bigint;
  rows: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
  /** The batches, each with its keys first, then its timestamp column, then the fields. */
  batches: Column[][];
  sealRequested: boolean;
}

export interface PendingDelete {
  key: Key;
  ts: bigint;
  seq: bigint;
}
