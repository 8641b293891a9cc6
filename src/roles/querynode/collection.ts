/**
 * One loaded collection on the query node: its segments, where each live key is, and how far
 * each channel has been applied. Messages are applied in log order per channel:
 *   insert  → for an upsert, mask the key's previous row at the message's
 *             timestamp, then append the rows to the partition's growing segment;
 *   delete  → mask the key's row at the timestamp;
 *   seal    → the partition's growing segment takes no more rows;
 *   tick    → the channel is serviceable up to its timestamp.
 */

import { InternalError, native } from '../../errors.js';
import type { Metric } from '../../indexes/metric.js';
import { type CollectionInfo, expiredBefore, partitionDropped, type SegmentInfo, type StoredColumn } from '../../meta/catalog.js';
import type { DmlMessage } from '../../msg/messages.js';
import type { NativeKeys, NativeReadAt } from '../../native/binding.js';
import { loadNative } from '../../native/load.js';
import type { Column } from '../../schema/columns.js';
import { DataType } from '../../schema/data-type.js';
import { type Field, primaryField } from '../../schema/schema.js';
import type { Key } from '../query-service.js';
import { SerialQueues } from '../serial.js';
import { type LoadedIndexes, syncScalarIndexes } from './indexes.js';
import { Segment } from './segment.js';

/** Reads rows of a vector column from its segment file (rows x dim floats). */
export type ReadStoredVectors = (column: StoredColumn, rows: Uint32Array) => Promise<Float32Array>;

export interface ChannelState {
  /** The next sequence to apply. */
  next: bigint;
  /** The newest timestamp applied (message or tick). */
  serviceableTs: bigint;
  /** Per partition: the highest seal already flushed; inserts at or before it are in sealed segments. */
  flushedUpTo: Map<number, bigint>;
}

const flushKey = (channel: string, partitionId: number, sealSeq: bigint) => `${channel}/${partitionId}/${sealSeq}`;

export class LoadedCollection {
  readonly segments: Segment[] = [];
  #highest: Key | undefined;
  readonly channels = new Map<string, ChannelState>();
  readonly #growing = new Map<string, Segment>(); // channel/partition → its growing segment
  readonly #pk: Field;
  readonly #metrics: Map<string, Metric>;
  readonly #applying = new SerialQueues<'apply'>();
  /** Segments the data node flushed before this node applied their seal message, by channel, partition and seal. */
  readonly #flushedEarly = new Map<string, SegmentInfo>();

  constructor(
    readonly info: CollectionInfo,
    /** Which load of the collection this is (each load replays the log again). */
    readonly load: number,
    private readonly readStored: ReadStoredVectors,
    /** Told of each segment that gets its catalog id (its index may be built already). */
    private readonly onSealed: (segment: Segment) => void = () => {},
    /** mmap: sealed segments' vectors and indexes stay in their files, mapped. */
    readonly mapped = false,
    /** Closes what the collection lets go of once no read can use it (the query node's Reclaimer); by default, the garbage collector frees it. */
    readonly retire: (close: () => void) => void = () => {},
  ) {
    this.#pk = primaryField(info.schema);
    this.#metrics = new Map(info.indexes.map((i) => [i.field_name, i.metric_type]));
  }

  /** What a read at readTs sees: with a TTL, only rows inserted after the expiry cutoff. */
  readAt(readTs: bigint): NativeReadAt {
    const cutoff = expiredBefore(this.info, readTs);
    return cutoff === undefined ? readTs : { ts: readTs, expiredBefore: cutoff };
  }

  metricOf(field: string): Metric {
    return this.#metrics.get(field) ?? 'COSINE';
  }

  #newSegment(partitionId: number, channel: string, state: Segment['state']): Segment {
    const segment = new Segment(partitionId, channel, this.#pk, this.info.schema.fields, this.#metrics, state, this.info.schema.enableDynamicField);
    this.segments.push(segment);
    return segment;
  }

