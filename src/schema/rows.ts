/**
 * Rows checked against a schema and turned into columns. A batch is all or nothing: the
 * first row that does not fit throws a RowError naming the row and the field.
 */
import { InvalidArgumentError, RowError } from '../errors.js';
import { type Column, type ColumnValues, typedArrayOf } from './columns.js';
import { DataType, dataTypeName, INTEGER_RANGES } from './data-type.js';
import { describe, toInt64 } from './int64.js';
import { type CollectionSchema, DYNAMIC_FIELD, type Field } from './schema.js';

/** At most this many rows in one insert or upsert. */
export const MAX_ROWS_PER_WRITE = 1 << 20;

export interface RowBatch {
  rows: number;
  columns: Column[];
  /** The primary keys, in row order (bigint for Int64, string for VarChar). */
  keys: (bigint | string)[];
}

/** Why a value does not fit its field (returned, not thrown, so that the row and field can be named). */
class Invalid {
  constructor(readonly reason: string) {}
}

/** UTF-8 bytes of a string, counted without encoding it when it clearly fits. */
function utf8Bytes(value: string, limit: number): number {
  return value.length * 3 <= limit ? value.length : Buffer.byteLength(value, 'utf8');
}

/** A scalar value of `type`, converted for its column, or why it does not fit. */
function scalar(type: DataType, value: unknown, maxLength: number | undefined): unknown {
  switch (type) {
    case DataType.Bool:
      return typeof value === 'boolean' ? (value ? 1 : 0) : new Invalid(`expected a boolean, got ${describe(value)}`);
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32: {
      const [min, max] = INTEGER_RANGES[type] as [number, number];
      if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
      return new Invalid(`expected an integer from ${min} to ${max}, got ${describe(value)}`);
    }
    case DataType.Int64: {
      const n = toInt64(value);
      return typeof n === 'bigint' ? n : new Invalid(n);
    }
    case DataType.Float:
    case DataType.Double:
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      return new Invalid(`expected a finite number, got ${describe(value)}`);
    case DataType.VarChar: {
      if (typeof value !== 'string') return new Invalid(`expected a string, got ${describe(value)}`);
      const bytes = utf8Bytes(value, maxLength as number);
      return bytes <= (maxLength as number) ? value : new Invalid(`${bytes} bytes of UTF-8 is over max_length ${maxLength}`);
    }
    default:
      return new Invalid(`${dataTypeName(type)} is not a scalar type`);
  }
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every((v) => isJson(v, depth + 1));
  }
  return false;
}

/** A value for `field` (not null), converted for its column, or why it does not fit. */
function convert(field: Field, value: unknown): unknown {
  switch (field.dataType) {
    case DataType.FloatVector: {
      const dim = field.dim as number;
      if (value instanceof Float32Array) {
        if (value.length !== dim) return new Invalid(`expected ${dim} numbers, got ${value.length}`);
        for (let d = 0; d < dim; d++) if (!Number.isFinite(value[d])) return new Invalid(`dimension ${d} is ${value[d]}, not a finite number`);
        return value;
      }
      const list = Array.isArray(value) ? (value as ArrayLike<unknown>) : undefined;
      if (!list) return new Invalid(`expected an array of ${dim} numbers, got ${describe(value)}`);
      if (list.length !== dim) return new Invalid(`expected ${dim} numbers, got ${list.length}`);
      for (let d = 0; d < dim; d++) {
        const x = list[d];
        if (typeof x !== 'number' || !Number.isFinite(x)) return new Invalid(`dimension ${d} is ${describe(x)}, not a finite number`);
      }
      return list;
    }
    case DataType.JSON:
      return isJson(value) ? value : new Invalid('expected a JSON value (objects, arrays, strings, finite numbers, booleans, null)');
    case DataType.Array: {
      if (!Array.isArray(value)) return new Invalid(`expected an array, got ${describe(value)}`);
      if (value.length > (field.maxCapacity as number)) return new Invalid(`${value.length} elements is over max_capacity ${field.maxCapacity}`);
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const element = scalar(field.elementType as DataType, value[i], field.maxLength);
        if (element instanceof Invalid) return new Invalid(`element ${i}: ${element.reason}`);
        // Int64 elements are kept as decimal strings (lossless in JSON); Bool as booleans.
        out.push(typeof element === 'bigint' ? element.toString() : field.elementType === DataType.Bool ? value[i] : element);
      }
      return out;
    }
    default:
      return scalar(field.dataType, value, field.maxLength);
  }
}

function newValues(field: Field, rows: number): ColumnValues {
  const Typed = typedArrayOf(field.dataType);
  if (!Typed) return new Array<unknown>(rows);
  const length = field.dataType === DataType.FloatVector ? rows * (field.dim as number) : rows;
  return new (Typed as unknown as new (n: number) => Exclude<ColumnValues, unknown[]>)(length);
}

