import { InvalidArgumentError, native } from '../errors.js';
import type { NativeResult } from '../native/binding.js';
import { loadNative } from '../native/load.js';
import type { Metric } from './metric.js';
import { checkK } from './vectors.js';

/** The hits of one query, best first. */
export interface Hits {
  ids: BigInt64Array;
  /** L2: squared Euclidean distance (smaller is better); IP: inner product; COSINE: cosine similarity. */
  distances: Float32Array;
}

/**
 * The results of a batch of queries: nq rows of k slots, best first, ties broken by the
 * smaller id. k is the k asked for, or the number of vectors searched when that is smaller. Row i has counts[i] hits (fewer than k when fewer rows qualified); the
 * remaining slots hold id -1 and distance NaN. The flat arrays are there for code that
 * wants them without copies; at(i) and iteration give one query at a time.
 */
export class SearchResults implements Iterable<Hits> {
  readonly nq: number;
  readonly k: number;
  readonly metric: Metric;
  readonly ids: BigInt64Array;
  readonly distances: Float32Array;
  readonly counts: Uint32Array;

  constructor(raw: NativeResult, metric: Metric) {
    this.nq = raw.nq;
    this.k = raw.k;
    this.metric = metric;
    this.ids = raw.ids;
    this.distances = raw.distances;
    this.counts = raw.counts;
  }

  /** The hits of query i (views into the flat arrays, not copies). */
  at(i: number): Hits {
    if (!Number.isInteger(i) || i < 0 || i >= this.nq) throw new InvalidArgumentError(`query ${i} is not in 0..${this.nq - 1}`);
    const start = i * this.k;
    const end = start + this.counts[i];
    return { ids: this.ids.subarray(start, end), distances: this.distances.subarray(start, end) };
  }

  *[Symbol.iterator](): Iterator<Hits> {
    for (let i = 0; i < this.nq; i++) yield this.at(i);
  }

  /** @internal */
  toNative(): NativeResult {
    return { nq: this.nq, k: this.k, ids: this.ids, distances: this.distances, counts: this.counts };
  }
}

/**
 * Merges the results of the same queries over several indexes (segments) into the k best
 * per query, each id once (its best hit), ties by the smaller id.
 */
export async function mergeResults(parts: readonly SearchResults[], k: number): Promise<SearchResults> {
  checkK(k);
  if (parts.length === 0) throw new InvalidArgumentError('mergeResults needs at least one result');
  const { metric, nq } = parts[0];
  for (const part of parts) {
    if (!(part instanceof SearchResults)) throw new InvalidArgumentError('mergeResults takes SearchResults');
    if (part.metric !== metric) throw new InvalidArgumentError('cannot merge results of different metrics');
    if (part.nq !== nq) throw new InvalidArgumentError('cannot merge results of different numbers of queries');
  }
  const raw = await native(() =>
    loadNative().mergeResults(
      parts.map((p) => p.toNative()),
      k,
      metric,
    ),
  );
  return new SearchResults(raw, metric);
}
