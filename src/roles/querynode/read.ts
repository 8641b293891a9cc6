/**
 * Searches and queries over a loaded collection's segments (map-reduce): each segment is
 * searched natively with a bitset of the rows the read must not see (deletes and rows newer
 * than the read timestamp), then the per-segment top-k lists are merged by score, ties by
 * the smaller key, each key once; output fields are fetched for the survivors only.
 */
import { FlatIndex } from '../../indexes/flat-index.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD } from '../../schema/schema.js';
import type { Hit, Key, QueryRequest, SearchRequest } from '../query-service.js';
import type { LoadedCollection } from './collection.js';
import type { Segment } from './segment.js';

export function compareKeys(a: Key, b: Key): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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
      const packed = await index.vectors(rows);
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

export async function search(collection: LoadedCollection, request: SearchRequest): Promise<Hit[][]> {
  const higherIsBetter = collection.metricOf(request.field) !== 'L2';
  const topk = request.limit + request.offset;
  const segments = collection.segmentsOf(request.partitionIds).filter((s) => s.rows > 0 && s.vectors.has(request.field));
  // Every segment in one native job (map); the per-segment top k are merged below (reduce).
  const results = await FlatIndex.searchEach(
    segments.map((segment) => segment.vectors.get(request.field) as FlatIndex),
    request.queries,
    topk,
    segments.map((segment) => segment.hidden(request.readTs)),
  );
  const parts = segments.map((segment, i) => ({ segment, results: results[i] }));
  const perQuery: (RowRef & { score: number })[][] = [];
  for (let q = 0; q < request.nq; q++) {
    const candidates: (RowRef & { score: number })[] = [];
    for (const { segment, results } of parts) {
      const hits = results.at(q);
      for (let i = 0; i < hits.ids.length; i++) {
        const row = Number(hits.ids[i]);
        candidates.push({ segment, row, key: segment.keys.raw(row) as Key, score: hits.distances[i] });
      }
    }
    candidates.sort((a, b) => (a.score === b.score ? compareKeys(a.key, b.key) : higherIsBetter ? b.score - a.score : a.score - b.score));
    const seen = new Set<Key>();
    const best = candidates.filter((c) => !seen.has(c.key) && seen.add(c.key));
    perQuery.push(best.slice(request.offset, topk));
  }
  const flat = perQuery.flat();
  const fields = await fetchFields(collection, flat, request.outputFields);
  let i = 0;
  return perQuery.map((hits) => hits.map((hit) => ({ key: hit.key, score: hit.score, fields: fields[i++] })));
}

/** The rows a query selects, in key order (before offset and limit). */
function selectRows(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields' | 'offset' | 'limit'>): RowRef[] {
  const wanted = request.partitionIds ? new Set(request.partitionIds) : undefined;
  const refs: RowRef[] = [];
  if (request.keys) {
    for (const key of request.keys) {
      const where = collection.locate(key);
      if (!where || (wanted && !wanted.has(where.segment.partitionId)) || !where.segment.visible(where.row, request.readTs)) continue;
      refs.push({ ...where, key });
    }
  } else {
    for (const segment of collection.segmentsOf(request.partitionIds)) {
      for (let row = 0; row < segment.rows; row++) {
        if (segment.visible(row, request.readTs)) refs.push({ segment, row, key: segment.keys.raw(row) as Key });
      }
    }
  }
  const seen = new Set<Key>();
  return refs.sort((a, b) => compareKeys(a.key, b.key)).filter((r) => !seen.has(r.key) && seen.add(r.key));
}

export async function query(collection: LoadedCollection, request: QueryRequest): Promise<Record<string, unknown>[]> {
  const rows = selectRows(collection, request);
  const page = rows.slice(request.offset, request.limit === undefined ? undefined : request.offset + request.limit);
  return fetchFields(collection, page, request.outputFields);
}

export function count(collection: LoadedCollection, request: Omit<QueryRequest, 'outputFields' | 'offset' | 'limit'>): number {
  if (request.keys) return selectRows(collection, request).length;
  return collection.segmentsOf(request.partitionIds).reduce((sum, s) => sum + s.visibleCount(request.readTs), 0);
}
