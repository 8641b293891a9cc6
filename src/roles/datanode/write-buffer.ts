/**
 * The data node's buffer of one channel: per partition, the rows of its growing segment (as
 * the insert messages brought them), and the deletes not yet flushed. Both are cut at seal
 * messages, in log order, exactly where the query node cuts its growing segments.
 */
import type { Column } from '../../schema/columns.js';
import { typedArrayOf } from '../../schema/columns.js';
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

/** Joins batches of the same columns into one column each. */
export function concatBatches(batches: Column[][]): Column[] {
  return batches[0].map((first, c) => {
    const parts = batches.map((b) => b[c]);
    const rows = parts.reduce((sum, p) => sum + p.values.length, 0);
    const Typed = typedArrayOf(first.type);
    let values: Column['values'];
    if (Typed) {
      const out = new (Typed as unknown as new (n: number) => Exclude<Column['values'], unknown[]>)(rows);
      let at = 0;
      for (const p of parts) {
        (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(p.values as ArrayLike<unknown>, at);
        at += p.values.length;
      }
      values = out;
    } else {
      values = parts.flatMap((p) => p.values as unknown[]);
    }
    const column: Column = { name: first.name, type: first.type, values, ...(first.dim ? { dim: first.dim } : {}) };
    if (parts.some((p) => p.valid)) {
      const width = first.dim ?? 1;
      const valid = new Uint8Array(rows / width).fill(1);
      let at = 0;
      for (const p of parts) {
        if (p.valid) valid.set(p.valid, at);
        at += p.values.length / width;
      }
      column.valid = valid;
    }
    return column;
  });
}
