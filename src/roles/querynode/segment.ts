/**
 * A segment as the query node holds it: native SegmentRows with its keys, their insert and
 * delete timestamps (it also finds a key's row) and its scalar columns (JSON and Array values
 * as JSON text), and per vector field a native FlatIndex, or for a sealed segment the IVF
 * index the index node built. A growing segment takes rows as the log delivers them and is
 * searchable at once; a sealed one was loaded from its files. Rows keep their numbers for
 * life, so bitsets over them stay valid (an index is built with the segment's row numbers).
 *
 * A batch's columns and vectors go in first and its keys last: reads cover only rows with a
 * key (a search's bitset hides index rows that have none yet), so no read at any consistency
 * level sees a half-added row.
 */
import { native } from '../../errors.js';
import type { Metric } from '../../indexes/metric.js';
import type { SegmentInfo } from '../../meta/catalog.js';
import type {
  NativeColumnType,
  NativeColumnValues,
  NativeFlatIndex,
  NativeIvfIndex,
  NativeKeys,
  NativeMappedFlatIndex,
  NativeReadAt,
  NativeSegmentRows,
} from '../../native/binding.js';
import { loadNative } from '../../native/load.js';
import type { Column } from '../../schema/columns.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD, type Field } from '../../schema/schema.js';
import type { LoadedIndexes } from './indexes.js';

const COLUMN_TYPES: Partial<Record<DataType, NativeColumnType>> = {
  [DataType.Bool]: 'bool',
  [DataType.Int8]: 'int8',
  [DataType.Int16]: 'int16',
  [DataType.Int32]: 'int32',
  [DataType.Int64]: 'int64',
  [DataType.Float]: 'float',
  [DataType.Double]: 'double',
  [DataType.VarChar]: 'varchar',
  [DataType.JSON]: 'json',
  [DataType.Array]: 'json',
};

/** A scalar column of the segment: its place in the native rows, and its type. */
export interface SegmentColumn {
  index: number;
  type: DataType;
  /** An Array field's element type. */
  elementType?: DataType;
}

export type SegmentState = 'growing' | 'sealing' | 'sealed';

/** Vectors are handed to the native index at most this many bytes at a time. */
const ADD_PIECE_BYTES = 2 << 20;

/** A vector field's index built by the index node, in use for a sealed segment. */
export interface BuiltIndex {
  /** The IndexInfo id it was built for. */
  id: number;
  nlist: number;
}

/** How a segment holds a vector field: exact, mapped exact, or a built index. */
export type SegmentVectors = NativeFlatIndex | NativeIvfIndex | NativeMappedFlatIndex;

export class Segment {
  state: SegmentState;
  /** The catalog id, once the data node has flushed it. */
  id: number | undefined;
  /** The catalog entry (its column files), once flushed. */
  info: SegmentInfo | undefined;
  /** The log sequence of the seal message that cut it (growing segments: none yet). */
  sealSeq: bigint | undefined;
  /** Keys, insert and delete timestamps, and each key's row (native). */
  readonly keys: NativeSegmentRows;
  readonly columns = new Map<string, SegmentColumn>();
  /**
   * Per vector field: exact (a FlatIndex in memory, or with mmap a MappedFlatIndex over the
   * segment's vector file; both give vectors back) or a built IVF index.
   */
  readonly vectors = new Map<string, SegmentVectors>();
  /** The vector fields searched through a built index, and which. */
  readonly built = new Map<string, BuiltIndex>();
  /** The scalar fields with a sorted index (sealed segments), and which (its catalog id). */
  readonly scalarIndexed = new Map<string, number>();

  constructor(
    readonly partitionId: number,
    readonly channel: string,
    pk: Field,
    fields: Field[],
    metrics: Map<string, Metric>,
    state: SegmentState,
    dynamic: boolean,
    /** A sealed segment's built indexes (or mapped vector files), loaded: their fields get no FlatIndex. */
    indexes?: LoadedIndexes,
  ) {
    this.state = state;
    const addon = loadNative();
    const types: NativeColumnType[] = [];
    const addColumn = (name: string, type: DataType, elementType?: DataType) => {
      this.columns.set(name, { index: types.length, type, elementType });
      types.push(COLUMN_TYPES[type] as NativeColumnType);
    };
    for (const field of fields) {
      if (field.dataType === DataType.FloatVector) {
        const index = indexes?.get(field.name);
        if (index) {
          this.vectors.set(field.name, index.native);
          if (index.built) this.built.set(field.name, index.built);
        } else {
          this.vectors.set(field.name, new addon.FlatIndex(field.dim as number, metrics.get(field.name) ?? 'COSINE'));
        }
      } else if (!field.isPrimaryKey) {
        addColumn(field.name, field.dataType, field.elementType);
      }
    }
    if (dynamic) addColumn(DYNAMIC_FIELD, DataType.JSON);
    this.keys = new addon.SegmentRows(pk.dataType === DataType.VarChar ? 'varchar' : 'int64', types);
  }

  /** Rows appended (deleted ones included). */
  get rows(): number {
    return this.keys.rows;
  }

  get deleted(): number {
    return this.keys.deleted;
  }

