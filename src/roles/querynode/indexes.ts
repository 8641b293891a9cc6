/**
 * The query node's side of segment indexes: loading the indexes the index node built, and
 * keeping each sealed segment on the index its field asks for now. A swap replaces the
 * segment's entry for the field; a search already running keeps the index it took, so it
 * sees the old index or the new one, never neither. With mmap, built indexes are mapped
 * rather than read, and sealed segments without one search their vector files in place.
 */
import { native } from '../../errors.js';
import type { Metric } from '../../indexes/metric.js';
import { segmentBuild } from '../../indexes/segment-index.js';
import type { CollectionInfo, IndexInfo, SegmentIndexInfo, SegmentInfo, StoredColumn } from '../../meta/catalog.js';
import type { LogLine } from '../../mq/open-broker.js';
import type { NativeFlatIndex, NativeIvfIndex, NativeMappedFlatIndex } from '../../native/binding.js';
import { loadNative } from '../../native/load.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import type { LoadedCollection } from './collection.js';
import type { BuiltIndex, Segment } from './segment.js';

/** Per vector field of a sealed segment: its built index, or its vectors searched exactly (mapped, or read by native code). */
export type LoadedIndexes = Map<string, { native: NativeIvfIndex | NativeFlatIndex | NativeMappedFlatIndex; built?: BuiltIndex }>;

/** The field's index, if it asks for built indexes at all. */
function currentIndex(info: CollectionInfo, field: string): IndexInfo | undefined {
  const index = info.indexes.find((i) => i.field_name === field);
  return index && !index.dropped ? index : undefined;
}

/** Whether a record is of the index its field has now. */
export function isCurrent(info: CollectionInfo, record: SegmentIndexInfo): boolean {
  return currentIndex(info, record.field)?.id === record.indexId;
}

/** Loads a built index from its file; undefined (logged) when it cannot be used: the segment is then searched exactly. */
async function loadBuiltIndex(store: SegmentStore, record: SegmentIndexInfo, rows: number, map: boolean, log: LogLine) {
  try {
    const index = await native(async () => loadNative().IvfIndex.load(await store.localPath(record.file), map));
    if (index.rows === rows) return { native: index, built: { id: record.indexId, nlist: record.nlist } };
    log(`quiverdb: querynode: ${record.file} holds ${index.rows} rows, its segment ${rows}; searching the segment exactly`, 'warn');
  } catch (error) {
    log(`quiverdb: querynode: cannot load ${record.file} (${(error as Error).message}); searching the segment exactly`, 'warn');
  }
  return undefined;
}

/** Per segment, the current built indexes among these records, loaded. */
export async function loadBuiltIndexes(
  store: SegmentStore,
  info: CollectionInfo,
  records: SegmentIndexInfo[],
  rowsOf: (segmentId: number) => number | undefined,
  map: boolean,
  log: LogLine,
): Promise<Map<number, LoadedIndexes>> {
  const out = new Map<number, LoadedIndexes>();
  for (const record of records) {
    const rows = rowsOf(record.segmentId);
    if (rows === undefined || !isCurrent(info, record)) continue;
    const index = await loadBuiltIndex(store, record, rows, map, log);
    if (!index) continue;
    const loaded = out.get(record.segmentId) ?? new Map();
    out.set(record.segmentId, loaded);
    loaded.set(record.field, index);
  }
  return out;
}

/** Swaps a newly built index into its segment, if it is still of the field's current index. */
export async function swapIn(collection: LoadedCollection, record: SegmentIndexInfo, store: SegmentStore, log: LogLine): Promise<void> {
  const segment = collection.segments.find((s) => s.id === record.segmentId && s.state === 'sealed');
  if (!segment || !isCurrent(collection.info, record) || segment.built.get(record.field)?.id === record.indexId) return;
  const index = await loadBuiltIndex(store, record, segment.rows, collection.mapped, log);
  // Checked again: the index may have been replaced while its file was read.
  if (index && isCurrent(collection.info, record)) {
    const replaced = segment.useIndex(record.field, index.native, index.built as BuiltIndex);
    if (replaced) collection.retire(() => replaced.close());
  }
}

/**
 * Puts segments whose built index their field no longer asks for back on exact search, from
 * their vector files. A replaced index (same metric: a new one reloads the collection) keeps
 * serving until its successor is built and swapped in, unless the segment gets none.
 */
export async function dropStaleIndexes(collection: LoadedCollection, store: SegmentStore): Promise<void> {
  for (const segment of collection.segments) {
    for (const [field, built] of [...segment.built]) {
      const current = currentIndex(collection.info, field);
      if (current?.id === built.id || (current && segmentBuild(current, segment.rows))) continue;
      await useExact(collection, segment, field, store);
    }
  }
}

/**
 * A vector column of a sealed segment, searched exactly: in place from its file (mmap), or
 * read into a FlatIndex by native code (its bytes never pass through the JavaScript thread).
 */
async function exactVectors(
  store: SegmentStore,
  column: StoredColumn,
  metric: Metric,
  rows: number,
  mapped: boolean,
): Promise<NativeFlatIndex | NativeMappedFlatIndex> {
  const path = await store.localPath(column.file.name);
  if (mapped) return native(() => loadNative().MappedFlatIndex.map(path, column.dim as number, metric, column.file.crc, rows));
  const flat = new (loadNative().FlatIndex)(column.dim as number, metric);
  await native(() => flat.addFromFile(path, rows, column.file.crc));
  return flat;
}

/** The segment's vector fields that have no built index, searched exactly (added to indexes). */
export async function loadExactVectors(
  store: SegmentStore,
  segment: SegmentInfo,
  metricOf: (field: string) => Metric,
  mapped: boolean,
  indexes: LoadedIndexes = new Map(),
): Promise<LoadedIndexes> {
  for (const column of segment.columns.filter((c) => c.dim !== undefined && !indexes.has(c.name))) {
    indexes.set(column.name, { native: await exactVectors(store, column, metricOf(column.name), segment.rows, mapped) });
  }
  return indexes;
}

/** Searches a segment's field exactly from now on: mapped from its vector file with mmap, else read into a FlatIndex. */
export async function useExact(collection: LoadedCollection, segment: Segment, field: string, store: SegmentStore): Promise<void> {
  const column = segment.info?.columns.find((c) => c.name === field) as StoredColumn;
  const replaced = segment.useExact(field, await exactVectors(store, column, collection.metricOf(field), segment.rows, collection.mapped));
  if (replaced) collection.retire(() => replaced.close());
}

/** Keeps a sealed segment's scalar indexes as the collection asks: built (in memory, on the pool) or dropped. */
export async function syncScalarIndexes(info: CollectionInfo, segment: Segment): Promise<void> {
  if (segment.state !== 'sealed') return; // a growing segment's filters scan: it changes with every insert
  const wanted = info.scalarIndexes ?? [];
  for (const index of wanted) {
    const column = segment.columns.get(index.field_name);
    if (!column || segment.scalarIndexed.get(index.field_name) === index.id) continue;
    await native(() => segment.keys.buildScalarIndex(column.index));
    segment.scalarIndexed.set(index.field_name, index.id);
  }
  for (const field of [...segment.scalarIndexed.keys()]) {
    if (wanted.some((i) => i.field_name === field)) continue;
    segment.keys.dropScalarIndex((segment.columns.get(field) as { index: number }).index);
    segment.scalarIndexed.delete(field);
  }
}
