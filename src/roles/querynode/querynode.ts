/**
 * The query node: an in-memory view of every loaded collection, kept current from the log.
 * It loads flushed segments from their files (with the deletes flushed beside them), replays
 * each channel from its checkpoint, and then applies every new message as it is committed,
 * so rows are searchable as soon as the log holds them. It writes nothing.
 *
 * Reads wait for their consistency level first: Strong and Session until every channel of
 * the collection has been applied up to the end of its topic as it was when the read began
 * (every acknowledged write is there); Bounded until each channel is serviceable to within
 * common.gracefulTime, or caught up; Eventually not at all.
 */

import type { Config } from '../../config/config.js';
import { ClosedError, InternalError, NotLoadedError, TimeoutError, TopicNotFoundError } from '../../errors.js';
import {
  type CollectionInfo,
  expiredBefore,
  flushedUpTo,
  keys as metaKeys,
  mmapEnabled,
  partitionDropped,
  type SegmentIndexInfo,
  type SegmentInfo,
  type StoredColumn,
  storageState,
} from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import { type LogBroker, MessageId, type Reader } from '../../mq/broker.js';
import type { LogLine } from '../../mq/open-broker.js';
import { type CoordMessage, decodeDml } from '../../msg/messages.js';
import { releaseMemory } from '../../native/memory.js';
import { readColumns, readDeletes } from '../../segment/segment-file.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import { composeTs } from '../../tso/tso.js';
import { CoordinationFollower } from '../coordination.js';
import type { Key, LoadedSegmentInfo, QueryRequest, QueryService, ReadOptions, SearchHits, SearchRequest } from '../query-service.js';
import type { Role } from '../role.js';
import { SerialQueues } from '../serial.js';
import { LoadedCollection } from './collection.js';
import { CompactionSwaps, columnsToRead } from './compactions.js';
import { dropStaleIndexes, loadBuiltIndexes, loadExactVectors, swapIn, syncScalarIndexes, useExact } from './indexes.js';
import { count, query, search } from './read.js';
import { Reclaimer } from './reclaimer.js';
import type { Segment } from './segment.js';

const BATCH = 256;

export class QueryNode implements Role, QueryService {
  readonly name = 'querynode';
  readonly #coord: CoordinationFollower;
  readonly #collections = new Map<number, LoadedCollection>();
  readonly #readers = new Map<number, Reader[]>();
  /** Reconciliations in flight, one chain per collection so they never overlap. */
  readonly #reconciling = new SerialQueues<number>();
  readonly #progress = new Set<() => void>();
  /** Why a collection's channel stopped applying the log (reads of it then fail with this). */
  readonly #failures = new Map<number, Error>();
  #loads = 0;
  readonly #compactions: CompactionSwaps;
  /** Every task that may touch a segment's native objects runs in it, so that what is let go of is closed only once none can. */
  readonly #reclaimer = new Reclaimer(() => void releaseMemory().catch(() => {}));

  constructor(
    private readonly broker: LogBroker,
    private readonly meta: MetaStore,
    private readonly store: SegmentStore,
    private readonly config: Config,
    private readonly log: LogLine,
  ) {
    this.#coord = new CoordinationFollower(broker, this.name, log);
    this.#compactions = new CompactionSwaps(meta, store, log);
  }

