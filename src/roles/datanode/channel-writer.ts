/**
 * The data node's work on one channel: consume → buffer → seal → flush → checkpoint.
 *
 * It replays the channel from its checkpoint, skipping inserts that flushed segments already
 * hold. Rows are buffered per partition; when a buffer passes the seal policy (rows, bytes,
 * idle time, age) the writer sends a seal message on the channel, and the segment ends
 * where that message lands in the log, for the data node and the query node alike. At a
 * seal it writes the segment's column files and the deletes seen so far, then records the
 * segments, the deletes and the new checkpoint in one catalog write, and announces the flush.
 */
import { setTimeout as delay } from 'node:timers/promises';

import type { Config } from '../../config/config.js';
import { ClosedError, TopicNotFoundError } from '../../errors.js';
import { type CollectionInfo, type DeltaInfo, flushedUpTo, keys as metaKeys, partitionDropped, type SegmentInfo, storageState } from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import { type LogBroker, MessageId, type Reader } from '../../mq/broker.js';
import type { LogLine } from '../../mq/open-broker.js';
import { COORD_TOPIC } from '../../msg/channels.js';
import { type DmlMessage, decodeDml, encodeCoord, encodeDml, type InsertMessage } from '../../msg/messages.js';
import { releaseMemory } from '../../native/memory.js';
import type { Column } from '../../schema/columns.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD, primaryField } from '../../schema/schema.js';
import { deltaFolder, segmentFolder, TS_COLUMN, writeColumns } from '../../segment/segment-file.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import type { IdAllocator } from '../../tso/tso.js';
import type { GrowingBuffer, PendingDelete } from './write-buffer.js';

const BATCH = 256;

export class ChannelWriter {
  readonly #buffers = new Map<number, GrowingBuffer>();
  #deletes: PendingDelete[] = [];
  #flushedUpTo = new Map<number, bigint>();
  #reader: Reader | undefined;
  #stopped = false;
  #done: Promise<void> = Promise.resolve();
  /** The columns a segment file holds after the key and timestamps, in order. */
  readonly #fieldNames: string[];

  constructor(
    public info: CollectionInfo,
    readonly channel: string,
    private readonly broker: LogBroker,
    private readonly meta: MetaStore,
    private readonly store: SegmentStore,
    private readonly ids: IdAllocator,
    private readonly config: Config,
    private readonly log: LogLine,
  ) {
    const pk = primaryField(info.schema).name;
    this.#fieldNames = info.schema.fields.map((f) => f.name).filter((n) => n !== pk);
    if (info.schema.enableDynamicField) this.#fieldNames.push(DYNAMIC_FIELD);
  }

  async start(): Promise<void> {
    this.#buffers.clear();
    this.#deletes = [];
    const stored = storageState(this.info.id, await this.meta.entries(metaKeys.storage(this.info.id)));
    this.#flushedUpTo = flushedUpTo(stored, this.channel);
    const checkpoint = stored.checkpoints.get(this.channel) ?? 1n;
    this.#reader = await this.broker.reader(this.channel, { start: new MessageId(this.channel, checkpoint) });
    this.#done = this.#consume(this.#reader);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reader?.close();
    await this.#done;
  }

