/**
 * What the meta store holds, and under which keys. Every role reads and writes the catalog
 * through these records; no role keeps another's state.
 *
 *   c/<collection>                  CollectionInfo
 *   s/<collection>/s/<segment>      SegmentInfo   (a flushed segment, written by the data node)
 *   s/<collection>/d/<delta>        DeltaInfo     (deletes flushed beside segments)
 *   s/<collection>/k/<channel>      a channel checkpoint: replay from this sequence
 *   s/<collection>/x/<segment>/<field>  SegmentIndexInfo (an index built for a sealed segment, by the index node)
 *   s/<collection>/g/<segment>      GarbageInfo   (a segment compacted away, or a spent delta file: its folder goes once no reader needs it)
 *   compaction/<id>                 CompactionInfo (a compaction asked for with compact())
 *   tso, ids/...                    the timestamp oracle's window, id counters
 *
 * A collection's storage state shares one prefix, so one scan reads it consistently: the
 * data node writes segments, deltas and checkpoints together, and a reader must never see
 * a segment without the deletes flushed with it.
 */
import type { ColumnHeader } from '../schema/columns.js';
import type { CollectionSchema, MetricType } from '../schema/schema.js';

export type ConsistencyLevel = 'Strong' | 'Session' | 'Bounded' | 'Eventually';

export interface PartitionInfo {
  id: number;
  name: string;
  createdMs: number;
}

export interface IndexInfo {
  field_name: string;
  index_name: string;
  index_type: string;
  metric_type: MetricType;
  params: Record<string, unknown>;
  /** Changes with every createIndex: a segment's built index is current only if it has this id. */
  id?: number;
  /** dropIndex keeps the field's metric: its segments are then searched exactly. */
  dropped?: boolean;
}

/** A scalar field's index: built in memory by the query node for each sealed segment it holds. */
export interface ScalarIndexInfo {
  field_name: string;
  index_name: string;
  index_type: string;
  id: number;
}

/** An index built for one vector field of one sealed segment. */
export interface SegmentIndexInfo {
  segmentId: number;
  field: string;
  /** The IndexInfo id it was built for. */
  indexId: number;
  indexType: string;
  nlist: number;
  /** The index file (it carries its own CRC-32C), in the segment store, and its size when it was made durable. */
  file: string;
  bytes: number;
  rows: number;
}

export interface CollectionInfo {
  id: number;
  name: string;
  schema: CollectionSchema;
  shardsNum: number;
  /** One log topic per shard. */
  channels: string[];
  partitions: PartitionInfo[];
  /** Ids of dropped partitions: their rows are skipped wherever the log or a file still has them. */
  droppedPartitions?: number[];
  /** With a partition key: how many partitions the key hashes to. */
  numPartitions: number;
  consistencyLevel: ConsistencyLevel;
  createdMs: number;
  properties: Record<string, string>;
  /** One per vector field: its metric, and the index sealed segments get (dropped: none). */
  indexes: IndexInfo[];
  /** Indexes of scalar fields (absent in catalogs written before 0.2). */
  scalarIndexes?: ScalarIndexInfo[];
  loaded: boolean;
  /** Other names the collection answers to (createAlias); unique across collections and aliases. */
  aliases?: string[];
}

export interface FileInfo {
  name: string;
  crc: number;
  bytes: number;
}

export interface SegmentInfo {
  id: number;
  collectionId: number;
  partitionId: number;
  channel: string;
  /** The log range the segment holds: messages from startSeq to sealSeq (the seal message). */
  startSeq: string;
  sealSeq: string;
  rows: number;
  /** One file per column: the primary key, the insert timestamps, then every field. */
  columns: StoredColumn[];
}

export type StoredColumn = ColumnHeader & { file: FileInfo };

/** A segment or delta folder no longer in the catalog, kept a while for reads that still use its files. */
export interface GarbageInfo {
  /** The segment's or delta file's id (one counter numbers both). */
  segmentId: number;
  folder: string;
  sinceMs: number;
}

export interface CompactionInfo {
  id: number;
  collectionId: number;
  state: 'Executing' | 'Completed';
  /** Segments merged or rewritten, and segments made. */
  from: number[];
  to: number[];
}