  async start(): Promise<void> {
    // The reader first: a notice sent while the catalog is read is then seen too (reconciling is idempotent).
    await this.#coord.open();
    for (const info of await this.meta.scan<CollectionInfo>(metaKeys.collections)) {
      // A collection that cannot be loaded (a damaged segment file) fails its own reads, each
      // with the reason, as they try again; the database and its other collections open.
      await this.#reconcile(info.id).catch((error: Error) =>
        this.log(`quiverdb: querynode: collection "${info.name}" is not loaded: ${error.message}`, 'warn'),
      );
    }
    this.#coord.follow((event) => this.#onCoordination(event));
  }

  async stop(): Promise<void> {
    await this.#coord.close();
    await this.#reconciling.idle();
    for (const id of [...this.#collections.keys()]) await this.#unload(id);
  }

  async #onCoordination(event: CoordMessage): Promise<void> {
    if (event.kind === 'ddl') return this.#reconcile(event.collectionId);
    if (event.kind === 'indexed') return this.#swapIn(event.collectionId, event.segmentId, event.field);
    if (event.kind === 'compact') return;
    if (event.kind === 'compacted') {
      this.#compactions.add(event);
      return this.#trySwaps(event.collectionId);
    }
    return this.#reclaimer.during(async () => {
      const collection = this.#collections.get(event.collectionId);
      if (!collection) return;
      const infos = await Promise.all(event.segmentIds.map((id) => this.meta.get<SegmentInfo>(metaKeys.segment(event.collectionId, id))));
      collection.markFlushed(
        event.channel,
        infos.filter((i): i is SegmentInfo => i !== undefined),
      );
    });
  }

  /** Brings the collection to what the catalog says: loaded, released, dropped, or renamed. */
  #reconcile(collectionId: number): Promise<void> {
    return this.#task(collectionId, async () => {
      if (this.#coord.stopped) return;
      const info = await this.meta.get<CollectionInfo>(metaKeys.collection(collectionId));
      const loaded = this.#collections.get(collectionId);
      if (!info?.loaded) {
        if (loaded) await this.#unload(collectionId);
      } else if (!loaded) {
        await this.#load(info);
      } else if (info.indexes.some((index) => loaded.metricOf(index.field_name) !== index.metric_type) || loaded.mapped !== this.#mapped(info)) {
        // A new metric (every segment is searched differently now) or mmap turned on or off: load it all again.
        await this.#unload(collectionId);
        await this.#load(info);
      } else {
        Object.assign(loaded.info, {
          name: info.name,
          partitions: info.partitions,
          droppedPartitions: info.droppedPartitions,
          properties: info.properties,
          indexes: info.indexes,
          scalarIndexes: info.scalarIndexes,
        });
        loaded.forgetDroppedPartitions();
        await dropStaleIndexes(loaded, this.store);
        for (const segment of loaded.segments) await syncScalarIndexes(loaded.info, segment);
        await this.#compactions.trySwaps(loaded); // a dropped index no longer holds a swap back
      }
    });
  }

  /** The index node built a segment's index: swap it in (in the collection's queue, so never across a reload). */
  #swapIn(collectionId: number, segmentId: number, field: string): Promise<void> {
    return this.#task(collectionId, async () => {
      const collection = this.#collections.get(collectionId);
      const record = collection && (await this.meta.get<SegmentIndexInfo>(metaKeys.segmentIndex(collectionId, segmentId, field)));
      if (collection && record) await swapIn(collection, record, this.store, this.log);
      if (collection) await this.#compactions.trySwaps(collection); // a compacted segment may have been waiting for it
    });
  }

  /**
   * A segment got its catalog id. Its index may have been announced before (the flush event
   * can come before the seal message is applied, and the build right after it): look now.
   * With mmap, fields without a built index are searched from the segment's file from now on;
   * without, its in-memory vectors give back their spare capacity.
   */
  #sealed(collectionId: number, segment: Segment): void {
    this.#task(collectionId, async () => {
      const collection = this.#collections.get(collectionId);
      if (!collection?.segments.includes(segment)) return;
      for (const field of segment.vectors.keys()) {
        const record = await this.meta.get<SegmentIndexInfo>(metaKeys.segmentIndex(collectionId, segment.id as number, field));
        if (record) await swapIn(collection, record, this.store, this.log);
        if (collection.mapped && !segment.built.has(field)) await useExact(collection, segment, field, this.store);
      }
      await segment.shrinkVectors(); // those it still holds in memory
      await syncScalarIndexes(collection.info, segment);
    }).catch((error) => this.log(`quiverdb: querynode: segment ${segment.id}: ${(error as Error).message}`, 'warn'));
  }

  /** Work on a collection's segments, in its queue (never across a reload) and in the Reclaimer. */
  #task(collectionId: number, work: () => Promise<void>): Promise<void> {
    return this.#reconciling.run(collectionId, () => this.#reclaimer.during(work));
  }

  #mapped(info: CollectionInfo): boolean {
    return mmapEnabled(info, this.config['queryNode.mmap.mmapEnabled'] as boolean);
  }

  /** Compacted segments whose replacement is ready are swapped in. */
  #trySwaps(collectionId: number): Promise<void> {
    return this.#task(collectionId, async () => {
      const collection = this.#collections.get(collectionId);
      if (collection) await this.#compactions.trySwaps(collection);
    });
  }

  async #load(info: CollectionInfo): Promise<void> {
    this.#failures.delete(info.id);
    const collection = new LoadedCollection(
      info,
      ++this.#loads,
      (column, rows) => readStoredVectors(this.store, column, rows),
      (segment) => this.#sealed(info.id, segment),
      this.#mapped(info),
      (close) => this.#reclaimer.retire(close),
    );
    const stored = storageState(info.id, await this.meta.entries(metaKeys.storage(info.id)));
    const rowsOf = new Map(stored.segments.map((s) => [s.id, s.rows]));
    const built = await loadBuiltIndexes(this.store, info, stored.segmentIndexes, (id) => rowsOf.get(id), collection.mapped, this.log);
    for (const channel of info.channels) {
      collection.channels.set(channel, { next: stored.checkpoints.get(channel) ?? 1n, serviceableTs: 0n, flushedUpTo: flushedUpTo(stored, channel) });
    }
    const deletes = await readDeletes(this.store, stored.deltas);
    for (const segment of stored.segments.filter((s) => !partitionDropped(info, s.partitionId))) {
      let indexes = built.get(segment.id);
      indexes = await loadExactVectors(this.store, segment, (field) => collection.metricOf(field), collection.mapped, indexes);
      // Vector fields come as indexes (built, mapped, or read into a FlatIndex by native code): only the other columns are read here.
      await collection.addSealed(segment, await readColumns(this.store, columnsToRead(segment, indexes)), deletes, indexes);
    }
    this.#collections.set(info.id, collection);
    const readers: Reader[] = [];
    for (const [channel, state] of collection.channels) {
      const reader = await this.broker.reader(channel, { start: new MessageId(channel, state.next) });
      readers.push(reader);
      void this.#follow(collection, channel, reader);
    }
    this.#readers.set(info.id, readers);
  }

  async #unload(collectionId: number): Promise<void> {
    const collection = this.#collections.get(collectionId);
    this.#collections.delete(collectionId);
    this.#compactions.forget(collectionId);
    for (const reader of this.#readers.get(collectionId) ?? []) await reader.close();
    this.#readers.delete(collectionId);
    this.#notify();
    collection?.close(); // its segments are freed once the reads that hold them end
  }

  async #follow(collection: LoadedCollection, channel: string, reader: Reader): Promise<void> {
    for (;;) {
      try {
        if (!(await this.#applyNext(collection, channel, reader))) return;
      } catch (error) {
        // Released or dropped meanwhile: the reader was closed, or its topic went.
        if (error instanceof ClosedError || error instanceof TopicNotFoundError) return;
        // Anything else would leave the view behind the log: reads of it fail from now on.
        this.#failures.set(collection.info.id, error as Error);
        this.log(`quiverdb: querynode: channel ${channel} stopped: ${(error as Error).message}; load the collection again`, 'warn');
        await this.#unload(collection.info.id);
        return;
      }
      this.#notify();
    }
  }

  /**
   * Receives and applies one batch; false if the collection was unloaded meanwhile. A function
   * of its own so that the batch dies with its frame instead of living on in the loop's.
   */
  async #applyNext(collection: LoadedCollection, channel: string, reader: Reader): Promise<boolean> {
    const messages = await reader.receive({ max: BATCH });
    const epoch = this.#reclaimer.begin(); // not while waiting for messages, which may take long
    try {
      if (this.#collections.get(collection.info.id) !== collection) return false;
      for (const message of messages) await collection.apply(channel, message.id.sequence, decodeDml(message.payload));
      return true;
    } finally {
      this.#reclaimer.end(epoch);
    }
  }

  #notify(): void {
    for (const wake of [...this.#progress]) wake();
  }

  /** Resolves when check() holds, re-checked after every applied batch; rejects after common.readTimeout. */
  #until(check: () => boolean, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    const timeoutMs = this.config['common.readTimeout'] as number;
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (!check()) return;
        this.#progress.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#progress.delete(wake);
        reject(new TimeoutError(`${what} did not happen within common.readTimeout (${timeoutMs} ms)`));
      }, timeoutMs);
      this.#progress.add(wake);
    });
  }

  /** The last sequence of each channel; without a promise per read when the broker knows them in process. */
  #channelEnds(channels: string[]): (readonly [string, bigint])[] | Promise<(readonly [string, bigint])[]> {
    const known = channels.map((channel) => [channel, this.broker.knownEnd?.(channel)] as const);
    if (known.every(([, end]) => end !== undefined)) return known as (readonly [string, bigint])[];
    return Promise.all(channels.map(async (channel) => [channel, (await this.broker.topicStats(channel)).lastId?.sequence ?? 0n] as const));
  }

  /** The loaded collection, once the consistency level's guarantee holds. */
  async #ready(options: Pick<ReadOptions, 'collectionId' | 'consistency'>): Promise<LoadedCollection> {
    let collection = this.#collections.get(options.collectionId);
    if (!collection) {
      await this.#reconcile(options.collectionId); // a notice may still be on its way
      collection = this.#collections.get(options.collectionId);
      const failure = this.#failures.get(options.collectionId);
      if (failure) throw new InternalError(`collection ${options.collectionId} stopped following its log: ${failure.message}`);
      if (!collection) throw new NotLoadedError(`collection ${options.collectionId} is not loaded: call loadCollection first`);
    }
    if (options.consistency === 'Eventually') return collection;
    const loaded = collection;
    if (options.consistency === 'Bounded') {
      const bound = composeTs(Date.now() - (this.config['common.gracefulTime'] as number));
      if ([...loaded.channels.values()].every((c) => c.serviceableTs >= bound)) return loaded;
    }
    // Each channel's end as the read begins: known in process for rocksmq, asked of the broker otherwise.
    const targets = await this.#channelEnds([...loaded.channels.keys()]);
    await this.#until(
      () => this.#collections.get(loaded.info.id) !== loaded || targets.every(([channel, last]) => (loaded.channels.get(channel)?.next ?? 0n) > last),
      `catching up with the log of collection "${loaded.info.name}"`,
    );
    if (this.#collections.get(loaded.info.id) !== loaded) {
      const failure = this.#failures.get(loaded.info.id);
      if (failure) throw new InternalError(`collection "${loaded.info.name}" stopped following its log: ${failure.message}`);
      throw new NotLoadedError(`collection "${loaded.info.name}" was released or dropped during the read`);
    }
    return loaded;
  }

  // Each read holds the Reclaimer from before it finds its collection until it has its answer.

  async search(request: SearchRequest): Promise<SearchHits> {
    // begin()/end() written out rather than during(): one Promise fewer on the search path.
    const epoch = this.#reclaimer.begin();
    try {
      return await search(await this.#ready(request), request);
    } finally {
      this.#reclaimer.end(epoch);
    }
  }

  query(request: QueryRequest): Promise<Record<string, unknown>[]> {
    return this.#reclaimer.during(async () => query(await this.#ready(request), request));
  }

  count(request: Omit<QueryRequest, 'outputFields' | 'offset' | 'limit'>): Promise<number> {
    return this.#reclaimer.during(async () => count(await this.#ready(request), request));
  }

  existingKeys(collectionId: number, keys: Key[], consistency: 'Strong' | 'Eventually'): Promise<Set<Key>> {
    return this.#reclaimer.during(() => this.#existingKeys(collectionId, keys, consistency));
  }

  async #existingKeys(collectionId: number, keys: Key[], consistency: 'Strong' | 'Eventually'): Promise<Set<Key>> {
    const collection = await this.#ready({ collectionId, consistency });
    // A bulk load's keys are usually all above every key seen so far: then none can exist.
    const highest = collection.highestKey;
    if (highest === undefined || keys.every((key) => key > highest)) return new Set();
    const where = collection.locate(keys);
    // With a TTL, an expired row's key is free again: reads no longer see it.
    const cutoff = expiredBefore(collection.info, composeTs(Date.now()));
    const live = (i: number) => {
      const at = where[i];
      return at !== undefined && (cutoff === undefined || at.segment.keys.insertTs(at.row) >= cutoff);
    };
    return new Set(keys.filter((_, i) => live(i)));
  }

  async applied(collectionId: number): Promise<{ load: number; channels: Record<string, bigint> } | undefined> {
    const collection = this.#collections.get(collectionId);
    if (!collection) return undefined;
    return { load: collection.load, channels: Object.fromEntries([...collection.channels].map(([name, state]) => [name, state.next])) };
  }

  async waitForLoadState(collectionId: number): Promise<void> {
    await this.#reconcile(collectionId);
  }

  async loadedSegments(collectionId: number): Promise<LoadedSegmentInfo[] | undefined> {
    return this.#collections.get(collectionId)?.segments.map((segment) => ({
      id: segment.id,
      partitionId: segment.partitionId,
      state: segment.state,
      rows: segment.rows,
      memoryBytes: segment.memoryBytes(),
      mappedBytes: segment.mappedBytes(),
      indexes: Object.fromEntries([...segment.built].map(([field, built]) => [field, built.id])),
    }));
  }
}

/** Rows of a vector column read from its file, for output fields of segments whose vectors stay on disk. */
async function readStoredVectors(store: SegmentStore, column: StoredColumn, rows: Uint32Array): Promise<Float32Array> {
  const width = (column.dim as number) * 4;
  const out = new Float32Array(rows.length * (column.dim as number));
  for (let i = 0; i < rows.length; i++) {
    const bytes = await store.readRange(column.file, rows[i] * width, width);
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, column.dim as number), i * (column.dim as number));
  }
  return out;
}