/**
 * Checks the rows and builds their columns. `autoIds` gives fresh keys for an autoID
 * primary key on insert (the rows must not carry one); upsert rows always carry their key.
 */
export function toColumns(schema: CollectionSchema, rows: unknown, mode: 'insert' | 'upsert', autoIds?: (n: number) => bigint[]): RowBatch {
  if (!Array.isArray(rows) || rows.length === 0) throw new InvalidArgumentError(`${mode} needs data: a non-empty array of rows`);
  if (rows.length > MAX_ROWS_PER_WRITE) throw new InvalidArgumentError(`${mode} takes at most ${MAX_ROWS_PER_WRITE} rows at once, got ${rows.length}`);
  const n = rows.length;
  const names = new Set(schema.fields.map((f) => f.name));
  const columns: Column[] = [];
  const keys: (bigint | string)[] = new Array(n);
  let generated: bigint[] | undefined;
  for (const field of schema.fields) {
    const values = newValues(field, n);
    let valid: Uint8Array | undefined;
    const dim = field.dim ?? 0;
    const generate = field.isPrimaryKey && field.autoID && mode === 'insert';
    if (generate) generated = (autoIds as (n: number) => bigint[])(n);
    for (let r = 0; r < n; r++) {
      const row = rows[r] as Record<string, unknown>;
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new RowError(`row ${r} is not an object`, r, '');
      let value = row[field.name];
      if (generate) {
        if (value !== undefined) throw new RowError(`row ${r}: "${field.name}" is an autoID primary key: leave it out on insert`, r, field.name);
        value = (generated as bigint[])[r];
      }
      if (value === undefined || value === null) {
        if (field.defaultValue !== undefined && value === undefined) value = field.defaultValue;
        else if (field.nullable) {
          valid ??= new Uint8Array(n).fill(1);
          valid[r] = 0;
          continue;
        } else if (field.defaultValue !== undefined) value = field.defaultValue;
        else throw new RowError(`row ${r} has no value for field "${field.name}"`, r, field.name);
      }
      const converted = convert(field, value);
      if (converted instanceof Invalid)
        throw new RowError(`row ${r}, field "${field.name}" (${dataTypeName(field.dataType)}): ${converted.reason}`, r, field.name);
      if (field.dataType === DataType.FloatVector) (values as Float32Array).set(converted as ArrayLike<number>, r * dim);
      else (values as unknown[])[r] = converted;
      if (field.isPrimaryKey) keys[r] = converted as bigint | string;
    }
    columns.push({ name: field.name, type: field.dataType, values, ...(valid ? { valid } : {}), ...(field.dim ? { dim: field.dim } : {}) });
  }
  if (schema.enableDynamicField) {
    const dynamic: unknown[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const extra: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(rows[r] as object)) {
        if (names.has(key) || key === DYNAMIC_FIELD) continue;
        if (value === undefined) continue;
        if (!isJson(value)) throw new RowError(`row ${r}, dynamic field "${key}": expected a JSON value`, r, key);
        extra[key] = value;
      }
      dynamic[r] = extra;
    }
    columns.push({ name: DYNAMIC_FIELD, type: DataType.JSON, values: dynamic });
  } else {
    for (let r = 0; r < n; r++) {
      // for-in, not Object.keys: no array per row.
      for (const key in rows[r] as object) {
        if (!names.has(key)) throw new RowError(`row ${r} has a field "${key}" that the schema does not have (and the dynamic field is off)`, r, key);
      }
    }
  }
  const pk = columns.find((c) => schema.fields.find((f) => f.isPrimaryKey)?.name === c.name) as Column;
  checkUniqueKeys(pk, keys);
  return { rows: n, columns, keys };
}

/** Throws a RowError naming the first row whose key an earlier row of the batch has. */
function checkUniqueKeys(pk: Column, keys: (bigint | string)[]): void {
  // Int64 keys: a sorted copy finds whether any repeats at typed-array speed (no Set of bigints).
  if (pk.values instanceof BigInt64Array) {
    const sorted = pk.values.slice().sort();
    let repeats = false;
    for (let i = 1; i < sorted.length && !repeats; i++) repeats = sorted[i] === sorted[i - 1];
    if (!repeats) return;
  }
  const seen = new Set<bigint | string>();
  for (let r = 0; r < keys.length; r++) {
    if (seen.has(keys[r])) throw new RowError(`row ${r} repeats primary key ${String(keys[r])} of an earlier row in the batch`, r, pk.name);
    seen.add(keys[r]);
  }
}
