/**
 * Pages of the query and search iterators. The first page takes a read timestamp and every
 * later page reads at that same timestamp, so an iteration sees the collection as it was when
 * it began, whatever is written meanwhile. Pages follow the primary key (queries) or the score
 * (searches) from where the last page stopped, so a page costs the same wherever it is: there
 * is no offset to skip.
 */

import { InvalidArgumentError } from '../../errors.js';
import { keyOperand, toKey } from '../../expr/key-filter.js';
import type { Plan } from '../../expr/plan.js';
import { MAX_NPROBE } from '../../indexes/segment-index.js';
import { primaryField } from '../../schema/schema.js';
import { hitLists } from '../query-service.js';
import type { ProxyContext } from './context.js';
import { keyString } from './id-strings.js';
import { annsField, filterOf, hitRow, metricOf, outputFields, queryVectors, readOptions, searchRequest } from './reads.js';
import { ok, type QueryRow } from './responses.js';

/** Where an iteration is: its read timestamp, and the last key it returned. */
export interface QueryCursor {
  readTs: bigint;
  after?: bigint | string;
}

/** An iterator's batchSize (batch_size too), 1 to 16384, 1000 by default. */
function batchSizeOf(request: Record<string, unknown>): number {
  const size = request.batchSize ?? request.batch_size ?? 1000;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 16384) {
    throw new InvalidArgumentError(`batchSize must be an integer from 1 to 16384, got ${JSON.stringify(size)}`);
  }
  return size;
}

/** One page: `request` as for query, with batchSize; `cursor` from the page before (none for the first). */
export async function queryPage(ctx: ProxyContext, request: Record<string, unknown>, cursor: QueryCursor | undefined) {
  const info = ctx.catalog.get(request.collection_name);
  const size = batchSizeOf(request);
  const pk = primaryField(info.schema);
  const requested = (request.output_fields as unknown[] | undefined) ?? [];
  const fields = outputFields(info, requested.length === 0 ? [pk.name] : [...new Set([pk.name, ...(requested as string[])])]);
  // The first page reads fresh and Strong; the later ones at its timestamp, already applied.
  const options = await readOptions(ctx, info, { ...request, consistency_level: cursor ? 'Eventually' : 'Strong' }, fields);
  const readTs = cursor?.readTs ?? options.readTs;
  const given = filterOf(info, request);
  const parts: Plan[] = given ? [given] : [];
  if (cursor?.after !== undefined) {
    parts.push({
      op: 'compare',
      cmp: '>',
      left: keyOperand(pk),
      right: { kind: 'value', value: cursor.after, type: keyOperand(pk).type },
    });
  }
  const filter: Plan = parts.length === 1 ? parts[0] : { op: 'and', args: parts };
  const data: QueryRow[] = await ctx.reads.query({ ...options, readTs, filter, limit: size, offset: 0 });
  const last = data.at(-1);
  const next: QueryCursor | undefined = data.length < size || !last ? undefined : { readTs, after: toKey(pk, last[pk.name]) };
  return { ...ok({ data }), cursor: next };
}

/** Where a search iteration is: its read timestamp, the last score returned, and the keys returned with that score. */
export interface SearchCursor {
  readTs: bigint;
  lastScore: number;
  tied: string[];
}

/**
 * One page of a search iterator (one query vector): the next `batchSize` hits after the cursor,
 * best first. A page asks only for hits at or beyond the last score (the range-search window),
 * leaving out the keys already returned at that score, so it costs the same wherever it comes.
 */
export async function searchPage(ctx: ProxyContext, request: Record<string, unknown>, cursor: SearchCursor | undefined) {
  const size = batchSizeOf(request);
  const info = ctx.catalog.get(request.collection_name);
  const field = annsField(info, request.anns_field);
  const { packed, nq } = queryVectors(request.data ?? request.vector, field.dim as number);
  if (nq !== 1) throw new InvalidArgumentError('searchIterator takes one query vector');
  const metric = metricOf(info, field);
  const fields = outputFields(info, request.output_fields);
  const options = await readOptions(ctx, info, { ...request, consistency_level: cursor ? 'Eventually' : 'Strong' }, fields);
  const readTs = cursor?.readTs ?? options.readTs;
  // From the last score on (L2: distance >= it; IP, COSINE: score <= it), no other bound.
  const range = cursor ? { radius: metric === 'L2' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY, rangeFilter: cursor.lastScore } : undefined;
  const tied = new Set(cursor?.tied ?? []);
  const [hits] = hitLists(
    await ctx.reads.search(
      searchRequest(
        { ...options, readTs },
        {
          filter: filterOf(info, request),
          range,
          // Every list of an IVF segment: a page must not end the iteration because its window fell outside the probed lists.
          nprobe: MAX_NPROBE,
          field: field.name,
          queries: packed,
          nq: 1,
          limit: size + tied.size,
          offset: 0,
        },
      ),
    ),
  );
  const page = hits.filter((hit) => !tied.has(keyString(hit.key))).slice(0, size);
  const pk = primaryField(info.schema).name;
  const results = page.map((hit) => hitRow(hit, fields, pk));
  const last = page.at(-1);
  let next: SearchCursor | undefined;
  if (last && page.length === size) {
    const atLast = page.filter((hit) => hit.score === last.score).map((hit) => keyString(hit.key));
    next = { readTs, lastScore: last.score, tied: cursor && cursor.lastScore === last.score ? [...tied, ...atLast] : atLast };
  }
  return { ...ok({ results }), cursor: next };
}
