/**
 * Compaction, as the data node runs it for one collection at a time:
 *   - a sealed segment whose share of gone rows (deleted by flushed deletes, or expired by
 *     the collection's TTL) reaches dataCoord.compaction.single.ratio.threshold is rewritten
 *     without them;
 *   - sealed segments of one channel and partition under dataCoord.segment.smallProportion of
 *     maxSize are merged, as long as the result stays under compactableProportion of maxSize
 *     (and, with maxRows, under maxRows rows). Growing segments seal at a small share of
 *     maxSize (sealProportion, 0.12), so merging is what makes segments large: a search
 *     probes fewer, larger indexes, and its cost grows more slowly than the rows.
 * Rows keep their keys and insert timestamps. The new segment's files are written first;
 * then one catalog write adds it and removes the old ones (and their index records), so a
 * reader of the catalog sees the old set or the new. The old folders are kept for
 * dataCoord.gc.dropTolerance seconds (a read may still fetch vectors from them), then
 * deleted; a restart deletes them at once (no reader is left).
 *
 * Only deletes flushed in delta files remove rows: a delete still in the log is applied by
 * the query node to the new segment as it did to the old ones. Rows deleted or expired within
 * the last common.retentionDuration seconds are kept (still deleted by the delta files), so
 * that a read at an older timestamp (an iterator's later pages) still finds them; they go at a
 * later compaction.
 *
 * A delta file goes once no delete in it removes a row that a segment holds or that a later
 * flush can bring (see removeSpentDeltas), so deltas do not pile up as deletes are flushed.
 */
import type { Config } from '../../config/config.js';
import {
  type CollectionInfo,
  type DeltaInfo,
  expiredBefore,
  type GarbageInfo,
  keys as metaKeys,
  type SegmentInfo,
  type StorageState,
  storageState,
} from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { LogBroker } from '../../mq/broker.js';
import { COORD_TOPIC } from '../../msg/channels.js';
import { encodeCoord } from '../../msg/messages.js';
import type { NativeKeys, NativeSegmentRows } from '../../native/binding.js';
import { loadNative } from '../../native/load.js';
import type { Column } from '../../schema/columns.js';
import { DataType } from '../../schema/data-type.js';
import { primaryField } from '../../schema/schema.js';
import { copyColumns, deltaFolder, type KeptRows, readColumns, readDeletes, segmentFolder } from '../../segment/segment-file.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import { composeTs, type IdAllocator } from '../../tso/tso.js';

export interface CompactionContext {
  meta: MetaStore;
  store: SegmentStore;
  broker: LogBroker;
  ids: IdAllocator;
  config: Config;
  /** Per segment: which rows flushed deletes remove and when (as of some delta files), and with a TTL its insert timestamps. */
  goneRows: Map<number, GoneRows>;
  /** Per delta file found still needed: the segments it was checked against (see removeSpentDeltas). */
  neededDeltas: Map<number, string>;
}

export interface GoneRows {
  /** The delta files these deletions come from (their ids). */
  deltas: string;
  deletions: { rows: Uint32Array; ts: BigInt64Array };
  /** Each deleted row's key and the timestamp of the delete that removes it, as `key@ts`. */
  deletes: Set<string>;
  ts?: BigInt64Array;
}

const idsOf = (items: { id: number }[]) => items.map((item) => item.id).join(',');
const deleteName = (key: bigint | string, ts: bigint) => `${key}@${ts}`;

/**
 * What a compaction may drop now: rows deleted before `deletedBefore` and, with a TTL, rows
 * inserted before `insertedBefore`. Both lag the clock by common.retentionDuration, so that no
 * read at a timestamp inside that window loses a row it would see.
 */
interface DropRule {
  deletedBefore: bigint;
  insertedBefore?: bigint;
}

function dropRule(info: CollectionInfo, config: Config): DropRule {
  const safe = composeTs(Date.now() - (config['common.retentionDuration'] as number) * 1000);
  return { deletedBefore: safe, insertedBefore: expiredBefore(info, safe) };
}

/** Which of a segment's `rows` the rule drops (1) and how many. */
function droppedRows(rows: number, deletions: GoneRows['deletions'], insertTs: BigInt64Array | undefined, rule: DropRule): { gone: Uint8Array; count: number } {
  const gone = new Uint8Array(rows);
  for (let i = 0; i < deletions.rows.length; i++) if (deletions.ts[i] < rule.deletedBefore) gone[deletions.rows[i]] = 1;
  const cutoff = rule.insertedBefore;
  if (cutoff !== undefined && insertTs) for (let r = 0; r < rows; r++) if (insertTs[r] < cutoff) gone[r] = 1;
  let count = 0;
  for (let r = 0; r < rows; r++) count += gone[r];
  return { gone, count };
}

const bytesOf = (segment: SegmentInfo) => segment.columns.reduce((sum, c) => sum + c.file.bytes, 0);

