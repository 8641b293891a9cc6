/**
 * The query node's side of compaction: the data node replaced some sealed segments by one
 * new segment; load it and swap it in for them. A new segment that should have an index is
 * swapped in only once the index node has built it, so searches do not fall back to an
 * exact scan meanwhile: until then the old segments (and their indexes) keep serving.
 */

import { segmentBuild } from '../../indexes/segment-index.js';
import type { CollectionInfo, SegmentInfo } from '../../meta/catalog.js';
import { keys as metaKeys, storageState } from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { LogLine } from '../../mq/open-broker.js';
import type { CompactedEvent } from '../../msg/messages.js';
import { readColumns } from '../../segment/segment-file.js';
import type { SegmentStore } from '../../segment/segment-store.js';
import type { LoadedCollection } from './collection.js';
import { isCurrent, loadBuiltIndexes, loadExactVectors } from './indexes.js';

/** Which vector fields of a segment of `rows` rows should have a built index. */
function indexedFields(info: CollectionInfo, rows: number): string[] {
  return info.indexes.filter((index) => segmentBuild(index, rows)).map((index) => index.field_name);
}

export class CompactionSwaps {
  /** Per collection, compactions not swapped in yet. */
  readonly #pending = new Map<number, CompactedEvent[]>();

  constructor(
    private readonly meta: MetaStore,
    private readonly store: SegmentStore,
    private readonly log: LogLine,
  ) {}

  /** Takes a compaction; one that replaced a segment still pending here takes over its inputs. */
  add(event: CompactedEvent): void {
    const pending = this.#pending.get(event.collectionId) ?? [];
    const from = new Set(event.from);
    const merged = { ...event, from: [...event.from] };
    for (const earlier of pending.filter((p) => p.to !== null && from.has(p.to))) {
      merged.from = [...merged.from.filter((id) => id !== earlier.to), ...earlier.from];
    }
    this.#pending.set(event.collectionId, [...pending.filter((p) => p.to === null || !from.has(p.to)), merged]);
  }

  forget(collectionId: number): void {
    this.#pending.delete(collectionId);
  }

  /** Swaps in every pending compaction of the collection whose new segment is ready. */
  async trySwaps(collection: LoadedCollection): Promise<void> {
    const pending = this.#pending.get(collection.info.id) ?? [];
    const left: CompactedEvent[] = [];
    for (const event of pending) if (!(await this.#trySwap(collection, event))) left.push(event);
    if (left.length > 0) this.#pending.set(collection.info.id, left);
    else this.#pending.delete(collection.info.id);
  }

  /** True when the compaction is done with: swapped in, or nothing here to replace. */
  async #trySwap(collection: LoadedCollection, event: CompactedEvent): Promise<boolean> {
    const olds = collection.segments.filter((s) => s.id !== undefined && event.from.includes(s.id));
    if (olds.length === 0) return true; // loaded after the compaction: the catalog already had the new segment
    if (event.to === null) {
      await collection.replaceSegments(olds, undefined);
      return true;
    }
    const info = collection.info;
    const state = storageState(info.id, await this.meta.entries(metaKeys.storage(info.id)));
    const made = state.segments.find((s) => s.id === event.to);
    if (!made) return false; // compacted again: that later compaction takes these inputs over
    const records = state.segmentIndexes.filter((r) => r.segmentId === made.id && isCurrent(info, r));
    if (!indexedFields(info, made.rows).every((field) => records.some((r) => r.field === field))) return false;
    let indexes = (await loadBuiltIndexes(this.store, info, records, () => made.rows, collection.mapped, this.log)).get(made.id);
    indexes = await loadExactVectors(this.store, made, (field) => collection.metricOf(field), collection.mapped, indexes);
    const fresh = await collection.sealedSegment(made, await readColumns(this.store, columnsToRead(made, indexes)), indexes);
    await collection.replaceSegments(olds, fresh); // which retires the old segments
    return true;
  }
}

/** A segment's columns to read into memory: all but the vector fields whose index was loaded. */
export function columnsToRead(segment: SegmentInfo, indexes: Map<string, unknown> | undefined): SegmentInfo['columns'] {
  return segment.columns.filter((c) => !indexes?.has(c.name));
}