export interface DeltaInfo {
  id: number;
  collectionId: number;
  channel: string;
  /** Deletes up to this sequence of the channel are in the file. */
  endSeq: string;
  rows: number;
  /** The keys, then their delete timestamps. */
  columns: StoredColumn[];
}

/** The collection property that makes rows expire this many seconds after their insert (0: never). */
export const TTL_PROPERTY = 'collection.ttl.seconds';

/**
 * With a TTL, the insert timestamp before which rows have expired for a read at ts (a
 * hybrid timestamp: milliseconds << 18); undefined without one.
 */
export function expiredBefore(info: CollectionInfo, ts: bigint): bigint | undefined {
  const seconds = Number(info.properties[TTL_PROPERTY] ?? 0);
  return seconds > 0 ? ts - (BigInt(Math.round(seconds * 1000)) << 18n) : undefined;
}

/** The collection property (as Milvus names it) that maps sealed vectors and indexes rather than loading them. */
export const MMAP_PROPERTY = 'mmap.enabled';

/** Whether a loaded collection's sealed segments are mapped: its property, else the configuration's default. */
export function mmapEnabled(info: CollectionInfo, byDefault: boolean): boolean {
  const value = info.properties[MMAP_PROPERTY];
  return value === undefined ? byDefault : value === 'true';
}

export function partitionDropped(info: CollectionInfo, partitionId: number): boolean {
  return info.droppedPartitions?.includes(partitionId) ?? false;
}

const pad = (n: number) => String(n).padStart(12, '0');

export const keys = {
  collection: (id: number) => `c/${pad(id)}`,
  collections: 'c/',
  /** Everything the data node has flushed for a collection: segments, deltas, checkpoints. */
  storage: (collection: number) => `s/${pad(collection)}/`,
  segment: (collection: number, id: number) => `s/${pad(collection)}/s/${pad(id)}`,
  segments: (collection: number) => `s/${pad(collection)}/s/`,
  delta: (collection: number, id: number) => `s/${pad(collection)}/d/${pad(id)}`,
  checkpoint: (collection: number, channel: string) => `s/${pad(collection)}/k/${channel}`,
  segmentIndex: (collection: number, segment: number, field: string) => `s/${pad(collection)}/x/${pad(segment)}/${field}`,
  garbage: (collection: number, segment: number) => `s/${pad(collection)}/g/${pad(segment)}`,
  compaction: (id: number) => `compaction/${pad(id)}`,
};

/** A collection's storage state, read in one scan (one consistent view). */
export interface StorageState {
  segments: SegmentInfo[];
  deltas: DeltaInfo[];
  /** Per channel: replay from this sequence. */
  checkpoints: Map<string, bigint>;
  segmentIndexes: SegmentIndexInfo[];
  garbage: GarbageInfo[];
}

/** Per partition, the highest seal a flushed segment of this channel ends at: inserts at or before it are in segment files. */
export function flushedUpTo(state: StorageState, channel: string): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const segment of state.segments) {
    if (segment.channel !== channel) continue;
    const seal = BigInt(segment.sealSeq);
    if (seal > (out.get(segment.partitionId) ?? 0n)) out.set(segment.partitionId, seal);
  }
  return out;
}

export function storageState(collection: number, entries: [string, unknown][]): StorageState {
  const prefix = keys.storage(collection);
  const state: StorageState = { segments: [], deltas: [], checkpoints: new Map(), segmentIndexes: [], garbage: [] };
  for (const [key, value] of entries) {
    const rest = key.slice(prefix.length);
    if (rest.startsWith('s/')) state.segments.push(value as SegmentInfo);
    else if (rest.startsWith('d/')) state.deltas.push(value as DeltaInfo);
    else if (rest.startsWith('k/')) state.checkpoints.set(rest.slice(2), BigInt(value as string));
    else if (rest.startsWith('x/')) state.segmentIndexes.push(value as SegmentIndexInfo);
    else if (rest.startsWith('g/')) state.garbage.push(value as GarbageInfo);
  }
  return state;
}