/** A segment's rows with the flushed deletes applied: which are deleted. */
async function rowsOf(
  segment: SegmentInfo,
  columns: Column[],
  keyType: DataType,
  deletes: { keys: NativeKeys; ts: BigInt64Array },
): Promise<NativeSegmentRows> {
  const rows = new (loadNative().SegmentRows)(keyType === DataType.VarChar ? 'varchar' : 'int64');
  await rows.load(columns[0].values as NativeKeys, columns[1].values as BigInt64Array);
  if (deletes.ts.length > 0) await rows.applyDeletes(deletes.keys, deletes.ts);
  if (rows.rows !== segment.rows) throw new Error(`segment ${segment.id} has ${rows.rows} rows in its files, ${segment.rows} in the catalog`);
  return rows;
}

/** Which rows of each segment are gone (its key and timestamp files are read again only when new deltas came). */
async function goneRows(ctx: CompactionContext, info: CollectionInfo, state: StorageState, ttl: boolean): Promise<Map<number, GoneRows>> {
  const deltas = idsOf(state.deltas);
  const stale = state.segments.filter((s) => {
    const known = ctx.goneRows.get(s.id);
    return !known || known.deltas !== deltas || (ttl && !known.ts);
  });
  if (stale.length > 0) {
    const keyType = primaryField(info.schema).dataType;
    const deletes = await readDeletes(ctx.store, state.deltas);
    for (const segment of stale) {
      const columns = await readColumns(ctx.store, segment.columns.slice(0, 2));
      const deletions =
        deletes.ts.length > 0 ? (await rowsOf(segment, columns, keyType, deletes)).deletions() : { rows: new Uint32Array(0), ts: new BigInt64Array(0) };
      const keys = columns[0].values as NativeKeys;
      const named = new Set(Array.from(deletions.rows, (row, i) => deleteName(keys[row], deletions.ts[i])));
      ctx.goneRows.set(segment.id, { deltas, deletions, deletes: named, ...(ttl ? { ts: columns[1].values as BigInt64Array } : {}) });
    }
  }
  return new Map(state.segments.map((s) => [s.id, ctx.goneRows.get(s.id) as GoneRows]));
}

/** The groups of segments to compact now: each rewritten or merged into one new segment. */
export async function planCompactions(ctx: CompactionContext, info: CollectionInfo, state: StorageState): Promise<SegmentInfo[][]> {
  const rule = dropRule(info, ctx.config);
  const gone = await goneRows(ctx, info, state, rule.insertedBefore !== undefined);
  const threshold = ctx.config['dataCoord.compaction.single.ratio.threshold'] as number;
  const maxBytes = (ctx.config['dataCoord.segment.maxSize'] as number) * 2 ** 20;
  const mergedBytes = (ctx.config['dataCoord.segment.compactableProportion'] as number) * maxBytes;
  const maxRows = (ctx.config['dataCoord.segment.maxRows'] as number) || Number.POSITIVE_INFINITY;
  const small = ctx.config['dataCoord.segment.smallProportion'] as number;
  const plans: SegmentInfo[][] = [];
  const rest: SegmentInfo[] = [];
  for (const segment of state.segments) {
    const { deletions, ts } = gone.get(segment.id) as GoneRows;
    const { count } = droppedRows(segment.rows, deletions, ts, rule);
    if (count > 0 && count >= threshold * segment.rows) plans.push([segment]);
    else rest.push(segment);
  }
  const groups = new Map<string, SegmentInfo[]>();
  for (const segment of rest) {
    if (segment.rows >= small * maxRows || bytesOf(segment) >= small * maxBytes) continue;
    const key = `${segment.channel}/${segment.partitionId}`;
    groups.set(key, [...(groups.get(key) ?? []), segment]);
  }
  for (const group of groups.values()) {
    let merge: SegmentInfo[] = [];
    let rows = 0;
    let bytes = 0;
    for (const segment of group.sort((a, b) => a.id - b.id)) {
      if (merge.length > 0 && (rows + segment.rows > maxRows || bytes + bytesOf(segment) > mergedBytes)) {
        if (merge.length > 1) plans.push(merge);
        merge = [];
        rows = 0;
        bytes = 0;
      }
      merge.push(segment);
      rows += segment.rows;
      bytes += bytesOf(segment);
    }
    if (merge.length > 1) plans.push(merge);
  }
  return plans;
}

/** The rows a compaction keeps: those the rule does not drop (typed arrays: a segment may hold millions). */
function keptRows(rows: number, deletions: GoneRows['deletions'], insertTs: BigInt64Array, rule: DropRule): Uint32Array {
  const { gone } = droppedRows(rows, deletions, insertTs, rule);
  const keep = new Uint32Array(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) if (gone[r] === 0) keep[n++] = r;
  return keep.subarray(0, n);
}

