/**
 * The data node: turns the log into segment files. It writes every collection's channels
 * (loaded or not) through a ChannelWriter each, runs the seal policy's clock, and removes
 * a dropped collection's files, catalog entries and topics. It keeps no in-memory view for
 * reads: that is the query node's job.
 */
import type { Config } from '../../config/config.js';
import { type CollectionInfo, type CompactionInfo, keys as metaKeys, partitionDropped, type StorageState, storageState } from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { LogBroker } from '../../mq/broker.js';
import type { LogLine } from '../../mq/open-broker.js';
import { collectionOfChannel } from '../../msg/channels.js';
import type { CoordMessage } from '../../msg/messages.js';
import { deltaFolder, segmentFolder } from '../../segment/segment-file.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import { IdAllocator } from '../../tso/tso.js';
import { CoordinationFollower } from '../coordination.js';
import type { Role } from '../role.js';
import { SerialQueues } from '../serial.js';
import { ChannelWriter } from './channel-writer.js';
import { type CompactionContext, collectGarbage, compact, type GoneRows, planCompactions, removeSpentDeltas } from './compaction.js';

const SEAL_CHECK_MS = 1000;

export class DataNode implements Role {
  readonly name = 'datanode';
  readonly #coord: CoordinationFollower;
  readonly #writers = new Map<number, ChannelWriter[]>();
  readonly #reconciling = new SerialQueues<number>();
  #ids: IdAllocator | undefined;
  #timer: NodeJS.Timeout | undefined;
  #compactionTimer: NodeJS.Timeout | undefined;
  readonly #goneRows = new Map<number, GoneRows>();
  readonly #neededDeltas = new Map<number, string>();
  readonly #compacting = new Set<number>();

  constructor(
    private readonly broker: LogBroker,
    private readonly meta: MetaStore,
    private readonly store: SegmentStore,
    private readonly config: Config,
    private readonly log: LogLine,
  ) {
    this.#coord = new CoordinationFollower(broker, this.name, log);
  }

  async start(): Promise<void> {
    this.#ids = await IdAllocator.open(this.meta, 'ids/segment', 1n, 1024n);
    await this.#coord.open();
    const known = await this.meta.scan<CollectionInfo>(metaKeys.collections);
    // Before any writer starts: a writer's flush writes its files before the catalog names them.
    await this.#removeOrphans(new Set(known.map((c) => c.id)));
    // Nothing reads a compacted segment's files before the roles start: delete them now.
    for (const info of known) await collectGarbage(this.#compaction, info.id, 0);
    for (const info of known) await this.#reconcile(info.id);
    this.#coord.follow((event) => this.#onCoordination(event));
    this.#compactionTimer = setInterval(() => this.#compactAll(), (this.config['dataCoord.compaction.interval'] as number) * 1000);
    this.#compactionTimer.unref();
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const writers of this.#writers.values()) for (const writer of writers) writer.checkTime(now);
    }, SEAL_CHECK_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#compactionTimer);
    await this.#coord.close();
    await this.#reconciling.idle();
    for (const writers of this.#writers.values()) for (const writer of writers) await writer.stop();
    this.#writers.clear();
  }

  async #onCoordination(event: CoordMessage): Promise<void> {
    if (event.kind === 'ddl') await this.#reconcile(event.collectionId);
    else if (event.kind === 'compact') await this.#compact(event.collectionId, event.compactionId);
  }

