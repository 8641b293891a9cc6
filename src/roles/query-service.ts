/**
 * The read path's seam: what the proxy asks the query node. Searches and queries never
 * travel on the log; embedded, this is an in-process call, and served, a request over NATS.
 * Everything here is plain data, so that it can cross a wire.
 */
import type { Plan } from '../expr/plan.js';
import type { ConsistencyLevel } from '../meta/catalog.js';

export type Key = bigint | string;

/** Key order (Int64 keys as numbers, VarChar keys by UTF-16 code units, as JavaScript compares). */
export function compareKeys(a: Key, b: Key): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ReadOptions {
  collectionId: number;
  /** Only these partitions (all when absent). */
  partitionIds?: number[];
  consistency: ConsistencyLevel;
  /** The MVCC timestamp: rows written after it, and deletes after it, are not seen. */
  readTs: bigint;
  /** Fields to return with each row or hit ('$meta' for the dynamic field). */
  outputFields: string[];
  /** Only rows that pass this checked filter (src/expr/plan.ts). */
  filter?: Plan;
}

export interface SearchRequest extends ReadOptions {
  field: string;
  /** nq x dim, row-major. */
  queries: Float32Array;
  nq: number;
  /** limit + offset hits are found; the first `offset` are dropped. */
  limit: number;
  offset: number;
  /** Range search: only hits within radius (and beyond rangeFilter), in the metric's terms. */
  range?: { radius: number; rangeFilter?: number };
  /** Segments with a built IVF index: lists scanned (default: by the index, see indexes/segment-index.ts), and IVF_PQ's refine. */
  nprobe?: number;
  refine?: number;
  /** Group-by search: `limit` groups of the field's values, up to `size` hits each; strict: fill every group. */
  groupBy?: { field: string; size: number; strict: boolean };
}

export interface Hit {
  key: Key;
  /** L2: squared distance (smaller is better); IP: inner product; COSINE: cosine similarity. */
  score: number;
  fields: Record<string, unknown>;
}

/**
 * The hits of every query of a search, column-wise (one object per hit would cost more than
 * the search itself on a batch of queries): query q has counts[q] hits, best first, after
 * those of the queries before it.
 */
export interface SearchHits {
  counts: Uint32Array;
  keys: ArrayLike<Key>;
  /** L2: squared distance (smaller is better); IP: inner product; COSINE: cosine similarity. */
  scores: Float32Array;
  /** Per hit, its output fields; absent when the search asked for none. */
  fields?: Record<string, unknown>[];
}

/** The fields of a hit that asks for none: one object, never changed. */
const NO_FIELDS: Record<string, unknown> = Object.freeze({});

/** Each query's hits as objects, for callers that take them one by one. */
export function hitLists(found: SearchHits): Hit[][] {
  let at = 0;
  return Array.from(found.counts, (count) =>
    Array.from({ length: count }, () => {
      const hit = { key: found.keys[at], score: found.scores[at], fields: found.fields?.[at] ?? NO_FIELDS };
      at++;
      return hit;
    }),
  );
}

export interface QueryRequest extends ReadOptions {
  /** Only rows with these keys (all rows when absent). */
  keys?: Key[];
  limit?: number;
  offset: number;
}

export interface LoadedSegmentInfo {
  /** The catalog id (undefined while growing). */
  id: number | undefined;
  partitionId: number;
  state: 'growing' | 'sealing' | 'sealed';
  rows: number;
  /** Bytes the process holds for it: keys, columns, vectors or indexes. */
  memoryBytes: number;
  /** Bytes searched in place from mapped files (mmap): page cache the kernel can drop and read again. */
  mappedBytes: number;
  /** Per vector field searched through a built index: that index's id. */
  indexes: Record<string, number>;
}

export interface QueryService {
  /** The hits of each query, best first, ties by the smaller key. */
  search(request: SearchRequest): Promise<SearchHits>;
  /** Rows in primary-key order. */
  query(request: QueryRequest): Promise<Record<string, unknown>[]>;
  count(request: Omit<QueryRequest, 'outputFields' | 'offset' | 'limit'>): Promise<number>;
  /**
   * Which of these keys have a live row. Strong waits until the log is applied to its end;
   * Eventually answers from what is applied now (right for keys no unapplied write touches).
   */
  existingKeys(collectionId: number, keys: Key[], consistency: 'Strong' | 'Eventually'): Promise<Set<Key>>;
  /**
   * How far each channel of a loaded collection is applied (the next sequence to apply), and
   * which load this is: the count changes when the collection is loaded again.
   */
  applied(collectionId: number): Promise<{ load: number; channels: Record<string, bigint> } | undefined>;
  /** Resolves once the query node has loaded (or released) the collection as the catalog says. */
  waitForLoadState(collectionId: number): Promise<void>;
  /** The segments a loaded collection is searched over, with what each holds; undefined when it is not loaded. */
  loadedSegments(collectionId: number): Promise<LoadedSegmentInfo[] | undefined>;
}