  /** Appends a batch from the log: keys, their insert timestamp, and every column (the dynamic field as '$meta'). */
  async append(keys: Column, ts: bigint, columns: Column[], rows: number): Promise<void> {
    await this.#appendFields(columns, rows);
    this.keys.append(keys.values as NativeKeys, new BigInt64Array(rows).fill(ts));
  }

  /** Fills a sealed segment from its files: the fields, then the keys and their timestamps. */
  async load(keys: Column, ts: BigInt64Array, columns: Column[], rows: number): Promise<void> {
    await this.#appendFields(columns, rows);
    await native(() => this.keys.load(keys.values as NativeKeys, ts));
  }

  async #appendFields(columns: Column[], rows: number): Promise<void> {
    const first = this.rows;
    for (const column of columns) {
      const target = this.columns.get(column.name);
      if (target) this.keys.appendColumn(target.index, nativeValues(column, target, rows), column.valid?.subarray(0, rows));
    }
    const { FlatIndex } = loadNative();
    for (const column of columns) {
      const index = this.vectors.get(column.name);
      if (index instanceof FlatIndex) await addInPieces(index, column.values as Float32Array, first, rows);
    }
  }

  /**
   * Searches the field through a built index from now on (a read already running keeps the
   * index it took). Returns the index it replaced, for the caller to retire.
   */
  useIndex(field: string, index: NativeIvfIndex, built: BuiltIndex): SegmentVectors | undefined {
    const replaced = this.vectors.get(field);
    this.vectors.set(field, index);
    this.built.set(field, built);
    return replaced;
  }

  /** Searches the field exactly (its index was dropped or replaced, or its vectors are mapped now); returns what it replaced. */
  useExact(field: string, index: NativeFlatIndex | NativeMappedFlatIndex): SegmentVectors | undefined {
    const replaced = this.vectors.get(field);
    this.vectors.set(field, index);
    this.built.delete(field);
    return replaced;
  }

  /** Frees its native memory (keys, columns, vectors and indexes); the query node's Reclaimer says when. */
  close(): void {
    for (const index of this.vectors.values()) index.close();
    this.keys.close();
  }

  /** Bytes the process holds for this segment: keys, columns and vectors or indexes. */
  memoryBytes(): number {
    let bytes = this.keys.memoryBytes();
    for (const index of this.vectors.values()) bytes += index.memoryBytes();
    return bytes;
  }

  /** Bytes of its vectors or indexes searched in place from mapped files. */
  mappedBytes(): number {
    let bytes = 0;
    for (const index of this.vectors.values()) if ('mappedBytes' in index) bytes += index.mappedBytes();
    return bytes;
  }

  /** Sealed: no more rows, so keys and columns give up their spare capacity. */
  seal(info: SegmentInfo): void {
    this.state = 'sealed';
    this.id = info.id;
    this.info = info;
    this.keys.shrink();
  }

  /** Its exact vector indexes give back the capacity growth left (a sealed segment takes no more rows). */
  async shrinkVectors(): Promise<void> {
    const { FlatIndex } = loadNative();
    for (const index of this.vectors.values()) if (index instanceof FlatIndex) await native(() => index.shrink());
  }

  /** Marks row r deleted at ts, if it was inserted before ts and is not deleted yet. Returns whether it was. */
  delete(row: number, ts: bigint): boolean {
    return this.keys.remove(row, ts);
  }

  visible(row: number, at: NativeReadAt): boolean {
    return this.keys.visible(row, at);
  }

  /** Rows a read sees. */
  visibleCount(at: NativeReadAt): number {
    return this.keys.visibleCount(at);
  }
}

/**
 * Adds rows first.. of vectors to an exact index, a few MiB at a time: the binding copies each
 * piece on the JavaScript thread, which must not stall for a whole batch. (Sealed segments'
 * vectors are read by native code from their files: see loadExactVectors.)
 */
async function addInPieces(index: NativeFlatIndex, vectors: Float32Array, first: number, rows: number): Promise<void> {
  const step = Math.max(1, Math.floor(ADD_PIECE_BYTES / (index.dim * 4)));
  for (let at = 0; at < rows; at += step) {
    const n = Math.min(step, rows - at);
    const ids = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ids[i] = BigInt(first + at + i);
    await native(() => index.add(vectors.subarray(at * index.dim, (at + n) * index.dim), ids));
  }
}

/**
 * A batch column as the native column takes it: typed values as they are, text as strings
 * (JSON as text; a null as ''). Int64 Array elements, decimal strings in rows, are written as
 * JSON numbers with every digit, so that filters compare them as numbers.
 */
function nativeValues(column: Column, target: SegmentColumn, rows: number): NativeColumnValues {
  const values = column.values;
  if (!Array.isArray(values)) return values.subarray(0, rows) as NativeColumnValues;
  const text = new Array<string>(rows);
  const int64s = target.type === DataType.Array && target.elementType === DataType.Int64;
  for (let i = 0; i < rows; i++) {
    if (column.valid?.[i] === 0) text[i] = '';
    else if (target.type === DataType.VarChar) text[i] = values[i] as string;
    else if (int64s) text[i] = `[${(values[i] as string[]).join(',')}]`;
    else text[i] = JSON.stringify(values[i]) ?? 'null';
  }
  return text;
}
