/**
 * Rows travel and rest column-wise: one typed array per numeric field, one packed
 * Float32Array per vector field (rows x dim), and a plain array for strings, JSON, Arrays
 * and the dynamic field. This file encodes a batch of columns to bytes (for log messages
 * and segment files) and reads values back out for results.
 */
import { DataType } from './data-type.js';

export type ColumnValues = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array | unknown[];

export interface Column {
  name: string;
  type: DataType;
  values: ColumnValues;
  /** One byte per row, 0 where the value is null; absent when no row is null. */
  valid?: Uint8Array;
  /** Vector fields: the dimension. */
  dim?: number;
}

export interface ColumnHeader {
  name: string;
  type: DataType;
  dim?: number;
  /** Byte length of the values, then of the validity bytes (0 when absent). */
  bytes: number;
  validBytes: number;
}

type TypedArrayClass = new (buffer: ArrayBuffer) => Exclude<ColumnValues, unknown[]>;

const TYPED: Partial<Record<DataType, TypedArrayClass>> = {
  [DataType.Bool]: Uint8Array,
  [DataType.Int8]: Int8Array,
  [DataType.Int16]: Int16Array,
  [DataType.Int32]: Int32Array,
  [DataType.Int64]: BigInt64Array,
  [DataType.Float]: Float32Array,
  [DataType.Double]: Float64Array,
  [DataType.FloatVector]: Float32Array,
};

export function typedArrayOf(type: DataType): TypedArrayClass | undefined {
  return TYPED[type];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesOf(values: ColumnValues): Uint8Array {
  if (Array.isArray(values)) return encoder.encode(JSON.stringify(values));
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** The columns as a header and byte chunks, in header order (values, then validity). */
export function encodeColumns(columns: Column[]): { headers: ColumnHeader[]; chunks: Uint8Array[] } {
  const headers: ColumnHeader[] = [];
  const chunks: Uint8Array[] = [];
  for (const column of columns) {
    const bytes = bytesOf(column.values);
    chunks.push(bytes);
    if (column.valid) chunks.push(column.valid);
    headers.push({ name: column.name, type: column.type, dim: column.dim, bytes: bytes.byteLength, validBytes: column.valid?.byteLength ?? 0 });
  }
  return { headers, chunks };
}

/** Reads columns back from `bytes` starting at `offset`, in header order. */
export function decodeColumns(headers: ColumnHeader[], bytes: Uint8Array, offset: number): Column[] {
  const columns: Column[] = [];
  for (const header of headers) {
    const slice = bytes.subarray(offset, offset + header.bytes);
    offset += header.bytes;
    const Typed = TYPED[header.type];
    // A copy into a fresh buffer: aligned for the typed array, and not pinning the message.
    const values = Typed ? new Typed(slice.slice().buffer) : (JSON.parse(decoder.decode(slice)) as unknown[]);
    const column: Column = { name: header.name, type: header.type, values };
    if (header.dim !== undefined) column.dim = header.dim;
    if (header.validBytes > 0) column.valid = bytes.slice(offset, offset + header.validBytes);
    offset += header.validBytes;
    columns.push(column);
  }
  return columns;
}

/** Row i of a column as a result value: Int64 as a decimal string, Bool as a boolean, a vector as number[]. */
export function valueAt(column: Column, row: number): unknown {
  if (column.valid && column.valid[row] === 0) return null;
  const { values } = column;
  if (column.type === DataType.FloatVector) {
    const dim = column.dim as number;
    return Array.from((values as Float32Array).subarray(row * dim, row * dim + dim));
  }
  if (column.type === DataType.Int64) return (values as BigInt64Array)[row].toString();
  if (column.type === DataType.Bool) return (values as Uint8Array)[row] === 1;
  return values[row];
}
