/**
 * compact, getCompactionState, getPersistentSegmentInfo and getQuerySegmentInfo. The data node compacts on its own (automatic by default);
 * compact asks it to look at one collection now, through the coordination topic, and the
 * data node records the outcome under the compaction's id.
 */
import { InvalidArgumentError, NotLoadedError } from '../../errors.js';
import { type CompactionInfo, keys as metaKeys, storageState } from '../../meta/catalog.js';
import { COORD_TOPIC } from '../../msg/channels.js';
import { encodeCoord } from '../../msg/messages.js';
import type { ProxyContext } from './context.js';
import { ok } from './responses.js';

export async function compact(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const id = Number(await ctx.catalogIds.alloc(1));
  const record: CompactionInfo = { id, collectionId: info.id, state: 'Executing', from: [], to: [] };
  await ctx.meta.write({ [metaKeys.compaction(id)]: record });
  await ctx.broker.producer(COORD_TOPIC).send(encodeCoord({ kind: 'compact', collectionId: info.id, compactionId: id }));
  // The data node plans when it gets to it: the count of plans is known from getCompactionState's completedPlanNo.
  return ok({ compactionID: String(id), compactionPlanCount: 0 });
}

export async function getCompactionState(ctx: ProxyContext, request: Record<string, unknown>) {
  const id = Number(request.compactionID);
  if (!Number.isSafeInteger(id))
    throw new InvalidArgumentError(`compactionID must be an id that compact returned, got ${JSON.stringify(request.compactionID)}`);
  const record = await ctx.meta.get<CompactionInfo>(metaKeys.compaction(id));
  if (!record) throw new InvalidArgumentError(`no compaction ${id}`);
  const done = record.state === 'Completed';
  return ok({
    state: record.state,
    executingPlanNo: done ? '0' : '1',
    timeoutPlanNo: '0',
    completedPlanNo: String(record.to.length),
    failedPlanNo: '0',
  });
}

/** The flushed segments of a collection (what compaction works on), as the SDK's getPersistentSegmentInfo gives them. */
export async function getPersistentSegmentInfo(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collectionName ?? request.collection_name);
  const { segments } = storageState(info.id, await ctx.meta.entries(metaKeys.storage(info.id)));
  return ok({
    infos: segments.map((s) => ({
      segmentID: s.id,
      collectionID: info.id,
      partitionID: s.partitionId,
      num_rows: s.rows,
      state: 'Flushed',
      level: 'L1',
      is_sorted: false,
      storage_version: 1,
    })),
  });
}

/**
 * The segments a loaded collection is searched over, as the SDK's getQuerySegmentInfo gives
 * them: mem_size is what the process holds for each; mapped_size (QuiverDB) what mmap leaves
 * in the files' pages.
 */
export async function getQuerySegmentInfo(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collectionName ?? request.collection_name);
  const segments = await ctx.reads.loadedSegments(info.id);
  if (!segments) throw new NotLoadedError(`collection "${info.name}" is not loaded: call loadCollection first`);
  return ok({
    infos: segments.map((s) => {
      const [field, indexId] = Object.entries(s.indexes)[0] ?? [];
      return {
        segmentID: s.id ?? 0,
        collectionID: info.id,
        partitionID: s.partitionId,
        mem_size: s.memoryBytes,
        mapped_size: s.mappedBytes,
        num_rows: s.rows,
        index_name: field === undefined ? '' : (info.indexes.find((i) => i.field_name === field)?.index_name ?? ''),
        indexID: indexId ?? 0,
        nodeID: 1,
        nodeIds: [1],
        state: s.state === 'sealed' ? 'Sealed' : 'Growing',
        level: 'L1',
        is_sorted: false,
        storage_version: 1,
      };
    }),
  });
}
