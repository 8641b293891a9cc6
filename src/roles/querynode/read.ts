/**
 * Searches and queries over a loaded collection's segments. The map-reduce is native
 * (native/segment/segment_reads.h): each segment is searched with a bitset of the rows the
 * read must not see (deletes and rows newer than the read timestamp), then the per-segment
 * top k are merged by score, ties by the smaller key, each key once. Output fields are
 * fetched here, for the survivors only.
 */
import { native } from '../../errors.js';
import type { NativeFlatIndex, NativeRowRefs } from '../../native/binding.js';
import { loadNative } from '../../native/load.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD } from '../../schema/schema.js';
import type { Hit, Key, QueryRequest, SearchRequest } from '../query-service.js';
import type { LoadedCollection } from './collection.js';
import type { Segment } from './segment.js';

interface RowRef {
  segment: Segment;
  row: number;
  key: Key;
}

/** Fills each row's output fields: scalars from the columns, vectors from the indexes, dynamic keys from '$meta'. */
async function fetchFields(collection: LoadedCollection, refs: RowRef[], outputFields: string[]): Promise<Record<string, unknown>[]> {
  const schemaFields = new Map(collection.info.schema.fields.map((f) => [f.name, f]));
  const vectorNames = outputFields.filter((name) => schemaFields.get(name)?.dataType === DataType.FloatVector);
  const vectors = new Map<Segment, Map<string, Map<number, number[]>>>();
  const bySegment = new Map<Segment, number[]>();
  if (vectorNames.length > 0) {
    for (const ref of refs) {
      const rows = bySegment.get(ref.segment) ?? [];
      bySegment.set(ref.segment, rows);
      rows.push(ref.row);
    }
  }
  for (const name of vectorNames) {
    for (const [segment, rows] of bySegment) {
      const index = segment.vectors.get(name);
      if (!index) continue;
      const packed = await native(() => index.vectors(Uint32Array.from(rows)));
      const dim = index.dim;
      const perRow = new Map(rows.map((row, i) => [row, Array.from(packed.subarray(i * dim, i * dim + dim))]));
      if (!vectors.has(segment)) vectors.set(segment, new Map());
      (vectors.get(segment) as Map<string, Map<number, number[]>>).set(name, perRow);
    }
  }
  const pk = collection.info.schema.fields.find((f) => f.isPrimaryKey)?.name as string;
  return refs.map(({ segment, row, key }) => {
    const out: Record<string, unknown> = { [pk]: typeof key === 'bigint' ? key.toString() : key };
    for (const name of outputFields) {
      if (name === pk) continue;
      if (vectorNames.includes(name)) {
        out[name] = vectors.get(segment)?.get(name)?.get(row);
        continue;
      }
      const column = name === DYNAMIC_FIELD ? undefined : segment.columns.get(name);
      if (column) {
        out[name] = column.valueAt(row);
        continue;
      }
      // A key of the dynamic field, or '$meta' itself (all of them, flattened into the row).
      const meta = segment.columns.get(DYNAMIC_FIELD)?.raw(row) as Record<string, unknown> | undefined;
      if (!meta) continue;
      if (name === DYNAMIC_FIELD) Object.assign(out, meta);
      else if (name in meta) out[name] = meta[name];
    }
    return out;
  });
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

export async function search(collection: LoadedCollection, request: SearchRequest): Promise<Hit[][]> {
  const topk = request.limit + request.offset;
  const segments = collection.segmentsOf(request.partitionIds).filter((s) => s.rows > 0 && s.vectors.has(request.field));
  if (segments.length === 0) return Array.from({ length: request.nq }, () => []);
  const found = await native(() =>
    loadNative().SegmentRows.searchEach(
      segments.map((s) => s.keys),
      segments.map((s) => s.vectors.get(request.field) as NativeFlatIndex),
      request.queries,
      topk,
      request.readTs,
    ),
  );
  const perQuery: (RowRef & { score: number })[][] = [];
  let first = 0;
  for (let q = 0; q < request.nq; q++) {
    const end = first + found.counts[q];
    const from = Math.min(first + request.offset, end);
    perQuery.push(refsOf(segments, found, from, end).map((ref, i) => ({ ...ref, score: found.scores[from + i] })));
    first = end;
  }
  const flat = perQuery.flat();
  const fields = await fetchFields(collection, flat, request.outputFields);
  let i = 0;
  return perQuery.map((hits) => hits.map((hit) => ({ key: hit.key, score: hit.score, fields: fields[i++] })));
}

/** The rows a query selects, in key order. */
async function selectRows(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields'>): Promise<RowRef[]> {
  const wanted = request.partitionIds ? new Set(request.partitionIds) : undefined;
  if (request.keys) {
    const unique = [...new Set(request.keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const where = collection.locate(unique);
    const refs: RowRef[] = [];
    unique.forEach((key, i) => {
      const at = where[i];
      if (at && (!wanted || wanted.has(at.segment.partitionId)) && at.segment.visible(at.row, request.readTs)) refs.push({ ...at, key });
    });
    return refs.slice(request.offset, request.limit === undefined ? undefined : request.offset + request.limit);
  }
  const segments = collection.segmentsOf(request.partitionIds);
  const found = await native(() =>
    loadNative().SegmentRows.selectRows(
      segments.map((s) => s.keys),
      request.readTs,
      request.offset,
      request.limit,
    ),
  );
  return refsOf(segments, found);
}

export async function query(collection: LoadedCollection, request: QueryRequest): Promise<Record<string, unknown>[]> {
  return fetchFields(collection, await selectRows(collection, request), request.outputFields);
}

export async function count(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields' | 'offset' | 'limit'>): Promise<number> {
  if (request.keys) return (await selectRows(collection, { ...request, offset: 0 })).length;
  return collection.segmentsOf(request.partitionIds).reduce((sum, s) => sum + s.visibleCount(request.readTs), 0);
}
