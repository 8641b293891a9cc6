import { optionsObject, readArguments } from '../arguments.js';
import { ClosedError, InvalidArgumentError, native } from '../errors.js';
import type { NativeIvfIndex, NativeIvfParams } from '../native/binding.js';
import { loadNative } from '../native/load.js';
import type { SearchOptions } from './flat-index.js';
import { type Metric, parseMetric } from './metric.js';
import { SearchResults } from './results.js';
import type { VectorIndex } from './vector-index.js';
import { checkDim, checkK, type IdsInput, positiveInteger, toExclude, toIds, toQueries, toVectors, type VectorsInput } from './vectors.js';

export type IvfType = 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';

const TYPES: readonly IvfType[] = ['IVF_FLAT', 'IVF_SQ8', 'IVF_PQ'];

export interface IvfIndexOptions {
  dim: number;
  /** 'L2' (default), 'IP' or 'COSINE'. */
  metric?: Metric | Lowercase<Metric>;
  /** 'IVF_FLAT' (default): vectors as they are; 'IVF_SQ8': 8-bit scalar codes, 4x smaller;
   * 'IVF_PQ': m one-byte product-quantiser codes per vector. */
  type?: IvfType;
  /** Number of k-means cells (default 128, as Milvus). */
  nlist?: number;
  /** IVF_PQ: number of sub-quantisers; must divide dim. */
  m?: number;
  /** IVF_PQ: bits per code; only 8. */
  nbits?: number;
  /** IVF_PQ: keep the vectors too, so that `refine` can re-rank candidates exactly. */
  keepVectors?: boolean;
  /** Seed of the k-means initialisation and sampling (default 42): same seed, same index. */
  seed?: number;
  /** k-means iterations (default 10). */
  iterations?: number;
}

export interface IvfSearchOptions extends SearchOptions {
  /** Lists scanned per query (default 8, as Milvus). More is slower and finds more. */
  nprobe?: number;
  /** IVF_PQ with keepVectors: rank k x refine candidates by codes, then re-rank exactly (default 1: off). */
  refine?: number;
}

export interface ProgressOptions {
  /** Called on the JavaScript thread with the fraction done, before the Promise settles. */
  onProgress?: (fraction: number) => void;
}

const fromNative = Symbol('fromNative');

/** The onProgress option: a function or nothing. */
function toProgress(options: ProgressOptions | undefined): ((fraction: number) => void) | undefined {
  const { onProgress } = optionsObject(options, 'options');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new InvalidArgumentError('onProgress must be a function');
  return onProgress;
}

/**
 * An inverted-file index (IVF_FLAT, IVF_SQ8 or IVF_PQ): k-means splits the space into
 * nlist cells and a search scans the nprobe cells nearest to the query. Train it on a
 * sample of your data, then add vectors; it can be saved to a file and loaded back.
 *
 * The same conventions as FlatIndex: Promise-based, work on QuiverDB's native threads,
 * typed errors, nothing changed by a call that fails. A filtered search applies the
 * bitset while scanning and keeps probing further cells until it has k hits (when k rows
 * pass). Searches may run concurrently with each other and with add.
 */
export class IvfIndex implements VectorIndex {
  #native: NativeIvfIndex | undefined;
  /** The parameters, read once: they never change, and each native read makes a new object. */
  readonly #params: Readonly<NativeIvfParams>;

  constructor(options: IvfIndexOptions);
  /** @internal */
  constructor(options: typeof fromNative, loaded: NativeIvfIndex);
  constructor(options: IvfIndexOptions | typeof fromNative, loaded?: NativeIvfIndex) {
    if (options === fromNative && loaded) {
      this.#native = loaded;
      this.#params = Object.freeze(loaded.params);
      return;
    }
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError('IvfIndex needs options: { dim, metric?, type?, nlist?, m? }');
    }
    const params = readArguments(() => IvfIndex.#checked(options));
    const { IvfIndex: NativeIvf } = loadNative();
    this.#native = new NativeIvf(params);
    this.#params = Object.freeze(this.#native.params);
  }

  /**
   * Frees the index's memory now rather than when the object is garbage collected: at once,
   * or, with work on it still running (a search, an add, a save), as soon as that finishes
   * (it finishes as usual). Every later call throws ClosedError, but for the parameters
   * (dim, metric, type, nlist, params); closing twice does nothing.
   */
  close(): void {
    this.#native?.close();
    this.#native = undefined;
  }

  get #open(): NativeIvfIndex {
    if (!this.#native) throw new ClosedError('the IvfIndex is closed');
    return this.#native;
  }