  async #consume(reader: Reader): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#applyNext(reader);
      } catch (error) {
        if (this.#stopped || error instanceof ClosedError || error instanceof TopicNotFoundError) return;
        // A failed flush (disk full, say): start again from the checkpoint, which the log still holds.
        this.log(`quiverdb: datanode: channel ${this.channel}: ${(error as Error).message}; replaying from the checkpoint in 1 s`, 'warn');
        await reader.close();
        await delay(1000);
        if (this.#stopped) return;
        await this.start().catch(() => {});
        return;
      }
    }
  }

  /**
   * Receives and applies one batch. A function of its own so that the batch dies with its
   * frame: a variable of the loop above would keep the last batch (megabytes) alive while
   * the loop waits for the next one.
   */
  async #applyNext(reader: Reader): Promise<void> {
    const messages = await reader.receive({ max: BATCH });
    for (const message of messages) await this.#apply(message.id.sequence, decodeDml(message.payload), message.payload.byteLength);
  }

  async #apply(seq: bigint, message: DmlMessage, bytes: number): Promise<void> {
    switch (message.kind) {
      case 'insert':
        return this.#insert(seq, message, bytes);
      case 'delete':
        for (const key of message.keys.values as Iterable<bigint | string>) this.#deletes.push({ key: key as bigint | string, ts: message.ts, seq });
        return;
      case 'seal':
        return this.#flush(seq, message.partitionId);
      case 'tick':
        return;
    }
  }

  /** The collection changed (a DDL): rows of partitions dropped since are buffered no more. */
  update(info: CollectionInfo): void {
    this.info = info;
    for (const partitionId of this.#buffers.keys()) if (partitionDropped(info, partitionId)) this.#buffers.delete(partitionId);
  }

  #insert(seq: bigint, message: InsertMessage, bytes: number): void {
    if (seq <= (this.#flushedUpTo.get(message.partitionId) ?? 0n) || partitionDropped(this.info, message.partitionId)) return;
    const keys = message.columns.find((c) => c.name === message.pk) as Column;
    if (message.upsert) for (const key of keys.values as Iterable<bigint | string>) this.#deletes.push({ key, ts: message.ts, seq });
    const now = Date.now();
    let buffer = this.#buffers.get(message.partitionId);
    if (!buffer) {
      buffer = { partitionId: message.partitionId, startSeq: seq, rows: 0, bytes: 0, firstMs: now, lastMs: now, batches: [], sealRequested: false };
      this.#buffers.set(message.partitionId, buffer);
    }
    const stamps: Column = { name: TS_COLUMN, type: DataType.Int64, values: new BigInt64Array(message.rows).fill(message.ts) };
    buffer.batches.push([keys, stamps, ...this.#fieldsOf(message)]);
    buffer.rows += message.rows;
    buffer.bytes += bytes;
    buffer.lastMs = now;
    const maxBytes = (this.config['dataCoord.segment.maxSize'] as number) * (this.config['dataCoord.segment.sealProportion'] as number) * 2 ** 20;
    const maxRows = this.config['dataCoord.segment.maxRows'] as number;
    if (buffer.bytes >= maxBytes || (maxRows > 0 && buffer.rows >= maxRows)) this.requestSeal(buffer);
  }

  /** The message's field columns in schema order (the dynamic field last), without the key. */
  #fieldsOf(message: InsertMessage): Column[] {
    const byName = new Map(message.columns.map((c) => [c.name, c]));
    return this.#fieldNames.map((name) => byName.get(name) as Column);
  }

  /** Asks for a seal by sending one on the channel (once per buffer). */
  requestSeal(buffer: GrowingBuffer): void {
    if (buffer.sealRequested || this.#stopped) return;
    buffer.sealRequested = true;
    const seal = encodeDml({ kind: 'seal', collectionId: this.info.id, partitionId: buffer.partitionId });
    this.broker
      .producer(this.channel)
      .send(seal)
      .catch(() => {
        buffer.sealRequested = false; // the next policy check asks again
      });
  }

  /** The seal policy's clock: idle and old buffers. */
  checkTime(now: number): void {
    const idle = (this.config['dataCoord.segment.maxIdleTime'] as number) * 1000;
    const life = (this.config['dataCoord.segment.maxLife'] as number) * 1000;
    for (const buffer of this.#buffers.values()) {
      if (now - buffer.lastMs >= idle || now - buffer.firstMs >= life) this.requestSeal(buffer);
    }
  }

  async #flush(sealSeq: bigint, partitionId: number | null): Promise<void> {
    const targets = [...this.#buffers.values()].filter((b) => partitionId === null || b.partitionId === partitionId);
    const puts: Record<string, unknown> = {};
    const segmentIds: number[] = [];
    for (const buffer of targets) {
      const id = Number(await this.ids.alloc(1));
      const columns = await writeColumns(this.store, segmentFolder(this.info.id, id), buffer.batches);
      const segment: SegmentInfo = {
        id,
        collectionId: this.info.id,
        partitionId: buffer.partitionId,
        channel: this.channel,
        startSeq: buffer.startSeq.toString(),
        sealSeq: sealSeq.toString(),
        rows: buffer.rows,
        columns,
      };
      puts[metaKeys.segment(this.info.id, id)] = segment;
      segmentIds.push(id);
    }
    const flushing = this.#deletes.filter((d) => d.seq < sealSeq);
    if (flushing.length > 0) {
      const id = Number(await this.ids.alloc(1));
      const pk = primaryField(this.info.schema);
      const keys: Column = {
        name: pk.name,
        type: pk.dataType,
        values: pk.dataType === DataType.Int64 ? BigInt64Array.from(flushing, (d) => d.key as bigint) : flushing.map((d) => d.key),
      };
      const ts: Column = { name: TS_COLUMN, type: DataType.Int64, values: BigInt64Array.from(flushing, (d) => d.ts) };
      const delta: DeltaInfo = {
        id,
        collectionId: this.info.id,
        channel: this.channel,
        endSeq: sealSeq.toString(),
        rows: flushing.length,
        columns: await writeColumns(this.store, deltaFolder(this.info.id, id), [[keys, ts]]),
      };
      puts[metaKeys.delta(this.info.id, id)] = delta;
    }
    for (const buffer of targets) this.#buffers.delete(buffer.partitionId);
    // Replay must start at the oldest row not yet in a segment; deletes before the seal are flushed.
    let checkpoint = sealSeq + 1n;
    for (const buffer of this.#buffers.values()) if (buffer.startSeq < checkpoint) checkpoint = buffer.startSeq;
    puts[metaKeys.checkpoint(this.info.id, this.channel)] = checkpoint.toString();
    await this.meta.write(puts);
    for (const buffer of targets) this.#flushedUpTo.set(buffer.partitionId, sealSeq);
    this.#deletes = this.#deletes.filter((d) => d.seq >= sealSeq);
    await this.broker
      .producer(COORD_TOPIC)
      .send(encodeCoord({ kind: 'flushed', collectionId: this.info.id, channel: this.channel, sealSeq: sealSeq.toString(), segmentIds }));
    if (targets.length > 0) await releaseMemory(); // the segment's messages are garbage now
  }
}
