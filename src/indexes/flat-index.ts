import { optionsObject, readArguments } from '../arguments.js';
import { ClosedError, InvalidArgumentError, native } from '../errors.js';
import type { NativeFlatIndex } from '../native/binding.js';
import { loadNative } from '../native/load.js';
import { type Metric, parseMetric } from './metric.js';
import { SearchResults } from './results.js';
import type { VectorIndex } from './vector-index.js';
import { checkDim, checkK, type IdsInput, toExclude, toIds, toQueries, toVectors, type VectorsInput } from './vectors.js';

export interface FlatIndexOptions {
  /** Number of dimensions of every vector. */
  dim: number;
  /** 'L2' (default), 'IP' or 'COSINE'. */
  metric?: Metric | Lowercase<Metric>;
}

export interface SearchOptions {
  /**
   * The filter bitset: rows to leave out, one bit per row, least significant bit first
   * (row r is bit r % 8 of byte r / 8). Rows are numbered from 0 in the order they were
   * added. Rows past the end of the bitset are not excluded.
   */
  exclude?: Uint8Array;
}

/**
 * Exact nearest-neighbour search: every query is compared with every vector, with SIMD
 * kernels on QuiverDB's native thread pool. Results are exact (recall 1.0), sorted best
 * first, ties broken by the smaller id.
 *
 * Every method that does work returns a Promise and leaves the event loop free. Inputs
 * are copied when the call is made, so the caller may reuse its arrays at once. A call
 * that fails changes nothing.
 */
export class FlatIndex implements VectorIndex {
  #native: NativeFlatIndex | undefined;
  readonly dim: number;
  readonly metric: Metric;

  constructor(options: FlatIndexOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError('FlatIndex needs options: { dim, metric? }');
    }
    [this.dim, this.metric] = readArguments(() => [checkDim(options.dim), parseMetric(options.metric ?? 'L2')] as const);
    const { FlatIndex: NativeFlat } = loadNative();
    this.#native = new NativeFlat(this.dim, this.metric);
  }

  /**
   * Frees the index's memory now rather than when the object is garbage collected: at once,
   * or, with searches or adds still running, as soon as they finish (they finish as usual).
   * Every later call throws ClosedError; closing twice does nothing.
   */
  close(): void {
    this.#native?.close();
    this.#native = undefined;
  }

  get #open(): NativeFlatIndex {
    if (!this.#native) throw new ClosedError('the FlatIndex is closed');
    return this.#native;
  }

  /** Vectors currently searchable (added and not removed). */
  get size(): number {
    return this.#open.size;
  }

  /** Rows ever added, removed ones included: the length a filter bitset can cover. */
  get rows(): number {
    return this.#open.rows;
  }

  /** Bytes of native memory the index holds. */
  memoryUsage(): number {
    return this.#open.memoryBytes();
  }

  /**
   * Adds vectors with their ids (int64; a number must be a safe integer). All or nothing:
   * wrong dimension, NaN or Infinity, or an id already present rejects and adds nothing.
   */
  async add(vectors: VectorsInput, ids: IdsInput): Promise<void> {
    const [packed, keys] = readArguments(() => [toVectors(vectors, this.dim, 'vector'), toIds(ids)] as const);
    if (keys.length * this.dim !== packed.length) {
      throw new InvalidArgumentError(`${packed.length / this.dim} vectors but ${keys.length} ids`);
    }
    if (keys.length === 0) return;
    await native(() => this.#open.add(packed, keys));
  }

  /**
   * The k nearest vectors of each query (one vector, or several as rows or packed).
   * k is 1 to 16384; a query with fewer than k candidates gets fewer hits.
   */
  async search(queries: VectorsInput, k: number, options?: SearchOptions): Promise<SearchResults> {
    const [packed, exclude] = readArguments(() => {
      checkK(k);
      return [toQueries(queries, this.dim), toExclude(optionsObject(options, 'search options').exclude)] as const;
    });
    const raw = await native(() => this.#open.search(packed, k, exclude));
    return new SearchResults(raw, this.metric);
  }

  /**
   * The vectors of these rows (numbered in the order they were added), row-major. COSINE
   * indexes keep vectors unit-length with their norm: those come back within float rounding.
   */
  async vectors(rows: readonly number[] | Uint32Array): Promise<Float32Array> {
    const list = readArguments(() => {
      if (!(rows instanceof Uint32Array) && !Array.isArray(rows)) throw new InvalidArgumentError('rows must be an array of row numbers');
      const out = Uint32Array.from(rows);
      if (out.some((r, i) => r !== rows[i])) throw new InvalidArgumentError('rows must be integers from 0 to 2^32 - 1');
      return out;
    });
    return native(() => this.#open.vectors(list));
  }

  /** Removes vectors by id; unknown ids are ignored. Resolves to how many were removed. */
  async remove(ids: IdsInput): Promise<number> {
    const keys = readArguments(() => toIds(ids));
    return native(() => this.#open.remove(keys));
  }
}
