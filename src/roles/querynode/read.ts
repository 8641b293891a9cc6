/**
 * Searches and queries over a loaded collection's segments. The map-reduce is native
 * (native/segment/segment_reads.h): each segment is searched with a bitset of the rows the
 * read must not see (deletes and rows newer than the read timestamp), then the per-segment
 * top k are merged by score, ties by the smaller key, each key once. Output fields are
 * fetched here, for the survivors only.
 */
import { NonFiniteValueError, native } from '../../errors.js';
import { keyOperand } from '../../expr/key-filter.js';
import { toNativePlan } from '../../expr/native-plan.js';
import type { Plan } from '../../expr/plan.js';
import { defaultNprobe } from '../../indexes/segment-index.js';
import type { NativeFlatIndex, NativeIvfIndex, NativeKeys, NativeRowRefs } from '../../native/binding.js';
import { loadNative } from '../../native/load.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD, primaryField } from '../../schema/schema.js';
import { compareKeys, type Key, type QueryRequest, type SearchHits, type SearchRequest } from '../query-service.js';
import type { LoadedCollection } from './collection.js';
import type { Segment, SegmentColumn } from './segment.js';

interface RowRef {
  segment: Segment;
  row: number;
  key: Key;
}

/** The elements of an Int64 Array's JSON text (`[1,-2]`) as decimal strings, every digit kept. */
function int64Elements(text: string): string[] {
  return text === '[]' ? [] : text.slice(1, -1).split(',');
}

/** A column's values at some rows as results: Int64 as decimal strings, Bool as booleans, JSON parsed, nulls as null. */
function resultValues(segment: Segment, name: string, rows: Uint32Array): unknown[] {
  const column = segment.columns.get(name) as SegmentColumn;
  const { values, valid } = segment.keys.columnValues(column.index, rows);
  const out = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    if (valid && valid[i] === 0) out[i] = null;
    else if (column.type === DataType.Int64) out[i] = (values[i] as bigint).toString();
    else if (column.type === DataType.Bool) out[i] = values[i] === 1;
    else if (column.type === DataType.Array && column.elementType === DataType.Int64) out[i] = int64Elements(values[i] as string);
    else if (column.type === DataType.JSON || column.type === DataType.Array) out[i] = JSON.parse(values[i] as string);
    else out[i] = values[i];
  }
  return out;
}

/** The positions of the rows of each segment in a list of rows (to read each segment's columns once). */
function positionsBySegment(refs: readonly { segment: Segment }[]): Map<Segment, number[]> {
  const out = new Map<Segment, number[]>();
  refs.forEach((ref, i) => {
    const positions = out.get(ref.segment) ?? [];
    out.set(ref.segment, positions);
    positions.push(i);
  });
  return out;
}

/** Each row's output fields: scalars from the native columns, vectors from the indexes, dynamic keys from '$meta'. */
async function fetchFields(collection: LoadedCollection, refs: RowRef[], outputFields: string[]): Promise<Record<string, unknown>[]> {
  const pk = primaryField(collection.info.schema).name;
  const out = refs.map(({ key }): Record<string, unknown> => ({ [pk]: typeof key === 'bigint' ? key.toString() : key }));
  const wanted = outputFields.filter((name) => name !== pk);
  if (wanted.length === 0) return out;
  for (const [segment, positions] of positionsBySegment(refs)) {
    const rows = Uint32Array.from(positions, (i) => refs[i].row);
    const fields = new Map<string, unknown[]>();
    for (const name of wanted) {
      if (segment.vectors.has(name)) {
        const dim = collection.info.schema.fields.find((f) => f.name === name)?.dim as number;
        const packed = await collection.vectorsOf(segment, name, rows);
        fields.set(
          name,
          positions.map((_, j) => Array.from(packed.subarray(j * dim, (j + 1) * dim))),
        );
      } else if (segment.columns.has(name)) {
        fields.set(name, resultValues(segment, name, rows));
      } else if (segment.columns.has(DYNAMIC_FIELD) && !fields.has(DYNAMIC_FIELD)) {
        fields.set(DYNAMIC_FIELD, resultValues(segment, DYNAMIC_FIELD, rows)); // name is a dynamic key
      }
    }
    positions.forEach((position, j) => {
      const row = out[position];
      for (const name of wanted) {
        const values = name === DYNAMIC_FIELD ? undefined : fields.get(name);
        if (values) {
          row[name] = values[j];
          continue;
        }
        // A key of the dynamic field, or '$meta' itself (all of them, flattened into the row).
        const meta = fields.get(DYNAMIC_FIELD)?.[j] as Record<string, unknown> | undefined;
        if (!meta) continue;
        if (name === DYNAMIC_FIELD) Object.assign(row, meta);
        else if (name in meta) row[name] = meta[name];
      }
    });
  }
  return out;
}

