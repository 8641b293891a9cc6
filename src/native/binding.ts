/**
 * The addon's wire types: what each class and function exported by native/binding/*.cpp
 * takes and returns. The public classes wrap these; nothing else should call them.
 */
export type NativeMetric = 'L2' | 'IP' | 'COSINE';

/** A batch of results as the addon returns them: nq rows of k slots, best first. */
export interface NativeResult {
  nq: number;
  k: number;
  ids: BigInt64Array;
  distances: Float32Array;
  counts: Uint32Array;
}

/** What a read sees: rows at or before a read timestamp; with a collection TTL, also inserted at or after expiredBefore. */
export type NativeReadAt = bigint | { ts: bigint; expiredBefore: bigint };

export interface NativeFlatIndex {
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void>;
  /** Adds a vector column file's rows (ids: row numbers), checked against its CRC-32C; nothing passes through JavaScript. */
  addFromFile(path: string, rows: number, crc: number): Promise<void>;
  search(queries: Float32Array, k: number, exclude?: Uint8Array): Promise<NativeResult>;
  remove(ids: BigInt64Array): Promise<number>;
  /** The vectors of these rows as added (rows x dim); COSINE ones within float rounding. */
  vectors(rows: Uint32Array): Promise<Float32Array>;
  /** No more rows to come: gives back the capacity growth left (one copy, on the pool). */
  shrink(): Promise<void>;
  /** Frees the index once queued work on it is done; later calls throw ClosedError. */
  close(): void;
  memoryBytes(): number;
  readonly size: number;
  readonly rows: number;
  readonly dim: number;
  readonly metric: NativeMetric;
}

/** Exact search over a sealed segment's vector file, mapped read-only (rows are their ids). */
export interface NativeMappedFlatIndex {
  vectors(rows: Uint32Array): Promise<Float32Array>;
  /** What the process holds: a norm per row for COSINE, else nothing. */
  memoryBytes(): number;
  /** The file's size: pages the kernel may drop and read again. */
  mappedBytes(): number;
  /** Unmaps the file once queued work on it is done; later calls throw ClosedError. */
  close(): void;
  readonly rows: number;
  readonly dim: number;
}

export type NativeIvfType = 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';

export interface NativeIvfParams {
  dim: number;
  metric: NativeMetric;
  type: NativeIvfType;
  nlist: number;
  m: number;
  nbits: number;
  keepVectors: boolean;
  seed: number;
  iterations: number;
}

export interface NativeIvfIndex {
  train(vectors: Float32Array, onProgress?: (fraction: number) => void): Promise<void>;
  add(vectors: Float32Array, ids: BigInt64Array, onProgress?: (fraction: number) => void): Promise<void>;
  /** Trains on and adds a vector column file's rows (ids: row numbers), checked against its CRC-32C; nothing passes through JavaScript. */
  buildFromFile(path: string, rows: number, crc: number): Promise<void>;
  search(queries: Float32Array, k: number, nprobe: number, refine: number, exclude?: Uint8Array): Promise<NativeResult>;
  remove(ids: BigInt64Array): Promise<number>;
  save(path: string): Promise<void>;
  /** Frees the index once queued work on it is done; later calls throw ClosedError. */
  close(): void;
  memoryBytes(): number;
  /** Bytes of lists read in place from a mapped file (0 unless loaded with map). */
  mappedBytes(): number;
  listSizes(): Uint32Array;
  readonly size: number;
  readonly rows: number;
  readonly trained: boolean;
  readonly params: NativeIvfParams;
}