  /** Where each key's live row is (undefined: nowhere). */
  locate(keys: ArrayLike<Key>): ({ segment: Segment; row: number } | undefined)[] {
    const list =
      this.#pk.dataType === DataType.VarChar
        ? Array.from(keys as ArrayLike<string>)
        : keys instanceof BigInt64Array
          ? keys
          : BigInt64Array.from(keys as ArrayLike<bigint>);
    const found = loadNative().SegmentRows.findEach(
      this.segments.map((s) => s.keys),
      list,
    );
    return Array.from(keys, (_, i) => (found.segments[i] < 0 ? undefined : { segment: this.segments[found.segments[i]], row: found.rows[i] }));
  }

  /** The largest key any row ever had (undefined before the first row): keys above it are new. */
  get highestKey(): Key | undefined {
    return this.#highest;
  }

  #saw(keys: ArrayLike<Key>, rows: number): void {
    let highest = this.#highest;
    for (let i = 0; i < rows; i++) if (highest === undefined || keys[i] > highest) highest = keys[i];
    this.#highest = highest;
  }

  /**
   * Adds a flushed segment read from its files (keys, timestamps, then the fields; not the
   * vector fields that come with a built index), with the deletes of its collection's delta
   * files (keys and their delete timestamps).
   */
  async addSealed(info: SegmentInfo, columns: Column[], deletes: { keys: NativeKeys; ts: BigInt64Array }, indexes?: LoadedIndexes): Promise<void> {
    const segment = await this.sealedSegment(info, columns, indexes);
    this.#saw(columns[0].values as ArrayLike<Key>, info.rows);
    this.segments.push(segment);
    if (deletes.ts.length > 0) await segment.keys.applyDeletes(deletes.keys, deletes.ts);
  }

  /**
   * A flushed segment read from its files, with its scalar indexes, not yet among the
   * collection's segments (a compacted one holds keys already seen: the highest key stays).
   */
  async sealedSegment(info: SegmentInfo, columns: Column[], indexes?: LoadedIndexes): Promise<Segment> {
    const segment = new Segment(
      info.partitionId,
      info.channel,
      this.#pk,
      this.info.schema.fields,
      this.#metrics,
      'sealed',
      this.info.schema.enableDynamicField,
      indexes,
    );
    segment.id = info.id;
    segment.info = info;
    const [keys, ts, ...fields] = columns;
    await segment.load(keys, ts.values as BigInt64Array, fields, info.rows);
    await segment.shrinkVectors();
    await syncScalarIndexes(this.info, segment);
    return segment;
  }

  /**
   * Replaces segments by the one compaction made of them (none when no row was left). The
   * deletes applied to the old segments are applied to the new one first, and no message is
   * applied meanwhile, so no delete is lost; a read sees the old segments or the new one.
   */
  replaceSegments(olds: Segment[], fresh: Segment | undefined): Promise<void> {
    return this.#applying.run('apply', async () => {
      for (const old of fresh ? olds : []) {
        const { rows, ts } = old.keys.deletions();
        if (rows.length > 0) await fresh?.keys.applyDeletes(old.keys.keysAt(rows), ts);
      }
      const kept = this.segments.filter((s) => !olds.includes(s));
      this.segments.splice(0, this.segments.length, ...kept, ...(fresh ? [fresh] : []));
      for (const old of olds) this.retire(() => old.close());
    });
  }

  #deleteKeys(keys: Column, ts: bigint): void {
    for (const at of this.locate(keys.values as ArrayLike<Key>)) at?.segment.delete(at.row, ts);
  }

  /** Applies one message of a channel at sequence seq (one message at a time, never during a segment swap). */
  apply(channel: string, seq: bigint, message: DmlMessage): Promise<void> {
    return this.#applying.run('apply', () => this.#apply(channel, seq, message));
  }

  async #apply(channel: string, seq: bigint, message: DmlMessage): Promise<void> {
    const state = this.channels.get(channel) as ChannelState;
    switch (message.kind) {
      case 'insert': {
        if (seq <= (state.flushedUpTo.get(message.partitionId) ?? 0n)) break; // already in a loaded sealed segment
        if (partitionDropped(this.info, message.partitionId)) break;
        const keys = message.columns.find((c) => c.name === message.pk) as Column;
        // An upsert replaces its keys' rows. A plain insert's keys were checked to be new.
        if (message.upsert) this.#deleteKeys(keys, message.ts);
        const slot = `${channel}/${message.partitionId}`;
        let segment = this.#growing.get(slot);
        if (!segment) {
          segment = this.#newSegment(message.partitionId, channel, 'growing');
          this.#growing.set(slot, segment);
        }
        await segment.append(keys, message.ts, message.columns, message.rows);
        this.#saw(keys.values as ArrayLike<Key>, message.rows);
        break;
      }
      case 'delete':
        this.#deleteKeys(message.keys, message.ts);
        break;
      case 'seal':
        for (const [slot, segment] of this.#growing) {
          if (segment.channel !== channel || (message.partitionId !== null && segment.partitionId !== message.partitionId)) continue;
          segment.state = 'sealing';
          segment.sealSeq = seq;
          this.#growing.delete(slot);
          // The data node may have flushed it already (its event came before this message was applied).
          const flushed = this.#flushedEarly.get(flushKey(channel, segment.partitionId, seq));
          if (flushed) {
            this.#flushedEarly.delete(flushKey(channel, segment.partitionId, seq));
            this.#seal(segment, flushed);
          }
        }
        break;
      case 'tick':
        break;
    }
    if (message.kind !== 'seal' && message.ts > state.serviceableTs) state.serviceableTs = message.ts;
    state.next = seq + 1n;
  }

  /** The data node flushed segments of this channel: each one cut at the same seal here is sealed now. */
  markFlushed(channel: string, segments: SegmentInfo[]): void {
    for (const info of segments) {
      const seal = BigInt(info.sealSeq);
      const segment = this.segments.find((s) => s.channel === channel && s.partitionId === info.partitionId && s.state === 'sealing' && s.sealSeq === seal);
      // Not cut yet here: the seal message is applied after this event; it is sealed then.
      if (segment) this.#seal(segment, info);
      else this.#flushedEarly.set(flushKey(channel, info.partitionId, seal), info);
    }
  }

  #seal(segment: Segment, info: SegmentInfo): void {
    segment.seal(info);
    this.onSealed(segment);
  }

  /** The vectors of these rows of a segment: from its FlatIndex, or from its file once a built index replaced that. */
  async vectorsOf(segment: Segment, field: string, rows: Uint32Array): Promise<Float32Array> {
    const index = segment.vectors.get(field);
    if (index && 'vectors' in index) return native(() => index.vectors(rows));
    const column = segment.info?.columns.find((c) => c.name === field);
    if (!column) throw new InternalError(`segment ${segment.id} has no file for vector field "${field}"`);
    return this.readStored(column, rows);
  }

  /** Lets go of the segments of partitions dropped since they were loaded (reads already running keep them until they end). */
  forgetDroppedPartitions(): void {
    const dropped = this.segments.filter((s) => partitionDropped(this.info, s.partitionId));
    this.segments.splice(0, this.segments.length, ...this.segments.filter((s) => !dropped.includes(s)));
    for (const [slot, segment] of this.#growing) if (dropped.includes(segment)) this.#growing.delete(slot);
    for (const segment of dropped) this.retire(() => segment.close());
  }

  /** Lets go of every segment: the collection was released or dropped (reads already running keep them until they end). */
  close(): void {
    for (const segment of this.segments) this.retire(() => segment.close());
  }

  /**
   * The segments of these partitions (all when none are named), as a list of the read's own:
   * native answers number segments by their place in it, and a compaction swap may change
   * the collection's list while the read runs.
   */
  segmentsOf(partitionIds: number[] | undefined): Segment[] {
    if (!partitionIds) return [...this.segments];
    const wanted = new Set(partitionIds);
    return this.segments.filter((s) => wanted.has(s.partitionId));
  }
}