  get #compaction(): CompactionContext {
    return {
      meta: this.meta,
      store: this.store,
      broker: this.broker,
      ids: this.#ids as IdAllocator,
      config: this.config,
      goneRows: this.#goneRows,
      neededDeltas: this.#neededDeltas,
    };
  }

  /** The automatic round: every collection written here is compacted if it needs to be, and old files are collected. */
  #compactAll(): void {
    const tolerance = (this.config['dataCoord.gc.dropTolerance'] as number) * 1000;
    for (const collectionId of this.#writers.keys()) {
      void this.#reconciling
        .run(collectionId, () => collectGarbage(this.#compaction, collectionId, tolerance))
        .catch((error: Error) => this.log(`quiverdb: datanode: collection ${collectionId}: ${error.message}`, 'warn'));
      if (this.config['dataCoord.compaction.enableAutoCompaction'] && !this.#compacting.has(collectionId)) {
        this.#compacting.add(collectionId); // one automatic round at a time per collection
        void this.#compact(collectionId)
          .catch((error: Error) => this.log(`quiverdb: datanode: compaction of collection ${collectionId}: ${error.message}`, 'warn'))
          .finally(() => this.#compacting.delete(collectionId));
      }
    }
  }

  /** Runs the compactions a collection needs now (in its queue, so never beside a drop); records them under compactionId if given. */
  #compact(collectionId: number, compactionId?: number): Promise<void> {
    return this.#reconciling.run(collectionId, async () => {
      const info = await this.meta.get<CollectionInfo>(metaKeys.collection(collectionId));
      if (!info || this.#coord.stopped) return;
      const state = await this.#storage(info);
      const from: number[] = [];
      const to: number[] = [];
      try {
        for (const plan of await planCompactions(this.#compaction, info, state)) {
          if (this.#coord.stopped) return;
          const made = await compact(this.#compaction, info, plan, state);
          from.push(...plan.map((s) => s.id));
          if (made !== null) to.push(made);
        }
        if (!this.#coord.stopped) await removeSpentDeltas(this.#compaction, info, await this.#storage(info));
      } finally {
        // Recorded also when a plan failed: what was done is done, and compact() may be asked again.
        if (compactionId !== undefined) {
          const record: CompactionInfo = { id: compactionId, collectionId, state: 'Completed', from, to };
          await this.meta.write({ [metaKeys.compaction(compactionId)]: record });
        }
      }
    });
  }

  /** What the catalog holds for a collection now, without the segments of dropped partitions. */
  async #storage(info: CollectionInfo): Promise<StorageState> {
    const state = storageState(info.id, await this.meta.entries(metaKeys.storage(info.id)));
    state.segments = state.segments.filter((s) => !partitionDropped(info, s.partitionId));
    return state;
  }

  #reconcile(collectionId: number): Promise<void> {
    return this.#reconciling.run(collectionId, async () => {
      if (this.#coord.stopped) return;
      const info = await this.meta.get<CollectionInfo>(metaKeys.collection(collectionId));
      const writers = this.#writers.get(collectionId);
      if (!info) {
        if (writers) for (const writer of writers) await writer.stop();
        this.#writers.delete(collectionId);
        await this.#removeCollection(collectionId);
      } else if (!writers) {
        const started = info.channels.map(
          (channel) => new ChannelWriter(info, channel, this.broker, this.meta, this.store, this.#ids as IdAllocator, this.config, this.log),
        );
        for (const writer of started) await writer.start();
        this.#writers.set(collectionId, started);
        await this.#removeDroppedPartitions(info);
      } else {
        for (const writer of writers) writer.update(info);
        await this.#removeDroppedPartitions(info);
      }
    });
  }

  /** Deletes a dropped collection's segment files, catalog entries and topics. */
  async #removeCollection(collectionId: number): Promise<void> {
    const entries = await this.meta.entries(metaKeys.storage(collectionId));
    await this.meta.write(
      {},
      entries.map(([key]) => key),
    );
    await this.store.remove(`segments/${collectionId}`);
    await this.store.remove(`deltas/${collectionId}`);
    for (const topic of await this.broker.listTopics()) {
      if (collectionOfChannel(topic) === collectionId) await this.broker.dropTopic(topic).catch(() => {});
    }
  }

  /** Deletes the flushed segments of dropped partitions: catalog entries first, then files. */
  async #removeDroppedPartitions(info: CollectionInfo): Promise<void> {
    if (!info.droppedPartitions?.length) return;
    const { segments } = storageState(info.id, await this.meta.entries(metaKeys.storage(info.id)));
    const dropped = segments.filter((s) => partitionDropped(info, s.partitionId));
    if (dropped.length === 0) return;
    await this.meta.write(
      {},
      dropped.map((s) => metaKeys.segment(info.id, s.id)),
    );
    for (const segment of dropped) await this.store.remove(segmentFolder(info.id, segment.id));
  }

  /**
   * What a crash in the middle of a drop or a flush left: files and topics no collection
   * owns, and segment or delta folders that the catalog does not name.
   */
  async #removeOrphans(collections: Set<number>): Promise<void> {
    for (const folder of ['segments', 'deltas']) {
      for (const name of await this.store.list(folder)) {
        const id = Number(name);
        if (!collections.has(id)) await this.#removeCollection(id);
      }
    }
    for (const id of collections) {
      const stored = storageState(id, await this.meta.entries(metaKeys.storage(id)));
      const named = new Set([...stored.segments.map((s) => segmentFolder(id, s.id)), ...stored.deltas.map((d) => deltaFolder(id, d.id))]);
      for (const parent of [`segments/${id}`, `deltas/${id}`]) {
        for (const name of await this.store.list(parent)) if (!named.has(`${parent}/${name}`)) await this.store.remove(`${parent}/${name}`);
      }
    }
    for (const topic of await this.broker.listTopics()) {
      const owner = collectionOfChannel(topic);
      if (owner !== undefined && !collections.has(owner)) await this.broker.dropTopic(topic).catch(() => {});
    }
  }
}
