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

type TypedArrayClass = (new (buffer: ArrayBuffer) => Exclude<ColumnValues, unknown[]>) & { BYTES_PER_ELEMENT: number };

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

/** Every chunk starts on an 8-byte boundary, so that typed arrays can be read in place. */
export const ALIGN = 8;
const PADDING = new Uint8Array(ALIGN);

export function padded(length: number): number {
  return Math.ceil(length / ALIGN) * ALIGN;
}

/**
 * One column stored from several parts (the batches it arrived in), as if they were one:
 * the header, then its chunks (the parts' values, padding, the validity bytes, padding).
 * Typed values are not copied; JSON-like values are encoded as one array.
 */
export function encodeColumnParts(parts: Column[]): { header: ColumnHeader; chunks: Uint8Array[] } {
  const first = parts[0];
  const chunks: Uint8Array[] = [];
  const pad = (length: number) => {
    if (length % ALIGN !== 0) chunks.push(PADDING.subarray(0, padded(length) - length));
  };
  let bytes = 0;
  if (typedArrayOf(first.type)) {
    for (const part of parts) {
      const b = bytesOf(part.values);
      chunks.push(b);
      bytes += b.byteLength;
    }
  } else {
    const b = bytesOf(parts.length === 1 ? first.values : parts.flatMap((p) => p.values as unknown[]));
    chunks.push(b);
    bytes = b.byteLength;
  }
  pad(bytes);
  let validBytes = 0;
  if (parts.some((p) => p.valid)) {
    const width = first.dim ?? 1;
    for (const part of parts) {
      const valid = part.valid ?? new Uint8Array(part.values.length / width).fill(1);
      chunks.push(valid);
      validBytes += valid.byteLength;
    }
    pad(validBytes);
  }
  return { header: { name: first.name, type: first.type, dim: first.dim, bytes, validBytes }, chunks };
}

/**
 * The columns as a header and byte chunks, in header order (values, then validity), each
 * chunk padded to a multiple of 8 bytes. Decoding starts at an 8-aligned offset.
 */
export function encodeColumns(columns: Column[]): { headers: ColumnHeader[]; chunks: Uint8Array[] } {
  const headers: ColumnHeader[] = [];
  const chunks: Uint8Array[] = [];
  for (const column of columns) {
    const encoded = encodeColumnParts([column]);
    headers.push(encoded.header);
    chunks.push(...encoded.chunks);
  }
  return { headers, chunks };
}

/**
 * Reads columns back from `bytes` starting at `offset` (8-aligned), in header order. Typed
 * columns are views into `bytes` (no copy) when it owns its whole buffer, copies otherwise.
 */
export function decodeColumns(headers: ColumnHeader[], bytes: Uint8Array, offset: number): Column[] {
  // Views only into a buffer that is the message's alone: a client may reuse one it shares.
  const owned = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
  const columns: Column[] = [];
  for (const header of headers) {
    const slice = bytes.subarray(offset, offset + header.bytes);
    offset += padded(header.bytes);
    const Typed = TYPED[header.type];
    let values: ColumnValues;
    if (!Typed) values = JSON.parse(decoder.decode(slice)) as unknown[];
    else if (owned && slice.byteOffset % ALIGN === 0) values = view(Typed, slice);
    else values = new Typed(new Uint8Array(slice).buffer); // a copy (Buffer's slice() would be a view)
    const column: Column = { name: header.name, type: header.type, values };
    if (header.dim !== undefined) column.dim = header.dim;
    if (header.validBytes > 0)
      column.valid = owned ? bytes.subarray(offset, offset + header.validBytes) : new Uint8Array(bytes.subarray(offset, offset + header.validBytes));
    offset += padded(header.validBytes);
    columns.push(column);
  }
  return columns;
}

function view(Typed: TypedArrayClass, slice: Uint8Array): Exclude<ColumnValues, unknown[]> {
  const Class = Typed as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => Exclude<ColumnValues, unknown[]>;
  const width = Typed.BYTES_PER_ELEMENT;
  return new Class(slice.buffer, slice.byteOffset, slice.byteLength / width);
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

/** The rows of a column at these indices. */
export function pickRows(column: Column, rows: ArrayLike<number>): Column {
  const width = column.dim ?? 1;
  const Typed = typedArrayOf(column.type);
  let values: Column['values'];
  if (Typed) {
    const out = new (Typed as unknown as new (n: number) => Exclude<Column['values'], unknown[]>)(rows.length * width);
    const source = column.values as Float32Array;
    // A run of consecutive rows is one copy: compaction keeps long runs, and a copy per row
    // of a million-row vector column would hold the JavaScript thread for a fifth of a second.
    for (let i = 0; i < rows.length; ) {
      let end = i + 1;
      while (end < rows.length && rows[end] === rows[end - 1] + 1) end++;
      (out as Float32Array).set(source.subarray(rows[i] * width, (rows[end - 1] + 1) * width), i * width);
      i = end;
    }
    values = out;
  } else {
    values = Array.from(rows, (r) => (column.values as unknown[])[r]);
  }
  const picked: Column = { name: column.name, type: column.type, values, ...(column.dim ? { dim: column.dim } : {}) };
  if (column.valid) picked.valid = Uint8Array.from(rows, (r) => (column.valid as Uint8Array)[r]);
  return picked;
}
