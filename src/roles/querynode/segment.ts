/**
 * A segment as the query node holds it: keys, insert timestamps, delete timestamps, scalar
 * columns, and a FlatIndex per vector field (native memory). A growing segment takes rows as
 * the log delivers them and is searchable at once; a sealed one was loaded from its files.
 * Rows keep their numbers for life, so bitsets over them stay valid.
 *
 * Visibility at a read timestamp T (MVCC, as Milvus's segcore): row r is seen iff
 * insertTs[r] <= T and not (deleteTs[r] != 0 and deleteTs[r] <= T).
 */
import { FlatIndex } from '../../indexes/flat-index.js';
import type { Metric } from '../../indexes/metric.js';
import type { Column } from '../../schema/columns.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD, type Field } from '../../schema/schema.js';
import { GrowableColumn } from './growable.js';

export type SegmentState = 'growing' | 'sealing' | 'sealed';

export class Segment {
  state: SegmentState;
  /** The catalog id, once the data node has flushed it. */
  id: number | undefined;
  readonly keys: GrowableColumn;
  readonly insertTs: GrowableColumn;
  readonly columns = new Map<string, GrowableColumn>();
  readonly vectors = new Map<string, FlatIndex>();
  #deleteTs = new BigInt64Array(0);
  /** Rows with a delete timestamp, as a bitset (the search fast path). */
  #deletedBits = new Uint8Array(0);
  #deleted = 0;
  #rows = 0;
  #maxInsertTs = 0n;
  #maxDeleteTs = 0n;

  constructor(
    /** Its place in the collection's list of segments. */
    readonly index: number,
    readonly partitionId: number,
    readonly channel: string,
    pk: Field,
    fields: Field[],
    metrics: Map<string, Metric>,
    state: SegmentState,
    dynamic: boolean,
  ) {
    this.state = state;
    this.keys = new GrowableColumn(pk.name, pk.dataType);
    this.insertTs = new GrowableColumn('$ts', DataType.Int64);
    for (const field of fields) {
      if (field.dataType === DataType.FloatVector) {
        this.vectors.set(field.name, new FlatIndex({ dim: field.dim as number, metric: metrics.get(field.name) ?? 'COSINE' }));
      } else if (!field.isPrimaryKey) {
        this.columns.set(field.name, new GrowableColumn(field.name, field.dataType, field.dim));
      }
    }
    if (dynamic) this.columns.set(DYNAMIC_FIELD, new GrowableColumn(DYNAMIC_FIELD, DataType.JSON));
  }

  /** Rows appended (searchable ones; deleted rows included). */
  get rows(): number {
    return this.#rows;
  }

  get deleted(): number {
    return this.#deleted;
  }

  /**
   * Appends a batch: keys, their insert timestamp, and every column (the dynamic field as
   * '$meta'). Scalars first, so that rows the vector index returns always have their keys.
   */
  async append(keys: Column, ts: bigint | BigInt64Array, columns: Column[], rows: number): Promise<void> {
    const first = this.#rows;
    this.keys.append(keys, rows);
    const stamps = typeof ts === 'bigint' ? new BigInt64Array(rows).fill(ts) : ts;
    this.insertTs.append({ name: '$ts', type: DataType.Int64, values: stamps }, rows);
    for (const stamp of stamps) if (stamp > this.#maxInsertTs) this.#maxInsertTs = stamp;
    for (const column of columns) this.columns.get(column.name)?.append(column, rows);
    const ids = new BigInt64Array(rows);
    for (let i = 0; i < rows; i++) ids[i] = BigInt(first + i);
    await Promise.all(columns.filter((c) => this.vectors.has(c.name)).map((c) => (this.vectors.get(c.name) as FlatIndex).add(c.values as Float32Array, ids)));
    this.#rows = first + rows;
  }

  /** Sealed: no more rows, so the columns give up their spare capacity. */
  seal(id: number): void {
    this.state = 'sealed';
    this.id = id;
    this.keys.trim();
    this.insertTs.trim();
    for (const column of this.columns.values()) column.trim();
    if (this.#deleted === 0) {
      this.#deleteTs = new BigInt64Array(0);
      this.#deletedBits = new Uint8Array(0);
    }
  }

  /** Delete timestamps and bits, grown to cover the rows only once a row is deleted. */
  #growDeletes(rows: number): void {
    if (rows <= this.#deleteTs.length) return;
    const capacity = Math.max(rows, this.#deleteTs.length * 2, 1024);
    const ts = new BigInt64Array(capacity);
    ts.set(this.#deleteTs);
    this.#deleteTs = ts;
    const bits = new Uint8Array(Math.ceil(capacity / 8));
    bits.set(this.#deletedBits);
    this.#deletedBits = bits;
  }

  /** Marks row r deleted at ts, if it was inserted before ts and is not deleted yet. Returns whether it was. */
  delete(row: number, ts: bigint): boolean {
    if (this.isDeleted(row) || (this.insertTs.raw(row) as bigint) >= ts) return false;
    this.#growDeletes(this.insertTs.length);
    this.#deleteTs[row] = ts;
    this.#deletedBits[row >> 3] |= 1 << (row & 7);
    this.#deleted++;
    if (ts > this.#maxDeleteTs) this.#maxDeleteTs = ts;
    return true;
  }

  isDeleted(row: number): boolean {
    return row < this.#deleteTs.length && this.#deleteTs[row] !== 0n;
  }

  visible(row: number, readTs: bigint): boolean {
    const deleted = row < this.#deleteTs.length ? this.#deleteTs[row] : 0n;
    return (this.insertTs.raw(row) as bigint) <= readTs && (deleted === 0n || deleted > readTs);
  }

  /**
   * The rows a read at readTs must not see, as a bitset (undefined when none). Usually the
   * kept bitset of deleted rows; computed row by row only when the read is older than some
   * insert or delete of this segment.
   */
  hidden(readTs: bigint): Uint8Array | undefined {
    const rows = this.#rows;
    if (this.#maxInsertTs <= readTs && this.#maxDeleteTs <= readTs) {
      return this.#deleted === 0 ? undefined : this.#deletedBits.subarray(0, Math.min(this.#deletedBits.length, Math.ceil(rows / 8)));
    }
    const bits = new Uint8Array(Math.ceil(rows / 8));
    for (let r = 0; r < rows; r++) if (!this.visible(r, readTs)) bits[r >> 3] |= 1 << (r & 7);
    return bits;
  }

  /** Rows seen at readTs. */
  visibleCount(readTs: bigint): number {
    if (this.#maxInsertTs <= readTs && this.#maxDeleteTs <= readTs) return this.#rows - this.#deleted;
    let count = 0;
    for (let r = 0; r < this.#rows; r++) if (this.visible(r, readTs)) count++;
    return count;
  }
}