/** The rows of a native read's answer, with their keys (fetched per segment, in one call each). */
function refsOf(segments: Segment[], found: NativeRowRefs, from = 0, to = found.rows.length): RowRef[] {
  const bySegment = new Map<number, number[]>();
  for (let i = from; i < to; i++) {
    const list = bySegment.get(found.segments[i]) ?? [];
    bySegment.set(found.segments[i], list);
    list.push(i);
  }
  const refs: RowRef[] = new Array(to - from);
  for (const [at, positions] of bySegment) {
    const segment = segments[at];
    const keys = segment.keys.keysAt(Uint32Array.from(positions, (i) => found.rows[i]));
    positions.forEach((i, j) => {
      refs[i - from] = { segment, row: found.rows[i], key: keys[j] };
    });
  }
  return refs;
}

/** The filter as the native evaluator takes it (every segment of a collection has the same columns). */
function nativePlan(collection: LoadedCollection, segments: Segment[], filter: Plan | undefined): string | undefined {
  if (!filter || segments.length === 0) return undefined;
  const columns = new Map([...segments[0].columns].map(([name, column]) => [name, column.index]));
  return toNativePlan(filter, columns, primaryField(collection.info.schema).name);
}

type ScoredRef = RowRef & { score: number };

/** nprobe when the search names none: by the field's index, for the largest nlist its segments were built with. */
function nprobeFor(collection: LoadedCollection, segments: Segment[], field: string): number {
  const index = collection.info.indexes.find((i) => i.field_name === field);
  const nlist = Math.max(0, ...segments.map((s) => s.built.get(field)?.nlist ?? 0));
  return index ? defaultNprobe(index, nlist) : 8;
}

type NativeHits = NativeRowRefs & { counts: Uint32Array; scores: Float32Array; keys: NativeKeys };

/** The best `topk` hits of each query over the segments, merged natively. */
async function nativeSearch(
  collection: LoadedCollection,
  segments: Segment[],
  request: SearchRequest,
  queries: Float32Array,
  topk: number,
): Promise<NativeHits> {
  const [counts, found, rows, scores, keys] = await native(() =>
    loadNative().SegmentRows.searchEach(
      segments.map((s) => s.keys),
      segments.map((s) => s.vectors.get(request.field) as NativeFlatIndex | NativeIvfIndex),
      queries,
      topk,
      collection.readAt(request.readTs),
      nativePlan(collection, segments, request.filter),
      {
        nprobe: request.nprobe ?? nprobeFor(collection, segments, request.field),
        refine: request.refine,
        radius: request.range?.radius,
        rangeFilter: request.range?.rangeFilter,
      },
    ),
  );
  return { counts, segments: found, rows, scores, keys };
}

/** A native answer's hits of each query as objects (for group-by and offsets, which pick among them). */
function scoredRefs(segments: Segment[], found: NativeHits): ScoredRef[][] {
  const keys = found.keys as ArrayLike<Key>;
  let at = 0;
  return Array.from(found.counts, (count) =>
    Array.from({ length: count }, () => {
      const hit = { segment: segments[found.segments[at]], row: found.rows[at], key: keys[at], score: found.scores[at] };
      at++;
      return hit;
    }),
  );
}

/** A search's hits, column-wise, and (made only when output fields are asked for) the rows they are. */
interface Picked {
  hits: SearchHits;
  refs: () => RowRef[];
}

/** Hits picked per query, column-wise. */
function columnsOf(perQuery: ScoredRef[][]): Picked {
  const refs = perQuery.flat();
  const hits = { counts: Uint32Array.from(perQuery, (list) => list.length), keys: refs.map((r) => r.key), scores: Float32Array.from(refs, (r) => r.score) };
  return { hits, refs: () => refs };
}

/** The hits of each query, after offset: the native answer as it is when there is no offset (no object per hit). */
async function searchHits(collection: LoadedCollection, segments: Segment[], request: SearchRequest): Promise<Picked> {
  if (request.groupBy) {
    const perQuery: ScoredRef[][] = [];
    const dim = request.queries.length / request.nq;
    for (let q = 0; q < request.nq; q++) perQuery.push(await groupedHits(collection, segments, request, request.queries.subarray(q * dim, (q + 1) * dim)));
    return columnsOf(perQuery);
  }
  const found = await nativeSearch(collection, segments, request, request.queries, request.limit + request.offset);
  if (request.offset > 0) return columnsOf(scoredRefs(segments, found).map((list) => list.slice(request.offset)));
  return { hits: { counts: found.counts, keys: found.keys as ArrayLike<Key>, scores: found.scores }, refs: () => scoredRefs(segments, found).flat() };
}

export async function search(collection: LoadedCollection, request: SearchRequest): Promise<SearchHits> {
  const segments = collection.segmentsOf(request.partitionIds).filter((s) => s.rows > 0 && s.vectors.has(request.field));
  if (segments.length === 0) {
    // Nothing to search; a query vector the native search would refuse is refused all the same.
    const bad = request.queries.findIndex((x) => !Number.isFinite(x));
    const dim = request.queries.length / request.nq;
    if (bad >= 0) throw new NonFiniteValueError(`query vector ${Math.floor(bad / dim)} has a non-finite value at dimension ${bad % dim}`);
    return { counts: new Uint32Array(request.nq), keys: [], scores: new Float32Array(0) };
  }
  const { hits, refs } = await searchHits(collection, segments, request);
  const outputFields =
    request.groupBy && !request.outputFields.includes(request.groupBy.field) ? [...request.outputFields, request.groupBy.field] : request.outputFields;
  if (outputFields.length > 0) hits.fields = await fetchFields(collection, refs(), outputFields);
  return hits;
}

