/**
 * Read tasks: search, query, get and count. The proxy checks the request against the
 * schema, picks the guarantee of the consistency level and the read timestamp, asks the
 * query node (over the read seam), and shapes the answer as the SDK does.
 */
import { DimensionMismatchError, InvalidArgumentError, InvalidKError, NonFiniteValueError } from '../../errors.js';
import { checkFilter } from '../../expr/check.js';
import { keysOfPlan, toKey } from '../../expr/key-filter.js';
import { parseFilter } from '../../expr/parser.js';
import type { Plan } from '../../expr/plan.js';
import type { CollectionInfo, ConsistencyLevel } from '../../meta/catalog.js';
import { DataType } from '../../schema/data-type.js';
import { DYNAMIC_FIELD, type Field, primaryField, vectorFields } from '../../schema/schema.js';
import type { Hit, Key, ReadOptions, SearchHits, SearchRequest } from '../query-service.js';
import { consistencyLevel } from './collections.js';
import { type ProxyContext, partitionByName } from './context.js';
import { int64String, int64Words, keyString } from './id-strings.js';
import { borrowFloats, returnFloats } from './query-buffers.js';
import { ok, type QueryRow, SUCCESS } from './responses.js';

/** Milvus's default topk, and its limit on offset + limit. */
export const DEFAULT_LIMIT = 100;
const MAX_WINDOW = 16384;
const MAX_NQ = 16384;
/** Reads at this timestamp see everything applied (the levels that do not take a fresh one). */
const LATEST = 2n ** 63n - 1n;

/** Fields to return: '*' is every field (and the dynamic keys); other names must be fields, or dynamic keys. */
export function outputFields(info: CollectionInfo, requested: unknown): string[] {
  if (requested === undefined || requested === null) return [];
  if (!Array.isArray(requested)) throw new InvalidArgumentError('output_fields must be an array of field names');
  const names = new Set(info.schema.fields.map((f) => f.name));
  const out = new Set<string>();
  for (const name of requested) {
    if (typeof name !== 'string') throw new InvalidArgumentError('output_fields must be an array of field names');
    if (name === '*') {
      for (const f of info.schema.fields) out.add(f.name);
      if (info.schema.enableDynamicField) out.add(DYNAMIC_FIELD);
    } else if (names.has(name) || info.schema.enableDynamicField) {
      out.add(name);
    } else {
      throw new InvalidArgumentError(`output field "${name}" is not a field of collection "${info.name}" (and its dynamic field is off)`);
    }
  }
  return [...out];
}

export async function readOptions(ctx: ProxyContext, info: CollectionInfo, request: Record<string, unknown>, fields: string[]): Promise<ReadOptions> {
  const names = request.partition_names;
  if (names !== undefined && !Array.isArray(names)) throw new InvalidArgumentError('partition_names must be an array of names');
  const partitionIds = names && names.length > 0 ? names.map((n) => partitionByName(info, n).id) : info.partitions.map((p) => p.id);
  const consistency: ConsistencyLevel = consistencyLevel(request.consistency_level, info.consistencyLevel);
  const fresh = consistency === 'Strong' || consistency === 'Session';
  return { collectionId: info.id, partitionIds, consistency, readTs: fresh ? await ctx.tso.next() : LATEST, outputFields: fields };
}

/**
 * The query node's search request: the read's options and the search's own fields, laid out
 * in one order whatever the caller gives. Objects spread together get a new hidden class per
 * search, and each property read of them in the query node then misses its inline cache.
 */
export function searchRequest(options: ReadOptions, search: Omit<SearchRequest, keyof ReadOptions> & Pick<ReadOptions, 'filter'>): SearchRequest {
  return {
    collectionId: options.collectionId,
    partitionIds: options.partitionIds,
    consistency: options.consistency,
    readTs: options.readTs,
    outputFields: options.outputFields,
    filter: search.filter,
    field: search.field,
    queries: search.queries,
    nq: search.nq,
    limit: search.limit,
    offset: search.offset,
    range: search.range,
    nprobe: search.nprobe,
    refine: search.refine,
    groupBy: search.groupBy,
  };
}

