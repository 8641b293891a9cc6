/**
 * The index node: builds the index of every sealed segment, one at a time, in the
 * background. It reads a segment's vector column from its file (checked against its CRC),
 * trains and fills an IVF index on QuiverDB's native pool, writes it beside the segment
 * (a temporary file renamed into place; the file carries its own CRC-32C), records it in
 * the catalog, and then says so on the coordination topic, where the query node picks it up.
 *
 * It works from the catalog, never from memory: on start, on every flush event and on every
 * DDL notice it compares, per collection, what is built with what the indexes ask for. So a
 * build cut short by a crash (a file without a record) is simply done again, as is a recorded
 * file that is missing or not the size it was synced at; an index that was replaced is
 * rebuilt, and one that was dropped has its records and files removed.
 */
import { InternalError, native } from '../../errors.js';
import { type SegmentBuild, segmentBuild } from '../../indexes/segment-index.js';
import { type CollectionInfo, type IndexInfo, keys as metaKeys, type SegmentIndexInfo, type SegmentInfo, storageState } from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { LogBroker } from '../../mq/broker.js';
import type { LogLine } from '../../mq/open-broker.js';
import { COORD_TOPIC } from '../../msg/channels.js';
import { type CoordMessage, encodeCoord } from '../../msg/messages.js';
import { loadNative } from '../../native/load.js';
import { releaseMemory } from '../../native/memory.js';
import { segmentFolder } from '../../segment/segment-file.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import { CoordinationFollower } from '../coordination.js';
import type { RoleCounters } from '../counters.js';
import type { Role } from '../role.js';
import { SerialQueues } from '../serial.js';

/** Where a segment's index of one field lives; the index id in the name keeps a rebuild from overwriting what a reader may hold. */
export function indexFile(collectionId: number, segmentId: number, field: string, indexId: number): string {
  return `${segmentFolder(collectionId, segmentId)}/${field}.${indexId}.ivf`;
}

export class IndexNode implements Role {
  readonly name = 'indexnode';
  readonly #coord: CoordinationFollower;
  /** One build at a time, whatever the collection: searches keep the rest of the pool. */
  readonly #work = new SerialQueues<'builds'>();
  /** Collections with a reconcile queued and not started (more events for them coalesce). */
  readonly #queued = new Set<number>();

  constructor(
    private readonly broker: LogBroker,
    private readonly meta: MetaStore,
    private readonly store: SegmentStore,
    private readonly log: LogLine,
    private readonly counters: RoleCounters,
  ) {
    this.#coord = new CoordinationFollower(broker, this.name, log);
  }

  async start(): Promise<void> {
    await this.#coord.open();
    for (const info of await this.meta.scan<CollectionInfo>(metaKeys.collections)) this.#schedule(info.id);
    this.#coord.follow((event) => this.#onCoordination(event));
  }

  async stop(): Promise<void> {
    await this.#coord.close();
    await this.#work.idle();
  }

  #onCoordination(event: CoordMessage): void {
    if (event.kind === 'ddl' || event.kind === 'flushed' || event.kind === 'compacted') this.#schedule(event.collectionId);
  }

  #schedule(collectionId: number): void {
    if (this.#queued.has(collectionId)) return;
    this.#queued.add(collectionId);
    void this.#work
      .run('builds', async () => {
        this.#queued.delete(collectionId);
        if (!this.#coord.stopped) await this.#reconcile(collectionId);
      })
      .catch((error: Error) => {
        this.counters.indexBuildFailures++;
        this.log(`quiverdb: indexnode: collection ${collectionId}: ${error.message}`, 'warn');
      });
  }

  /** Builds what is missing and removes what is no longer wanted, segment by segment. */
  async #reconcile(collectionId: number): Promise<void> {
    const info = await this.meta.get<CollectionInfo>(metaKeys.collection(collectionId));
    if (!info) return;
    const stored = storageState(collectionId, await this.meta.entries(metaKeys.storage(collectionId)));
    const segments = new Map(stored.segments.map((s) => [s.id, s]));
    const kept: SegmentIndexInfo[] = [];
    for (const record of stored.segmentIndexes) {
      const index = info.indexes.find((i) => i.field_name === record.field);
      const segment = segments.get(record.segmentId);
      const wanted = segment && index && index.id === record.indexId && segmentBuild(index, segment.rows);
      // A file that is gone or not the size it was made durable at (a disk that lost it) is built again.
      if (wanted && (await this.store.sizeOf(record.file)) === record.bytes) kept.push(record);
      else await this.#forget(collectionId, record);
    }
    const built = new Set(kept.map((r) => `${r.segmentId}/${r.field}/${r.indexId}`));
    for (const segment of stored.segments) {
      for (const index of info.indexes) {
        if (this.#coord.stopped) return;
        const build = segmentBuild(index, segment.rows);
        if (!build || built.has(`${segment.id}/${index.field_name}/${index.id}`)) continue;
        await this.#build(info, segment, index, build);
      }
    }
  }

  async #forget(collectionId: number, record: SegmentIndexInfo): Promise<void> {
    await this.meta.write({}, [metaKeys.segmentIndex(collectionId, record.segmentId, record.field)]);
    await this.store.remove(record.file);
  }

  async #build(info: CollectionInfo, segment: SegmentInfo, index: IndexInfo, build: SegmentBuild): Promise<void> {
    const column = segment.columns.find((c) => c.name === index.field_name);
    if (!column?.dim) throw new InternalError(`segment ${segment.id} has no vector column "${index.field_name}"`);
    const started = performance.now();
    const addon = loadNative();
    const ivf = new addon.IvfIndex({
      dim: column.dim,
      metric: index.metric_type,
      type: build.type,
      nlist: build.nlist,
      ...(build.m ? { m: build.m } : {}),
      background: true, // on the low-priority pool: searches keep the CPU
    });
    // Native code reads the vector file itself (mapped, its CRC checked): hundreds of MB never
    // cross the JavaScript thread. Rows keep their segment numbers, so bitsets mean the same rows.
    await native(async () => ivf.buildFromFile(await this.store.localPath(column.file.name), segment.rows, column.file.crc));
    const file = indexFile(info.id, segment.id, index.field_name, index.id ?? 0);
    await ivf.save(await this.store.localPath(file));
    const fileBytes = await this.store.commitLocal(file); // durable before the catalog names it
    // The index may have been replaced, or the segment dropped, while it was built.
    const now = await this.meta.get<CollectionInfo>(metaKeys.collection(info.id));
    const segmentNow = await this.meta.get<SegmentInfo>(metaKeys.segment(info.id, segment.id));
    if (!segmentNow || now?.indexes.find((i) => i.field_name === index.field_name)?.id !== index.id) {
      await this.store.remove(file);
      return;
    }
    const record: SegmentIndexInfo = {
      segmentId: segment.id,
      field: index.field_name,
      indexId: index.id ?? 0,
      indexType: build.type,
      nlist: build.nlist,
      file,
      bytes: fileBytes,
      rows: segment.rows,
    };
    await this.meta.write({ [metaKeys.segmentIndex(info.id, segment.id, index.field_name)]: record });
    await this.broker.producer(COORD_TOPIC).send(encodeCoord({ kind: 'indexed', collectionId: info.id, segmentId: segment.id, field: index.field_name }));
    this.counters.indexBuilds++;
    this.counters.indexBuiltRows += segment.rows;
    this.counters.indexBuildSeconds += (performance.now() - started) / 1000;
    await releaseMemory(); // the built index goes with the next garbage collection
  }
}