/** Writes the live rows of `inputs` as one new segment and swaps it in for them in the catalog; returns its id (null: no row was left). */
export async function compact(ctx: CompactionContext, info: CollectionInfo, inputs: SegmentInfo[], state: StorageState): Promise<number | null> {
  const keyType = primaryField(info.schema).dataType;
  const deletes = await readDeletes(ctx.store, state.deltas);
  const rule = dropRule(info, ctx.config);
  const kept: KeptRows[] = [];
  let rows = 0;
  for (const input of inputs) {
    // Only keys and timestamps are read here; the rest is copied from file to file.
    const columns = await readColumns(ctx.store, input.columns.slice(0, 2));
    const segment = await rowsOf(input, columns, keyType, deletes);
    const keep = keptRows(input.rows, segment.deletions(), columns[1].values as BigInt64Array, rule);
    if (keep.length === 0) continue;
    kept.push({ columns: input.columns, rows: input.rows, keep });
    rows += keep.length;
  }
  const id = rows > 0 ? Number(await ctx.ids.alloc(1)) : null;
  const puts: Record<string, unknown> = {};
  if (id !== null) {
    const made: SegmentInfo = {
      id,
      collectionId: info.id,
      partitionId: inputs[0].partitionId,
      channel: inputs[0].channel,
      // The log range of all inputs: replay skips what the new segment holds, as it skipped the inputs.
      startSeq: inputs
        .map((s) => BigInt(s.startSeq))
        .reduce((a, b) => (b < a ? b : a))
        .toString(),
      sealSeq: inputs
        .map((s) => BigInt(s.sealSeq))
        .reduce((a, b) => (b > a ? b : a))
        .toString(),
      rows,
      columns: await copyColumns(ctx.store, segmentFolder(info.id, id), kept),
    };
    puts[metaKeys.segment(info.id, id)] = made;
  }
  const removed: string[] = [];
  for (const input of inputs) {
    removed.push(metaKeys.segment(info.id, input.id));
    for (const record of state.segmentIndexes) if (record.segmentId === input.id) removed.push(metaKeys.segmentIndex(info.id, input.id, record.field));
    const garbage: GarbageInfo = { segmentId: input.id, folder: segmentFolder(info.id, input.id), sinceMs: Date.now() };
    puts[metaKeys.garbage(info.id, input.id)] = garbage;
  }
  await ctx.meta.write(puts, removed);
  await ctx.broker.producer(COORD_TOPIC).send(encodeCoord({ kind: 'compacted', collectionId: info.id, from: inputs.map((s) => s.id), to: id }));
  return id;
}

/**
 * Removes the delta files that no read needs any more. A delete removes
 * the rows of its key inserted before it that no earlier delete removed; a delta file is still
 * needed while a segment holds a row that one of its deletes is the one to remove (a later
 * delete of the same key changes nothing for that row), and while its channel has inserts up
 * to the file's end that are not flushed yet (the checkpoint is not past it). Otherwise its
 * record goes now and its folder after dataCoord.gc.dropTolerance, as a compacted segment's
 * does: a load may be reading it.
 */
export async function removeSpentDeltas(ctx: CompactionContext, info: CollectionInfo, state: StorageState): Promise<void> {
  const segments = idsOf(state.segments);
  const candidates = state.deltas.filter((d) => (state.checkpoints.get(d.channel) ?? 0n) > BigInt(d.endSeq) && ctx.neededDeltas.get(d.id) !== segments);
  if (candidates.length === 0) return;
  const gone = await goneRows(ctx, info, state, dropRule(info, ctx.config).insertedBefore !== undefined);
  const removing = new Set<string>();
  for (const rows of gone.values()) for (const name of rows.deletes) removing.add(name);
  const spent: DeltaInfo[] = [];
  for (const delta of candidates) {
    const { keys, ts } = await readDeletes(ctx.store, [delta]);
    if (Array.from(ts, (t, i) => deleteName(keys[i], t)).some((name) => removing.has(name))) ctx.neededDeltas.set(delta.id, segments);
    else spent.push(delta);
  }
  if (spent.length === 0) return;
  const puts: Record<string, GarbageInfo> = {};
  for (const delta of spent) {
    puts[metaKeys.garbage(info.id, delta.id)] = { segmentId: delta.id, folder: deltaFolder(info.id, delta.id), sinceMs: Date.now() };
    ctx.neededDeltas.delete(delta.id);
  }
  await ctx.meta.write(
    puts,
    spent.map((d) => metaKeys.delta(info.id, d.id)),
  );
}

/** Deletes the folders of segments compacted away (and of spent delta files) more than `toleranceMs` ago, then their records. */
export async function collectGarbage(ctx: CompactionContext, collectionId: number, toleranceMs: number): Promise<void> {
  const { garbage } = storageState(collectionId, await ctx.meta.entries(metaKeys.storage(collectionId)));
  const due = garbage.filter((g) => Date.now() - g.sinceMs >= toleranceMs);
  for (const g of due) await ctx.store.remove(g.folder);
  if (due.length > 0)
    await ctx.meta.write(
      {},
      due.map((g) => metaKeys.garbage(collectionId, g.segmentId)),
    );
}