export function window(request: Record<string, unknown>, fallback: number | undefined): { limit: number | undefined; offset: number } {
  const limit = request.limit ?? request.topk ?? fallback;
  const offset = request.offset ?? 0;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1))
    throw new InvalidKError(`limit must be a positive integer, got ${JSON.stringify(limit)}`);
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
    throw new InvalidArgumentError(`offset must be a non-negative integer, got ${JSON.stringify(offset)}`);
  if ((limit ?? 0) + offset > MAX_WINDOW) throw new InvalidKError(`offset + limit must be at most ${MAX_WINDOW}, got ${offset} + ${limit}`);
  return { limit: limit as number | undefined, offset };
}

export function annsField(info: CollectionInfo, name: unknown): Field {
  const vectors = vectorFields(info.schema);
  if (name === undefined) {
    if (vectors.length === 1) return vectors[0];
    throw new InvalidArgumentError(`collection "${info.name}" has ${vectors.length} vector fields: name one with anns_field`);
  }
  const field = vectors.find((f) => f.name === name);
  if (!field) throw new InvalidArgumentError(`anns_field "${String(name)}" is not a vector field of collection "${info.name}"`);
  return field;
}

/**
 * The query vectors packed (nq x dim), and whether one vector was given on its own; packed
 * into `allocate(floats)` (a new array unless given).
 */
export function queryVectors(
  data: unknown,
  dim: number,
  allocate: (floats: number) => Float32Array = (floats) => new Float32Array(floats),
): { packed: Float32Array; nq: number; single: boolean } {
  const isVector = (v: unknown) => v instanceof Float32Array || (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number'));
  if (data === undefined) throw new InvalidArgumentError('search needs data: a vector or an array of vectors');
  const notVectors = 'search data must be a vector (numbers) or an array of vectors';
  const single = isVector(data);
  const list = (single ? [data] : data) as unknown[];
  if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError(notVectors);
  if (list.length > MAX_NQ) throw new InvalidArgumentError(`at most ${MAX_NQ} query vectors at once, got ${list.length}`);
  for (let i = 0; i < list.length; i++) {
    if (!isVector(list[i])) throw new InvalidArgumentError(notVectors);
    const length = (list[i] as ArrayLike<number>).length;
    if (length !== dim) throw new DimensionMismatchError(`query vector ${i} has ${length} dimensions, the field has ${dim}`);
  }
  const packed = allocate(list.length * dim);
  for (let i = 0; i < list.length; i++) {
    const vector = list[i] as ArrayLike<number>;
    // Floats are copied as they are; the native search refuses NaN and infinities among them.
    // Row by row: set() is a memcpy, about 20 ns a row here, less than checking that the rows
    // are views of one buffer (to copy them in one piece) cost.
    if (vector instanceof Float32Array) {
      packed.set(vector, i * dim);
      continue;
    }
    for (let d = 0; d < dim; d++) {
      if (!Number.isFinite(vector[d])) throw new NonFiniteValueError(`query vector ${i} has a non-finite value at dimension ${d}`);
      packed[i * dim + d] = vector[d];
    }
  }
  return { packed, nq: list.length, single: list.length === 1 };
}

/**
 * A range search's bounds from the search params (Milvus's `radius` and `range_filter`): L2
 * keeps range_filter <= distance < radius; IP and COSINE keep radius < score <= range_filter.
 */
export function rangeOf(params: unknown, metric: string): { radius: number; rangeFilter?: number } | undefined {
  if (params === undefined || params === null) return undefined;
  if (typeof params !== 'object') throw new InvalidArgumentError('params must be an object');
  const { radius, range_filter: rangeFilter } = params as Record<string, unknown>;
  if (radius === undefined) {
    if (rangeFilter !== undefined) throw new InvalidArgumentError('params.range_filter needs params.radius');
    return undefined;
  }
  if (typeof radius !== 'number' || !Number.isFinite(radius))
    throw new InvalidArgumentError(`params.radius must be a finite number, got ${JSON.stringify(radius)}`);
  if (rangeFilter === undefined) return { radius };
  if (typeof rangeFilter !== 'number' || !Number.isFinite(rangeFilter))
    throw new InvalidArgumentError(`params.range_filter must be a finite number, got ${JSON.stringify(rangeFilter)}`);
  if (metric === 'L2' ? rangeFilter >= radius : rangeFilter <= radius) {
    throw new InvalidArgumentError(
      metric === 'L2'
        ? `for L2, params.range_filter (${rangeFilter}) must be below params.radius (${radius}): hits have range_filter <= distance < radius`
        : `for ${metric}, params.range_filter (${rangeFilter}) must be above params.radius (${radius}): hits have radius < score <= range_filter`,
    );
  }
  return { radius, rangeFilter };
}

/** Group-by search (group_by_field, group_size, strict_group_size), checked against the schema. */
function groupByOf(info: CollectionInfo, request: Record<string, unknown>, window: number): { field: string; size: number; strict: boolean } | undefined {
  const name = request.group_by_field;
  if (name === undefined || name === null || name === '') return undefined;
  const field = info.schema.fields.find((f) => f.name === name);
  const groupable = [DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.VarChar];
  if (!field || !groupable.includes(field.dataType)) {
    throw new InvalidArgumentError(`group_by_field ${JSON.stringify(name)} must be a Bool, integer or VarChar field of collection "${info.name}"`);
  }
  const size = request.group_size ?? 1;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size * window > MAX_WINDOW) {
    throw new InvalidArgumentError(
      `group_size must be an integer from 1 with (offset + limit) x group_size at most ${MAX_WINDOW}, got ${JSON.stringify(size)}`,
    );
  }
  return { field: field.name, size, strict: request.strict_group_size === true };
}

