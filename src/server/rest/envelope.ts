/**
 * Milvus's REST envelope: `{ code: 0, data }` on success; on failure, also HTTP 200,
 * `{ code, message }` with Milvus's error code (pkg/util/merr), and QuiverDB's own stable
 * code beside it (`quiverCode`), which Milvus clients ignore and QuiverDB's client reads.
 */
import { randomBytes } from 'node:crypto';

import { QuiverError } from '../../errors.js';

/** merr codes by QuiverDB error code; anything else is 5 (internal) or, for bad input, 1100. */
const MILVUS_CODES: Record<string, number> = {
  QV_COLLECTION_NOT_FOUND: 100,
  QV_NOT_LOADED: 101,
  QV_PARTITION_NOT_FOUND: 200,
  QV_ALIAS_NOT_FOUND: 1600,
  QV_ALIAS_EXISTS: 1602,
  QV_INDEX_NOT_FOUND: 700,
  QV_INVALID_ROW: 1804,
  QV_CLOSED: 1,
  QV_BROKER_UNAVAILABLE: 2,
  QV_TIMEOUT: 2,
  QV_INTERNAL: 5,
};

export const FORMAT_ERROR = 1801;
export const MISSING_PARAMS = 1802;
export const INVALID_PARAMETER = 1100;
export const DATABASE_NOT_FOUND = 800;
export const NEED_AUTHENTICATE = 1800;

export interface Envelope {
  code: number;
  data?: unknown;
  message?: string;
  quiverCode?: string;
}

export function success(data: unknown): Envelope {
  return { code: 0, data };
}

export function failure(error: unknown): Envelope {
  if (error instanceof QuiverError) {
    const code = MILVUS_CODES[error.code] ?? (error.code === 'QV_IO' || error.code === 'QV_INVALID_FILE' ? 5 : INVALID_PARAMETER);
    return { code, message: error.message, quiverCode: error.code };
  }
  return { code: 5, message: `internal error: ${(error as Error)?.message ?? String(error)}`, quiverCode: 'QV_INTERNAL' };
}

/**
 * The envelope as JSON text. With `int64` (the client sent Accept-Type-Allow-Int64: true), the
 * decimal strings it names are written as JSON numbers, every digit kept: the values in
 * `insertIds` / `upsertIds` when keys are Int64, and the named fields of result rows.
 */
export function toJson(envelope: Envelope, int64?: { fields: Set<string>; ids: boolean }): string {
  if (!int64 || envelope.code !== 0) return JSON.stringify(envelope);
  // A marker no value can forge: a fresh random tag per response.
  const tag = `\u0000${randomBytes(8).toString('hex')}:`;
  const digits = (v: unknown) => (typeof v === 'string' && /^-?\d+$/.test(v) ? `${tag}${v}` : v);
  const data = envelope.data as Record<string, unknown> | Record<string, unknown>[];
  let marked: unknown = data;
  if (Array.isArray(data)) {
    marked = data.map((row) =>
      row && typeof row === 'object' ? Object.fromEntries(Object.entries(row).map(([k, v]) => [k, int64.fields.has(k) ? digits(v) : v])) : row,
    );
  } else if (data && typeof data === 'object') {
    marked = { ...data };
    for (const key of int64.ids ? ['insertIds', 'upsertIds'] : []) {
      const list = (data as Record<string, unknown>)[key];
      if (Array.isArray(list)) (marked as Record<string, unknown>)[key] = list.map(digits);
    }
  }
  const text = JSON.stringify({ ...envelope, data: marked });
  const escaped = JSON.stringify(tag).slice(1, -1);
  return text.replaceAll(new RegExp(`"${escaped.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(-?\\d+)"`, 'g'), '$1');
}