/** The rocksmq.* configuration keys, as Milvus names them (defaults in brackets). */
export interface RocksMqOptions {
  /** rocksmq.path: the database folder. */
  path: string;
  /** rocksmq.retentionTimeInMinutes [4320]: messages older than this are deleted; -1 keeps them. */
  retentionTimeInMinutes?: number;
  /** rocksmq.retentionSizeInMB [8192]: per topic, the oldest messages past this size are deleted; -1: no limit. */
  retentionSizeInMB?: number;
  /** rocksmq.compactionInterval [60] seconds: how often retention runs and reclaims disk. */
  compactionInterval?: number;
  /** rocksmq.lrucacheratio [0.06]: block cache as a share of memory, kept within 512 MiB..4 GiB. */
  lrucacheratio?: number;
  /** rocksmq.compressionTypes [[0,0,7,7,7]]: per level, 0 none or 7 zstd. */
  compressionTypes?: number[];
  /** Largest payload in bytes [8388608], as natsmq.server.maxPayload. */
  maxPayload?: number;
}

export interface NativeRocksMq {
  createTopic(name: string, options?: { retentionTimeInMinutes?: number; retentionSizeInMB?: number }): Promise<void>;
  dropTopic(name: string): Promise<void>;
  listTopics(): Promise<string[]>;
  topicStats(name: string): Promise<{ firstId: bigint; lastId: bigint; messages: number; bytes: number }>;
  /** Each payload is stored as the concatenation of its parts. */
  send(topic: string, payloads: Uint8Array[][]): Promise<BigInt64Array>;
  read(topic: string, from: bigint, max: number): Promise<{ ids: BigInt64Array; times: Float64Array; payloads: Uint8Array[] }>;
  groupPosition(topic: string, group: string): Promise<bigint | null>;
  createGroup(topic: string, group: string, position: bigint): Promise<void>;
  ack(topic: string, group: string, id: bigint): Promise<void>;
  dropGroup(topic: string, group: string): Promise<void>;
  enforceRetention(): Promise<number>;
  onCommit(listener: (topic: string, lastId: bigint) => void): void;
  close(): Promise<void>;
}

