/**
 * What every vector index offers, exact or approximate: a segment holds one and searches it
 * the same way. FlatIndex and IvfIndex implement it; the per-segment index issue swaps one
 * for the other under a segment.
 */
import type { SearchOptions } from './flat-index.js';
import type { Metric } from './metric.js';
import type { SearchResults } from './results.js';
import type { IdsInput, VectorsInput } from './vectors.js';

export interface VectorIndex {
  readonly dim: number;
  readonly metric: Metric;
  /** Vectors searchable (added and not removed). */
  readonly size: number;
  /** Rows ever added: the length a filter bitset can cover. */
  readonly rows: number;
  add(vectors: VectorsInput, ids: IdsInput): Promise<void>;
  /** The k nearest of each query; `exclude` is the filter bitset over rows. */
  search(queries: VectorsInput, k: number, options?: SearchOptions): Promise<SearchResults>;
  remove(ids: IdsInput): Promise<number>;
  /** Bytes of native memory held. */
  memoryUsage(): number;
  /** Frees the native memory now (once running work on it is done); later calls throw ClosedError. */
  close(): void;
}