/** IVF search params: `nprobe` (lists scanned) and `refine` (IVF_PQ re-ranking), each a positive integer. */
export function probeOf(params: unknown): { nprobe?: number; refine?: number } {
  if (params === undefined || params === null || typeof params !== 'object') return {};
  const out: { nprobe?: number; refine?: number } = {};
  for (const name of ['nprobe', 'refine'] as const) {
    const value = (params as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_536)
      throw new InvalidArgumentError(`params.${name} must be an integer from 1 to 65536, got ${JSON.stringify(value)}`);
    out[name] = value;
  }
  return out;
}

/** The metric a vector field is searched with. */
export function metricOf(info: CollectionInfo, field: Field): string {
  return info.indexes.find((i) => i.field_name === field.name)?.metric_type ?? 'COSINE';
}

/** A hit as the SDK returns it: its output fields (the key only if asked for), score and id. */
export function hitRow(hit: Pick<Hit, 'key' | 'score' | 'fields'>, fields: string[], pk: string): Record<string, unknown> {
  // Built key by key: spreading and deleting would leave V8 a slow, dictionary-mode object.
  const keepKey = fields.includes(pk);
  const row: Record<string, unknown> = {};
  for (const name in hit.fields) if (keepKey || name !== pk) row[name] = hit.fields[name];
  row.score = hit.score;
  row.id = keyString(hit.key);
  return row;
}

/** Each query's hits as the SDK returns them (see hitRow); without output fields, only score and id. */
export function hitRows(found: SearchHits, fields: string[], pk: string): Record<string, unknown>[][] {
  const { counts, keys, scores } = found;
  // Ids written as each hit is made: a batch's 1000 strings then need no array of their own.
  const words = keys instanceof BigInt64Array ? int64Words(keys) : undefined;
  const out = new Array<Record<string, unknown>[]>(counts.length);
  for (let q = 0, at = 0; q < counts.length; q++) {
    const rows = new Array<Record<string, unknown>>(counts[q]);
    for (let i = 0; i < rows.length; i++, at++) {
      rows[i] = found.fields
        ? hitRow({ key: keys[at], score: scores[at], fields: found.fields[at] }, fields, pk)
        : { score: scores[at], id: words ? int64String(keys as BigInt64Array, words, at) : keyString(keys[at]) };
    }
    out[q] = rows;
  }
  return out;
}

export async function search(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const field = annsField(info, request.anns_field);
  const queries = queryVectors(request.data ?? request.vector ?? request.vectors, field.dim as number, borrowFloats);
  try {
    return await searchWith(ctx, request, info, field, queries);
  } finally {
    returnFloats(queries.packed);
  }
}