/** The meta store (native/meta/meta_store.h): string keys and values, synced atomic writes. */
export interface NativeMetaStore {
  get(key: string): Promise<string | null>;
  scan(prefix: string): Promise<[string, string][]>;
  write(puts: [string, string][], deletes: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Keys of one segment: Int64 keys as a BigInt64Array, VarChar keys as strings. */
export type NativeKeys = BigInt64Array | string[];

/** A segment column's type (JSON and Array values are kept as JSON text). */
export type NativeColumnType = 'bool' | 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'varchar' | 'json';

/** Column values: Bool as 0/1 bytes, numbers in their typed array, text as strings. */
export type NativeColumnValues = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array | string[];

/**
 * The keys and MVCC timestamps of one segment (native/segment/segment_rows.h), and the reads
 * over a collection's segments. Rows keep their numbers for life.
 */
export interface NativeSegmentRows {
  /** Appends a batch's values to column i (before its keys); valid: 0 marks a null. */
  appendColumn(column: number, values: NativeColumnValues, valid?: Uint8Array): void;
  /** Values of column i at these rows, and which are valid (absent: all). */
  columnValues(column: number, rows: Uint32Array): { values: NativeColumnValues; valid?: Uint8Array };
  /** Appends rows (synchronous: one batch of keys and timestamps). */
  append(keys: NativeKeys, ts: BigInt64Array): void;
  /** append() for a whole sealed segment, on the pool. */
  load(keys: NativeKeys, ts: BigInt64Array): Promise<void>;
  /** Deletes from delta files: each row of a key goes at the first of its timestamps after the row's insert. */
  applyDeletes(keys: NativeKeys, ts: BigInt64Array): Promise<void>;
  /** Deletes a row at ts; false if it was not inserted before ts or is deleted already. */
  remove(row: number, ts: bigint): boolean;
  visible(row: number, readTs: NativeReadAt): boolean;
  visibleCount(readTs: NativeReadAt): number;
  keysAt(rows: Uint32Array): NativeKeys;
  /** The deleted rows, and when each was deleted. */
  deletions(): { rows: Uint32Array; ts: BigInt64Array };
  insertTs(row: number): bigint;
  /** No more rows: drops spare capacity. */
  shrink(): void;
  /** A sorted index over column i's rows now (numbers, VarChar), which filters use where it pays; on the pool. */
  buildScalarIndex(column: number): Promise<void>;
  /** Column i is scanned again. */
  dropScalarIndex(column: number): void;
  memoryBytes(): number;
  /** Frees keys, timestamps and columns once queued work on them is done; later calls throw ClosedError. */
  close(): void;
  readonly rows: number;
  readonly deleted: number;
}

/** Where each key lives: segments[i] is an index into the list searched (-1: nowhere), rows[i] its row. */
export interface NativeRowRefs {
  segments: Int32Array | Uint32Array;
  rows: Uint32Array;
}

/** A column file as the catalog records it (sizes in bytes), and the rows of it to keep. */
export interface NativeColumnRows {
  path: string;
  bytes: number;
  crc: number;
  valueBytes: number;
  validBytes: number;
  keep: Uint32Array;
}

export interface NativeWrittenColumn {
  bytes: number;
  crc: number;
  valueBytes: number;
  validBytes: number;
}

export interface NativeBinding {
  RocksMq: { open(options: RocksMqOptions): Promise<NativeRocksMq> };
  MetaStore: { open(path: string): Promise<NativeMetaStore> };
  /** The CRC-32C of bytes, continuing from crc (synchronous: hardware CRC, several GB/s). */
  crc32c(bytes: Uint8Array, crc?: number): number;
  /** A whole file whose size and CRC-32C are known, read and checked on the I/O pool (InvalidFileError when they differ). */
  readChecked(path: string, bytes: number, crc: number): Promise<Uint8Array>;
  /**
   * Some rows of column files (each checked against its CRC-32C), source after source, written
   * as one column file at path and synced, on the background pool. `rowWidth`: bytes per row.
   */
  copyColumnRows(sources: NativeColumnRows[], rowWidth: number, path: string): Promise<NativeWrittenColumn>;
  FlatIndex: {
    new (dim: number, metric: NativeMetric): NativeFlatIndex;
  };
  SegmentRows: {
    new (keyType: 'int64' | 'varchar', columns?: NativeColumnType[]): NativeSegmentRows;
    /** Each key's newest live row over these segments. */
    findEach(segments: NativeSegmentRows[], keys: NativeKeys): NativeRowRefs & { segments: Int32Array };
    /**
     * Top k per query over the segments at readTs, merged (ties by the smaller key, each key
     * once): counts[q] hits per query, in order, and each hit's segment, row, score and key.
     * The typed arrays are views of one buffer.
     */
    searchEach(
      segments: NativeSegmentRows[],
      indexes: (NativeFlatIndex | NativeIvfIndex | NativeMappedFlatIndex)[],
      queries: Float32Array,
      k: number,
      readTs: NativeReadAt,
      plan?: string,
      options?: { nprobe?: number; refine?: number; radius?: number; rangeFilter?: number },
    ): Promise<[counts: Uint32Array, segments: Uint32Array, rows: Uint32Array, scores: Float32Array, keys: NativeKeys]>;
    /** The rows seen at readTs (and passing the filter plan) in key order, from offset, at most limit. */
    selectRows(segments: NativeSegmentRows[], readTs: NativeReadAt, offset: number, limit?: number, plan?: string): Promise<NativeRowRefs>;
    /** How many rows seen at readTs pass the filter plan. */
    countRows(segments: NativeSegmentRows[], readTs: NativeReadAt, plan: string): Promise<number>;
    /** For bench/db: the evaluator on a plan against a plain loop for its shape (native/probe/filter_probe.h). */
    measureFilter(
      segment: NativeSegmentRows,
      plan: string,
      probe: { kind: 'equals' | 'range' | 'in' | 'prefix' | 'jsonLess'; column: number; a?: number; b?: number; set?: number[]; text?: string },
      rounds: number,
    ): Promise<{ filterMs: number; loopMs: number; filterRows: number; loopRows: number }>;
  };
  IvfIndex: {
    /** background: train, add and save on the low-priority pool (index builds that searches must not wait for). */
    new (params: Partial<NativeIvfParams> & Pick<NativeIvfParams, 'dim' | 'metric' | 'type'> & { background?: boolean }): NativeIvfIndex;
    /** map: the lists stay in the file's pages (a change to the index copies them in first). */
    load(path: string, map?: boolean): Promise<NativeIvfIndex>;
  };
  MappedFlatIndex: {
    /** Maps a vector column file (rows x dim float32 first), checking its CRC-32C. */
    map(path: string, dim: number, metric: NativeMetric, crc: number, rows: number): Promise<NativeMappedFlatIndex>;
  };
  mergeResults(parts: NativeResult[], k: number, metric: NativeMetric): Promise<NativeResult>;
  /** Gives memory the allocator holds free back to the system (glibc's malloc_trim). */
  trimMemory(): Promise<void>;
  setThreads(threads: number): void;
  getThreads(): number;
  simd(): { active: string; supported: string[] };
  versions(): { napi: number; rocksdb: string };
  measureBandwidth(bytes: number, threads: number, rounds: number): Promise<number>;
  measureFmaRate(threads: number, seconds: number): Promise<number>;
}

// --- The shape, as lists the addon is checked against (test/binding.test.ts) -----------------
// Each list must name exactly the methods of its interface: the compiler refuses a missing or
// an extra name, and the test compares the lists with what the addon really exports.

type Methods<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

function names<T>(keys: Record<Methods<T>, true>): string[] {
  return Object.keys(keys).sort();
}

export const BINDING_SHAPE = {
  exports: Object.keys({
    RocksMq: true,
    MetaStore: true,
    crc32c: true,
    readChecked: true,
    copyColumnRows: true,
    FlatIndex: true,
    SegmentRows: true,
    IvfIndex: true,
    MappedFlatIndex: true,
    mergeResults: true,
    trimMemory: true,
    setThreads: true,
    getThreads: true,
    simd: true,
    versions: true,
    measureBandwidth: true,
    measureFmaRate: true,
  } satisfies Record<keyof NativeBinding, true>).sort(),
  classes: {
    FlatIndex: names<NativeFlatIndex>({
      add: true,
      addFromFile: true,
      search: true,
      remove: true,
      vectors: true,
      shrink: true,
      close: true,
      memoryBytes: true,
    }),
    IvfIndex: names<NativeIvfIndex>({
      close: true,
      train: true,
      add: true,
      buildFromFile: true,
      search: true,
      remove: true,
      save: true,
      memoryBytes: true,
      mappedBytes: true,
      listSizes: true,
    }),
    MappedFlatIndex: names<NativeMappedFlatIndex>({ vectors: true, memoryBytes: true, mappedBytes: true, close: true }),
    RocksMq: names<NativeRocksMq>({
      createTopic: true,
      dropTopic: true,
      listTopics: true,
      topicStats: true,
      send: true,
      read: true,
      groupPosition: true,
      createGroup: true,
      ack: true,
      dropGroup: true,
      enforceRetention: true,
      onCommit: true,
      close: true,
    }),
    MetaStore: names<NativeMetaStore>({ get: true, scan: true, write: true, close: true }),
    SegmentRows: names<NativeSegmentRows>({
      append: true,
      appendColumn: true,
      columnValues: true,
      load: true,
      applyDeletes: true,
      remove: true,
      visible: true,
      visibleCount: true,
      keysAt: true,
      deletions: true,
      insertTs: true,
      shrink: true,
      buildScalarIndex: true,
      dropScalarIndex: true,
      memoryBytes: true,
      close: true,
    }),
  },
  statics: {
    RocksMq: ['open'],
    MetaStore: ['open'],
    IvfIndex: ['load'],
    MappedFlatIndex: ['map'],
    SegmentRows: ['findEach', 'searchEach', 'selectRows', 'countRows', 'measureFilter'],
  } as Record<string, string[]>,
};
