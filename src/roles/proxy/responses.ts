/**
 * Results in the shapes of @zilliz/milvus2-sdk-node's responses, so that code written for
 * its MilvusClient reads them unchanged. Failures are not statuses here: they reject with a
 * typed QuiverError.
 */
export const SUCCESS = Object.freeze({ error_code: 'Success', reason: '', code: 0, retriable: false, detail: '', extra_info: {} });

export type Status = typeof SUCCESS;

/** A row of a query or get: field name to value, as the SDK types it. */
// biome-ignore lint/suspicious/noExplicitAny: values of every field type, as in the SDK
export type QueryRow = Record<string, any>;

export function ok<T extends object>(body: T): T & { status: Status } {
  return { status: SUCCESS, ...body };
}

/** Keys as the SDK returns them: Int64 as decimal strings. */
export function idsOf(keys: (bigint | string)[]): { int_id: { data: string[] } } | { str_id: { data: string[] } } {
  if (keys.length > 0 && typeof keys[0] === 'string') return { str_id: { data: keys as string[] } };
  return { int_id: { data: keys.map((k) => k.toString()) } };
}

export interface MutationResult {
  status: Status;
  succ_index: number[];
  err_index: number[];
  acknowledged: boolean;
  insert_cnt: string;
  delete_cnt: string;
  upsert_cnt: string;
  timestamp: string;
  IDs: ReturnType<typeof idsOf>;
}

export function mutationResult(kind: 'insert' | 'delete' | 'upsert', keys: (bigint | string)[], count: number, ts: bigint): MutationResult {
  return ok({
    succ_index: kind === 'delete' ? [] : keys.map((_, i) => i),
    err_index: [],
    acknowledged: true,
    insert_cnt: kind === 'insert' ? String(count) : '0',
    delete_cnt: kind === 'delete' ? String(count) : '0',
    upsert_cnt: kind === 'upsert' ? String(count) : '0',
    timestamp: ts.toString(),
    IDs: idsOf(keys),
  });
}