/** A search whose query vectors are packed already (into a borrowed buffer, given back once it is answered). */
async function searchWith(
  ctx: ProxyContext,
  request: Record<string, unknown>,
  info: CollectionInfo,
  field: Field,
  { packed, nq, single }: ReturnType<typeof queryVectors>,
) {
  const { limit, offset } = window(request, DEFAULT_LIMIT);
  const filter = filterOf(info, request);
  const metric = metricOf(info, field);
  const asked = request.metric_type ?? (request.params as Record<string, unknown> | undefined)?.metric_type;
  if (asked !== undefined && String(asked).toUpperCase() !== metric) {
    throw new InvalidArgumentError(`metric_type ${JSON.stringify(asked)} does not match field "${field.name}", which uses ${metric}`);
  }
  const range = rangeOf(request.params, metric);
  const probe = probeOf(request.params);
  const groupBy = groupByOf(info, request, (limit as number) + offset);
  const fields = outputFields(info, request.output_fields);
  const options = await readOptions(ctx, info, request, fields);
  const found = await ctx.reads.search(
    searchRequest(options, {
      filter,
      field: field.name,
      queries: packed,
      nq,
      limit: limit as number,
      offset,
      range,
      nprobe: probe.nprobe,
      refine: probe.refine,
      groupBy,
    }),
  );
  const results = hitRows(found, fields, primaryField(info.schema).name);
  // Laid out here rather than spread by ok(), for the reason searchRequest gives.
  return { status: SUCCESS, results: single ? results[0] : results, recalls: [], session_ts: 0, collection_name: info.name };
}

/**
 * The rows a request selects: `ids`, or its filter (`filter`, or the SDK's older `expr`, with
 * template values from `filter_params` or `exprValues`). A filter that only names primary
 * keys (`id in [1, 2]`) becomes keys, which are looked up rather than scanned for. Neither:
 * every row.
 */
export function selection(info: CollectionInfo, request: Record<string, unknown>): { keys?: Key[]; filter?: Plan } {
  const pk = primaryField(info.schema);
  if (request.ids !== undefined) {
    if (!Array.isArray(request.ids)) throw new InvalidArgumentError('ids must be an array of primary keys');
    return { keys: request.ids.map((id) => toKey(pk, id)) };
  }
  const plan = filterOf(info, request);
  const keys = plan && keysOfPlan(plan, pk);
  return keys ? { keys } : { filter: plan };
}

/** The request's filter checked against the schema (undefined when there is none). */
export function filterOf(info: CollectionInfo, request: Record<string, unknown>): Plan | undefined {
  const text = request.filter ?? request.expr;
  if (text === undefined || text === null || (typeof text === 'string' && text.trim() === '')) return undefined;
  if (typeof text !== 'string') throw new InvalidArgumentError('filter must be a string');
  const params = request.filter_params ?? request.exprValues ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new InvalidArgumentError('filter_params must be an object');
  return checkFilter(parseFilter(text), info.schema, params as Record<string, unknown>);
}

export async function query(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const requested = (request.output_fields as unknown[] | undefined) ?? [];
  if (Array.isArray(requested) && requested.some((f) => typeof f === 'string' && f.toLowerCase() === 'count(*)')) {
    if (requested.length > 1) throw new InvalidArgumentError('count(*) cannot be asked for with other output fields');
    const result = await count(ctx, request);
    return ok({ data: [{ 'count(*)': result.data }] as QueryRow[] });
  }
  const { keys, filter } = selection(info, request);
  const { limit, offset } = window(request, undefined);
  if (!keys && !filter && limit === undefined) throw new InvalidArgumentError('a query with no filter needs a limit (as in Milvus)');
  const pk = primaryField(info.schema).name;
  const fields = outputFields(info, requested.length === 0 ? [pk] : requested);
  const options = await readOptions(ctx, info, request, fields);
  const data: QueryRow[] = await ctx.reads.query({ ...options, keys, filter, limit, offset });
  return ok({ data });
}

export function get(ctx: ProxyContext, request: Record<string, unknown>) {
  if (request.ids === undefined) throw new InvalidArgumentError('get needs ids');
  return query(ctx, { ...request, output_fields: request.output_fields ?? ['*'] });
}

export async function count(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const { keys, filter } = selection(info, request);
  const options = await readOptions(ctx, info, request, []);
  return ok({ data: await ctx.reads.count({ ...options, keys, filter }) });
}
