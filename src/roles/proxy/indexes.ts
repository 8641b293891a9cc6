/**
 * Index tasks (createIndex, describeIndex, listIndexes, dropIndex). An index is a catalog
 * entry per vector field; the index node builds it for every sealed segment in the
 * background, and the query node swaps each built index in. Until then a segment is searched
 * exactly, so a search never waits for an index and never misses a row. A scalar field's
 * index (src/indexes/scalar-index.ts) is built by the query node itself, in memory.
 *
 * Unlike Milvus, createIndex on a field that has an index replaces it (segments are rebuilt
 * in the background and searched with their old index meanwhile), and neither call needs
 * the collection released.
 */
import { IndexNotFoundError, InvalidArgumentError } from '../../errors.js';
import { checkScalarIndex } from '../../indexes/scalar-index.js';
import { checkVectorIndex, segmentBuild } from '../../indexes/segment-index.js';
import { type CollectionInfo, type IndexInfo, keys as metaKeys, type ScalarIndexInfo, type SegmentIndexInfo, storageState } from '../../meta/catalog.js';
import type { Field, MetricType } from '../../schema/schema.js';
import { vectorFields } from '../../schema/schema.js';
import type { ProxyContext } from './context.js';
import { ok } from './responses.js';

function metricOf(value: unknown, fallback: MetricType): MetricType {
  if (value === undefined || value === null || value === '') return fallback;
  const metric = String(value).toUpperCase();
  if (metric !== 'L2' && metric !== 'IP' && metric !== 'COSINE')
    throw new InvalidArgumentError(`metric_type must be L2, IP or COSINE, got ${JSON.stringify(value)}`);
  return metric;
}

/** The SDK's two request forms: `{ index_type, metric_type, params }`, or `extra_params` with params as JSON text. */
function indexRequest(request: Record<string, unknown>): { indexType: unknown; metricType: unknown; params: unknown } {
  const extra = request.extra_params as Record<string, unknown> | undefined;
  if (extra === undefined) return { indexType: request.index_type, metricType: request.metric_type, params: request.params };
  let params: unknown = extra.params;
  if (typeof params === 'string') {
    try {
      params = JSON.parse(params);
    } catch {
      throw new InvalidArgumentError(`extra_params.params must be JSON text, got ${JSON.stringify(params)}`);
    }
  }
  return { indexType: extra.index_type, metricType: extra.metric_type, params };
}

async function createOne(ctx: ProxyContext, request: Record<string, unknown>): Promise<void> {
  const info = ctx.catalog.get(request.collection_name);
  const field = info.schema.fields.find((f) => f.name === request.field_name);
  if (!field) throw new InvalidArgumentError(`collection "${info.name}" has no field ${JSON.stringify(request.field_name)}`);
  if (!vectorFields(info.schema).includes(field)) return createScalar(ctx, info, field, request);
  const current = info.indexes.find((i) => i.field_name === field.name) as IndexInfo;
  const { indexType, metricType, params } = indexRequest(request);
  const checked = checkVectorIndex(indexType, params, field.dim as number);
  const index: IndexInfo = {
    field_name: field.name,
    index_name: request.index_name === undefined ? field.name : String(request.index_name),
    ...checked,
    metric_type: metricOf(metricType ?? (params as Record<string, unknown> | undefined)?.metric_type, current.metric_type),
    id: await ctx.catalogIds.alloc(1).then(Number),
  };
  const same =
    !current.dropped && current.index_type === index.index_type && current.metric_type === index.metric_type && current.index_name === index.index_name;
  if (same && JSON.stringify(current.params) === JSON.stringify(index.params)) return; // as Milvus: the same index again is a no-op
  await ctx.catalog.put({ ...info, indexes: info.indexes.map((i) => (i.field_name === field.name ? index : i)) });
  await ctx.reads.waitForLoadState(info.id); // a new metric or a replaced index applies to the next search
}

/** A scalar field's index: in the catalog, then built by the query node for every sealed segment before this resolves. */
async function createScalar(ctx: ProxyContext, info: CollectionInfo, field: Field, request: Record<string, unknown>): Promise<void> {
  const index: ScalarIndexInfo = {
    field_name: field.name,
    index_name: request.index_name === undefined ? field.name : String(request.index_name),
    index_type: checkScalarIndex(indexRequest(request).indexType, field),
    id: await ctx.catalogIds.alloc(1).then(Number),
  };
  const others = (info.scalarIndexes ?? []).filter((i) => i.field_name !== field.name);
  const current = info.scalarIndexes?.find((i) => i.field_name === field.name);
  if (current && current.index_type === index.index_type && current.index_name === index.index_name) return; // the same again: a no-op
  await ctx.catalog.put({ ...info, scalarIndexes: [...others, index] });
  await ctx.reads.waitForLoadState(info.id);
}

