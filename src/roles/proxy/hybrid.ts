/**
 * hybridSearch: several searches of one collection (each on a vector field, with its own
 * filter and search params) at one read timestamp, fused by a reranker. RRFRanker(k) scores a
 * row Σ 1/(k + rank) over the lists it is in (ranks from 1); WeightedRanker(weights) scores
 * Σ wᵢ·sᵢ with each score first mapped into [0, 1] as Milvus does (L2: 1 − 2·atan(d)/π;
 * IP: 0.5 + atan(s)/π; COSINE: (1 + s)/2). Ties go to the smaller key.
 */
import { InvalidArgumentError } from '../../errors.js';
import { primaryField } from '../../schema/schema.js';
import { compareKeys, type Hit, hitLists, type Key } from '../query-service.js';
import type { ProxyContext } from './context.js';
import { keyString } from './id-strings.js';
import {
  annsField,
  DEFAULT_LIMIT,
  filterOf,
  hitRow,
  metricOf,
  outputFields,
  probeOf,
  queryVectors,
  rangeOf,
  readOptions,
  searchRequest,
  window,
} from './reads.js';
import { ok } from './responses.js';

const MAX_REQUESTS = 16;

type Ranker = { kind: 'rrf'; k: number } | { kind: 'weighted'; weights: number[] };

function rankerOf(rerank: unknown, requests: number): Ranker {
  if (rerank === undefined) return { kind: 'rrf', k: 60 };
  const { strategy, params } = (rerank ?? {}) as { strategy?: unknown; params?: Record<string, unknown> };
  if (strategy === 'rrf') {
    const k = params?.k ?? 60;
    if (typeof k !== 'number' || !(k > 0) || k > 16384)
      throw new InvalidArgumentError(`RRFRanker k must be a number from 1 to 16384, got ${JSON.stringify(k)}`);
    return { kind: 'rrf', k };
  }
  if (strategy === 'weighted') {
    const weights = params?.weights;
    if (!Array.isArray(weights) || weights.length !== requests || !weights.every((w) => typeof w === 'number' && w >= 0 && w <= 1)) {
      throw new InvalidArgumentError(`WeightedRanker needs one weight from 0 to 1 per search (${requests}), got ${JSON.stringify(weights)}`);
    }
    return { kind: 'weighted', weights };
  }
  throw new InvalidArgumentError('rerank must be RRFRanker(k) or WeightedRanker(weights)');
}

/** A score mapped into [0, 1], larger better, as Milvus's WeightedRanker does. */
function normalized(metric: string, score: number): number {
  if (metric === 'L2') return 1 - (2 * Math.atan(score)) / Math.PI;
  if (metric === 'IP') return 0.5 + Math.atan(score) / Math.PI;
  return (1 + score) / 2;
}

export async function hybridSearch(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const subs = request.data;
  if (!Array.isArray(subs) || subs.length === 0 || subs.length > MAX_REQUESTS) {
    throw new InvalidArgumentError(`hybridSearch needs data: 1 to ${MAX_REQUESTS} search requests`);
  }
  const { limit, offset } = window(request, DEFAULT_LIMIT);
  const ranker = rankerOf(request.rerank, subs.length);
  const fields = outputFields(info, request.output_fields);
  const options = await readOptions(ctx, info, request, fields); // one read timestamp for every list
  const fused = new Map<string, { key: Key; score: number; fields: Hit['fields'] }>();
  for (const [i, sub] of (subs as Record<string, unknown>[]).entries()) {
    if (sub === null || typeof sub !== 'object') throw new InvalidArgumentError(`hybridSearch data[${i}] must be a search request`);
    const field = annsField(info, sub.anns_field);
    const { packed, nq } = queryVectors(sub.data, field.dim as number);
    if (nq !== 1) throw new InvalidArgumentError(`hybridSearch data[${i}] must hold one vector`);
    const metric = metricOf(info, field);
    const filter = filterOf(info, { filter: sub.filter ?? sub.expr, filter_params: sub.filter_params ?? sub.exprValues });
    const range = rangeOf(sub.params, metric);
    const [hits] = hitLists(
      await ctx.reads.search(
        searchRequest(options, {
          ...probeOf(sub.params),
          filter,
          range,
          field: field.name,
          queries: packed,
          nq: 1,
          limit: (limit as number) + offset,
          offset: 0,
        }),
      ),
    );
    hits.forEach((hit, rank) => {
      const id = keyString(hit.key);
      const entry = fused.get(id) ?? { key: hit.key, score: 0, fields: hit.fields };
      fused.set(id, entry);
      entry.score += ranker.kind === 'rrf' ? 1 / (ranker.k + rank + 1) : ranker.weights[i] * normalized(metric, hit.score);
    });
  }
  const pk = primaryField(info.schema).name;
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score || compareKeys(a.key, b.key)).slice(offset, offset + (limit as number));
  const results = ranked.map((hit) => hitRow(hit, fields, pk));
  return ok({ results, recalls: [], session_ts: 0, collection_name: info.name });
}
