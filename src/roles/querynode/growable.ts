/**
 * A column that grows by appending batches: a typed array with spare capacity (doubled when
 * full), or a plain array for strings and JSON. Used for growing segments' scalar columns,
 * keys and timestamps.
 */
import { type Column, type ColumnValues, typedArrayOf, valueAt } from '../../schema/columns.js';
import type { DataType } from '../../schema/data-type.js';

type Typed = Exclude<ColumnValues, unknown[]>;
type TypedClass = new (n: number) => Typed;

export class GrowableColumn {
  readonly name: string;
  readonly type: DataType;
  readonly dim?: number;
  #values: ColumnValues;
  #valid: Uint8Array | undefined;
  #length = 0;
  readonly #width: number;
  readonly #Typed: TypedClass | undefined;

  constructor(name: string, type: DataType, dim?: number) {
    this.name = name;
    this.type = type;
    this.dim = dim;
    this.#width = dim ?? 1;
    this.#Typed = typedArrayOf(type) as unknown as TypedClass | undefined;
    this.#values = this.#Typed ? new this.#Typed(0) : [];
  }

  get length(): number {
    return this.#length;
  }

  /** Appends the rows of a batch column (same type). */
  append(column: Column, rows: number): void {
    const start = this.#length;
    const end = start + rows;
    if (this.#Typed) {
      const typed = this.#values as Typed;
      if (end * this.#width > typed.length) {
        const bigger = new this.#Typed(Math.max(end, start * 2, 1024) * this.#width);
        (bigger as unknown as { set(a: ArrayLike<unknown>): void }).set(typed.subarray(0, start * this.#width) as ArrayLike<unknown>);
        this.#values = bigger;
      }
      (this.#values as unknown as { set(a: ArrayLike<unknown>, offset: number): void }).set(column.values as ArrayLike<unknown>, start * this.#width);
    } else {
      const list = this.#values as unknown[];
      for (let i = 0; i < rows; i++) list.push((column.values as unknown[])[i]);
    }
    if (column.valid || this.#valid) {
      if (!this.#valid || this.#valid.length < end) {
        const bigger = new Uint8Array(Math.max(end, start * 2, 1024)).fill(1);
        if (this.#valid) bigger.set(this.#valid.subarray(0, start));
        this.#valid = bigger;
      }
      if (column.valid) this.#valid.set(column.valid.subarray(0, rows), start);
      else this.#valid.fill(1, start, end);
    }
    this.#length = end;
  }

  /** Drops the spare capacity (a sealed segment takes no more rows). */
  trim(): void {
    if (this.#Typed) {
      const typed = this.#values as Typed;
      if (typed.length > this.#length * this.#width) this.#values = typed.slice(0, this.#length * this.#width);
    }
    if (this.#valid && this.#valid.length > this.#length) this.#valid = this.#valid.slice(0, this.#length);
  }

  /** The values as a Column (views, not copies). */
  view(): Column {
    const values = this.#Typed ? (this.#values as Typed).subarray(0, this.#length * this.#width) : this.#values;
    return {
      name: this.name,
      type: this.type,
      values,
      ...(this.#valid ? { valid: this.#valid.subarray(0, this.#length) } : {}),
      ...(this.dim ? { dim: this.dim } : {}),
    };
  }

  valueAt(row: number): unknown {
    return valueAt(this.view(), row);
  }

  raw(row: number): unknown {
    return (this.#values as ArrayLike<unknown>)[row];
  }
}
