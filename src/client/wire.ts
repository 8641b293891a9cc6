/**
 * Requests and results as JSON between the remote client and the server: bigints (Int64
 * keys, timestamps in cursors) as `{ "$bigint": "<digits>" }`, typed arrays (vectors) as
 * arrays of numbers. Errors travel as their stable code, message and own fields, and come
 * back as the same QuiverError class.
 */
import { errorFromWire, QuiverError } from '../errors.js';

export function encode(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return v instanceof BigInt64Array || v instanceof BigUint64Array ? Array.from(v, (x) => ({ $bigint: x.toString() })) : Array.from(v as Float32Array);
    }
    return v;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, v) =>
    v !== null && typeof v === 'object' && typeof v.$bigint === 'string' && Object.keys(v).length === 1 && /^-?\d+$/.test(v.$bigint) ? BigInt(v.$bigint) : v,
  );
}

export interface WireError {
  quiverCode: string;
  message: string;
  /** The error's own fields (RowError's row and field, FilterError's position...). */
  detail: Record<string, unknown>;
}

export function errorToWire(error: unknown): WireError {
  if (error instanceof QuiverError) {
    const detail = Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'code'));
    return { quiverCode: error.code, message: error.message, detail };
  }
  return { quiverCode: 'QV_INTERNAL', message: `internal error: ${(error as Error)?.message ?? String(error)}`, detail: {} };
}

/** A server's answer (JSON text): its data, or the QuiverError it failed with, thrown. */
export function resultOf(text: string): unknown {
  const answer = decode(text) as { code: number; data?: unknown } & Partial<WireError>;
  if (answer.code === 0) return answer.data;
  throw errorFromWire(answer.quiverCode ?? 'QV_INTERNAL', answer.message ?? text, answer.detail ?? {});
}