  static #checked(options: IvfIndexOptions): Partial<NativeIvfParams> & Pick<NativeIvfParams, 'dim' | 'metric' | 'type'> {
    const type = options.type ?? 'IVF_FLAT';
    if (!TYPES.includes(type)) throw new InvalidArgumentError(`type must be one of ${TYPES.join(', ')}, got ${String(type)}`);
    const params: Partial<NativeIvfParams> & Pick<NativeIvfParams, 'dim' | 'metric' | 'type'> = {
      dim: checkDim(options.dim),
      metric: parseMetric(options.metric ?? 'L2'),
      type,
      nlist: positiveInteger(options.nlist ?? 128, 'nlist'),
      keepVectors: options.keepVectors ?? false,
      seed: options.seed ?? 42,
      iterations: positiveInteger(options.iterations ?? 10, 'iterations', 1000),
    };
    if (type === 'IVF_PQ') {
      params.m = positiveInteger(options.m, 'm');
      if (params.dim % params.m !== 0) throw new InvalidArgumentError(`m (${params.m}) must divide dim (${params.dim})`);
      params.nbits = options.nbits ?? 8;
      if (params.nbits !== 8) throw new InvalidArgumentError(`nbits must be 8, got ${params.nbits}`);
    }
    if (!Number.isInteger(params.seed) || params.seed! < 0 || params.seed! > 0xffffffff) {
      throw new InvalidArgumentError(`seed must be an integer from 0 to 2^32 - 1, got ${String(params.seed)}`);
    }
    if (typeof params.keepVectors !== 'boolean') throw new InvalidArgumentError('keepVectors must be a boolean');
    return params;
  }

  /** Loads an index written by save(). Rejects with InvalidFileError for a damaged or foreign
   * file, VersionMismatchError for another format version, IoError when it cannot be read.
   * With `mmap: true` the lists are not read into memory: searches read them from the file's
   * pages, which the kernel may drop and read again (an add or remove copies them in first). */
  static async load(path: string, options: { mmap?: boolean } = {}): Promise<IvfIndex> {
    if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path must be a non-empty string');
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options must be an object');
    if (options.mmap !== undefined && typeof options.mmap !== 'boolean') throw new InvalidArgumentError('mmap must be a boolean');
    const loaded = await native(() => loadNative().IvfIndex.load(path, options.mmap === true));
    return new IvfIndex(fromNative, loaded);
  }

  /** Bytes of the lists searched in place from a mapped file (0 unless loaded with mmap): page cache, not memoryUsage(). */
  mappedUsage(): number {
    return this.#open.mappedBytes();
  }

  get dim(): number {
    return this.#params.dim;
  }
  get metric(): Metric {
    return this.#params.metric;
  }
  get type(): IvfType {
    return this.#params.type;
  }
  get nlist(): number {
    return this.#params.nlist;
  }
  /** Every parameter the index was made with. */
  get params(): Readonly<NativeIvfParams> {
    return this.#params;
  }
  get trained(): boolean {
    return this.#open.trained;
  }
  /** Vectors held. */
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
  /** How many vectors each cell holds. */
  listSizes(): Uint32Array {
    return this.#open.listSizes();
  }

  /** Learns the cells (and codes) from these vectors: at least nlist of them (256 for IVF_PQ);
   * at most 256 x nlist are sampled. Refused once the index holds vectors. */
  async train(vectors: VectorsInput, options?: ProgressOptions): Promise<void> {
    const [packed, onProgress] = readArguments(() => [toVectors(vectors, this.dim, 'training vector'), toProgress(options)] as const);
    await native(() => this.#open.train(packed, onProgress));
  }

  /** Adds vectors with their ids, all or nothing. Needs a trained index. */
  async add(vectors: VectorsInput, ids: IdsInput, options?: ProgressOptions): Promise<void> {
    const [packed, keys, onProgress] = readArguments(() => [toVectors(vectors, this.dim, 'vector'), toIds(ids), toProgress(options)] as const);
    if (keys.length * this.dim !== packed.length) {
      throw new InvalidArgumentError(`${packed.length / this.dim} vectors but ${keys.length} ids`);
    }
    if (keys.length === 0) return;
    await native(() => this.#open.add(packed, keys, onProgress));
  }

  /** The k nearest vectors of each query, scanning nprobe cells (default 8). */
  async search(queries: VectorsInput, k: number, options?: IvfSearchOptions): Promise<SearchResults> {
    const [packed, nprobe, refine, exclude] = readArguments(() => {
      checkK(k);
      const o = optionsObject(options, 'search options');
      return [
        toQueries(queries, this.dim),
        positiveInteger(o.nprobe ?? 8, 'nprobe'),
        positiveInteger(o.refine ?? 1, 'refine', 1024),
        toExclude(o.exclude),
      ] as const;
    });
    const raw = await native(() => this.#open.search(packed, k, nprobe, refine, exclude));
    return new SearchResults(raw, this.metric);
  }

  /** Removes vectors by id; unknown ids are ignored. Resolves to how many were removed. */
  async remove(ids: IdsInput): Promise<number> {
    const keys = readArguments(() => toIds(ids));
    return native(() => this.#open.remove(keys));
  }

  /** Writes the index to a file (through a temporary file, renamed into place). */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path must be a non-empty string');
    await native(() => this.#open.save(path));
  }
}