/** Most hits one search may ask for (native kMaxK). */
const MAX_K = 16384;

/**
 * Group-by search for one query: the best `limit` groups (after `offset`) of the group field's
 * values, each with up to `size` hits, groups ordered by their best hit. Segments are searched
 * exactly, so asking for more hits until the groups are full (or every row was seen, or the
 * most one search returns) finds the true groups.
 */
async function groupedHits(collection: LoadedCollection, segments: Segment[], request: SearchRequest, query: Float32Array): Promise<ScoredRef[]> {
  const { field, size, strict } = request.groupBy as NonNullable<SearchRequest['groupBy']>;
  const wanted = request.offset + request.limit;
  const rows = segments.reduce((sum, s) => sum + s.rows, 0);
  for (let k = Math.min(MAX_K, wanted * size * 4); ; k = Math.min(MAX_K, k * 4)) {
    const [hits] = scoredRefs(segments, await nativeSearch(collection, segments, request, query, k));
    const values = groupValues(hits, field);
    const groups = new Map<string, ScoredRef[]>();
    hits.forEach((hit, i) => {
      const group = groups.get(values[i]) ?? [];
      groups.set(values[i], group);
      if (group.length < size) group.push(hit);
    });
    const ranked = [...groups.values()];
    const enough = ranked.length >= wanted && (!strict || ranked.slice(0, wanted).every((g) => g.length === size));
    if (enough || hits.length < k || k >= MAX_K || k >= rows) return ranked.slice(request.offset, wanted).flat();
  }
}

/** Each hit's group-field value as a Map key (null its own group). */
function groupValues(hits: ScoredRef[], field: string): string[] {
  const out = new Array<string>(hits.length);
  for (const [segment, positions] of positionsBySegment(hits)) {
    const values = resultValues(
      segment,
      field,
      Uint32Array.from(positions, (i) => hits[i].row),
    );
    positions.forEach((position, j) => {
      out[position] = JSON.stringify(values[j]);
    });
  }
  return out;
}

/** The rows a query selects, in key order. */
async function selectRows(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields'>): Promise<RowRef[]> {
  if (!request.keys) return scanRows(collection, request);
  const wanted = request.partitionIds ? new Set(request.partitionIds) : undefined;
  const readAt = collection.readAt(request.readTs);
  const unique = [...new Set(request.keys)].sort(compareKeys);
  const where = collection.locate(unique);
  let refs: RowRef[] = [];
  // Keys whose newest row came after the read (an upsert applied while it waited): the row the
  // read sees, if any, is an older one, which only a scan finds.
  const older: Key[] = [];
  unique.forEach((key, i) => {
    const at = where[i];
    if (!at) return;
    if (at.segment.keys.insertTs(at.row) > request.readTs) older.push(key);
    else if ((!wanted || wanted.has(at.segment.partitionId)) && at.segment.visible(at.row, readAt)) refs.push({ ...at, key });
  });
  if (older.length > 0) {
    const filter: Plan = { op: 'in', operand: keyOperand(primaryField(collection.info.schema)), values: older };
    refs = [...refs, ...(await scanRows(collection, { ...request, filter, offset: 0, limit: undefined }))].sort((a, b) => compareKeys(a.key, b.key));
  }
  return refs.slice(request.offset, request.limit === undefined ? undefined : request.offset + request.limit);
}

/** The rows a read sees that pass its filter (all of them without one), in key order, after offset and up to limit. */
async function scanRows(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields' | 'keys'>): Promise<RowRef[]> {
  const segments = collection.segmentsOf(request.partitionIds);
  const found = await native(() =>
    loadNative().SegmentRows.selectRows(
      segments.map((s) => s.keys),
      collection.readAt(request.readTs),
      request.offset,
      request.limit,
      nativePlan(collection, segments, request.filter),
    ),
  );
  return refsOf(segments, found);
}

export async function query(collection: LoadedCollection, request: QueryRequest): Promise<Record<string, unknown>[]> {
  return fetchFields(collection, await selectRows(collection, request), request.outputFields);
}

export async function count(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields' | 'offset' | 'limit'>): Promise<number> {
  if (request.keys) return (await selectRows(collection, { ...request, offset: 0 })).length;
  const segments = collection.segmentsOf(request.partitionIds);
  const plan = nativePlan(collection, segments, request.filter);
  if (plan)
    return native(() =>
      loadNative().SegmentRows.countRows(
        segments.map((s) => s.keys),
        collection.readAt(request.readTs),
        plan,
      ),
    );
  return segments.reduce((sum, s) => sum + s.visibleCount(collection.readAt(request.readTs)), 0);
}