export async function createIndex(ctx: ProxyContext, request: Record<string, unknown> | Record<string, unknown>[]) {
  for (const one of Array.isArray(request) ? request : [request]) await createOne(ctx, one);
  return ok({});
}

/** The indexes a request names (by field_name or index_name; all when it names none), dropped ones left out. */
function named(info: CollectionInfo, request: Record<string, unknown>): { vectors: IndexInfo[]; scalars: ScalarIndexInfo[] } {
  const matches = (i: { field_name: string; index_name: string }) =>
    (request.field_name === undefined || i.field_name === request.field_name) &&
    (request.index_name === undefined || request.index_name === '' || i.index_name === request.index_name);
  const vectors = info.indexes.filter((i) => !i.dropped && matches(i));
  const scalars = (info.scalarIndexes ?? []).filter(matches);
  if (vectors.length === 0 && scalars.length === 0) {
    const which = request.index_name ?? request.field_name;
    throw new IndexNotFoundError(`collection "${info.name}" has no index${which === undefined ? '' : ` ${JSON.stringify(which)}`}`);
  }
  return { vectors, scalars };
}

export async function describeIndex(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const { vectors: indexes, scalars } = named(info, request);
  const stored = storageState(info.id, await ctx.meta.entries(metaKeys.storage(info.id)));
  const sealedRows = String(stored.segments.reduce((sum, s) => sum + s.rows, 0));
  const built = new Map<string, SegmentIndexInfo>(stored.segmentIndexes.map((x) => [`${x.segmentId}/${x.field}`, x]));
  // A loaded collection's segment counts once searches go through its index, not when it is built.
  const loaded = await ctx.reads.loadedSegments(info.id);
  const served =
    loaded &&
    new Map<string, number>(
      loaded.filter((s) => s.state === 'sealed').flatMap((s) => Object.entries(s.indexes).map(([field, id]): [string, number] => [`${s.id}/${field}`, id])),
    );
  return ok({
    index_descriptions: [
      ...indexes.map((index) => {
        // Rows of sealed segments with a current index, against rows of all sealed segments;
        // segments too small to index count as indexed (they are searched exactly by design).
        let indexed = 0;
        let total = 0;
        for (const segment of stored.segments) {
          total += segment.rows;
          const key = `${segment.id}/${index.field_name}`;
          const current = built.get(key)?.indexId === index.id && (served === undefined || served.get(key) === index.id);
          if (current || !segmentBuild(index, segment.rows)) indexed += segment.rows;
        }
        return {
          index_name: index.index_name,
          indexID: index.id ?? 0,
          field_name: index.field_name,
          params: [
            { key: 'index_type', value: index.index_type },
            { key: 'metric_type', value: index.metric_type },
            { key: 'params', value: JSON.stringify(index.params) },
          ],
          indexed_rows: String(indexed),
          total_rows: String(total),
          pending_index_rows: String(total - indexed),
          state: indexed === total ? 'Finished' : 'InProgress',
          index_state_fail_reason: '',
        };
      }),
      ...scalars.map((index) => ({
        index_name: index.index_name,
        indexID: index.id,
        field_name: index.field_name,
        params: [{ key: 'index_type', value: index.index_type }],
        // Built by the query node before createIndex resolved, and as each segment loads or seals.
        indexed_rows: sealedRows,
        total_rows: sealedRows,
        pending_index_rows: '0',
        state: 'Finished',
        index_state_fail_reason: '',
      })),
    ],
  });
}

export function listIndexes(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const wanted = (i: { field_name: string }) => request.field_name === undefined || i.field_name === request.field_name;
  const indexes = [...info.indexes.filter((i) => !i.dropped && wanted(i)), ...(info.scalarIndexes ?? []).filter(wanted)];
  return ok({ indexes: indexes.map((i) => i.index_name) });
}

/** Drops the index; the field keeps its metric and its segments are searched exactly again. */
export async function dropIndex(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const { vectors, scalars } = named(info, request);
  const dropped = new Set(vectors.map((i) => i.field_name));
  await ctx.catalog.put({
    ...info,
    indexes: info.indexes.map((i) => (dropped.has(i.field_name) ? { ...i, dropped: true } : i)),
    scalarIndexes: (info.scalarIndexes ?? []).filter((i) => !scalars.includes(i)),
  });
  await ctx.reads.waitForLoadState(info.id);
  return ok({});
}
