/**
 * Milvus RESTful API v2 (`POST /v2/vectordb/<category>/<action>`): each route turns a body
 * into the SDK's request, calls the database, and returns what goes in the envelope's `data`
 * in Milvus's REST shapes. Databases other than `default` do not exist (as in Milvus Lite).
 */
import type { QuiverDB } from '../../client/embedded.js';
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';
import { type Body, createCollectionOf, indexParamsOf, readOf, searchParamsOf } from './requests.js';

export type Route = (db: QuiverDB, body: Body) => Promise<unknown>;

// biome-ignore lint/suspicious/noExplicitAny: SDK-shaped responses, read field by field
type Sdk = any;

const collection = (body: Body) => ({ collection_name: body.collectionName });

/** REST v2's field shape, from the SDK's describeCollection field. */
function restField(field: Sdk) {
  const params = (field.type_params as { key: string; value: string }[]).map(({ key, value }) => ({ key, value }));
  return {
    name: field.name,
    id: Number(field.fieldID),
    type: field.data_type,
    primaryKey: field.is_primary_key,
    autoId: field.autoID,
    partitionKey: field.is_partition_key,
    nullable: field.nullable,
    ...(field.element_type ? { elementType: field.element_type } : {}),
    description: field.description ?? '',
    params,
  };
}

/** Keys as REST v2 returns them: decimal strings (the server turns them into numbers for Accept-Type-Allow-Int64). */
function ids(result: Sdk): (string | number)[] {
  return result.IDs.int_id?.data ?? result.IDs.str_id?.data ?? [];
}

/** Search hits as REST v2 returns them: one flat list over the queries, each hit's score as `distance`. */
function hits(results: Sdk): Record<string, unknown>[] {
  const lists = (results.length > 0 && !Array.isArray(results[0]) ? [results] : results) as Record<string, unknown>[][];
  return lists.flat().map(({ score, ...rest }) => ({ ...rest, distance: score }));
}

async function search(db: QuiverDB, body: Body) {
  const { metric_type, params } = searchParamsOf(body.searchParams);
  const request = {
    ...readOf(body),
    data: body.data,
    anns_field: body.annsField,
    metric_type,
    params,
    group_by_field: body.groupingField,
    group_size: body.groupSize,
    strict_group_size: body.strictGroupSize,
  };
  const { results } = (await db.search(request)) as Sdk;
  return hits(results);
}

async function hybridSearch(db: QuiverDB, body: Body) {
  if (!Array.isArray(body.search)) throw new InvalidArgumentError('hybrid_search needs search: an array of searches');
  const rerank = (body.rerank ?? {}) as Body;
  const data = body.search.map((sub: Body) => {
    const { params } = searchParamsOf(sub.searchParams ?? sub.params);
    const vectors = sub.data as unknown[];
    return { data: Array.isArray(vectors) && Array.isArray(vectors[0]) ? vectors[0] : vectors, anns_field: sub.annsField, filter: sub.filter, params };
  });
  const ranker = { strategy: String(rerank.strategy ?? 'rrf').toLowerCase(), params: rerank.params ?? {} }; // checked by the proxy
  const { results } = (await db.hybridSearch({ ...readOf(body), data, rerank: ranker })) as Sdk;
  return hits(results);
}

export const routes: Record<string, Route> = {
  // Collections
  'collections/create': async (db, body) => {
    await db.createCollection(createCollectionOf(body));
    return {};
  },
  'collections/describe': async (db, body) => {
    const d: Sdk = await db.describeCollection(collection(body));
    const state: Sdk = await db.getLoadState(collection(body));
    const partitions: Sdk = await db.listPartitions(collection(body));
    return {
      collectionName: d.collection_name,
      collectionID: Number(d.collectionID),
      description: d.schema.description ?? '',
      autoId: d.schema.autoID,
      fields: d.schema.fields.map(restField),
      indexes: (d.index_params as Sdk[]).map((i) => ({ fieldName: i.field_name, indexName: i.index_name, metricType: i.metric_type })),
      load: state.state,
      shardsNum: d.shards_num,
      partitionsNum: partitions.partition_names.length,
      consistencyLevel: d.consistency_level,
      enableDynamicField: d.schema.enable_dynamic_field,
      properties: d.properties,
      aliases: d.aliases,
    };
  },
  'collections/list': async (db) => ((await db.listCollections()) as Sdk).collection_names,
  'collections/has': async (db, body) => ({ has: ((await db.hasCollection(collection(body))) as Sdk).value }),
  'collections/drop': async (db, body) => {
    await db.dropCollection(collection(body));
    return {};
  },
  'collections/rename': async (db, body) => {
    await db.renameCollection({ ...collection(body), new_collection_name: body.newCollectionName });
    return {};
  },
  'collections/get_stats': async (db, body) => {
    const stats: Sdk = await db.getCollectionStatistics(collection(body));
    return { rowCount: Number(stats.data.row_count) };
  },
  'collections/load': async (db, body) => {
    await db.loadCollection(collection(body));
    return {};
  },
  'collections/refresh_load': async (db, body) => {
    await db.loadCollection(collection(body));
    return {};
  },
  'collections/release': async (db, body) => {
    await db.releaseCollection(collection(body));
    return {};
  },
  'collections/get_load_state': async (db, body) => {
    const { state }: Sdk = await db.getLoadState(collection(body));
    return { loadState: state, ...(state === 'LoadStateLoaded' ? { loadProgress: 100 } : {}) };
  },
  'collections/flush': async (db, body) => {
    await db.flush({ collection_names: [body.collectionName] });
    return {};
  },
  'collections/compact': async (db, body) => {
    const { compactionID }: Sdk = await db.compact(collection(body));
    return { jobID: Number(compactionID) };
  },
  'collections/get_compaction_state': async (db, body) => {
    const { state }: Sdk = await db.getCompactionState({ compactionID: body.jobID });
    return { state };
  },
  'collections/alter_properties': async (db, body) => {
    await db.alterCollectionProperties({ ...collection(body), properties: body.properties });
    return {};
  },
  'collections/drop_properties': async (db, body) => {
    await db.alterCollectionProperties({ ...collection(body), delete_keys: body.propertyKeys ?? body.deleteKeys });
    return {};
  },

  // Aliases
  'aliases/create': async (db, body) => {
    await db.createAlias({ ...collection(body), alias: body.aliasName });
    return {};
  },
  'aliases/alter': async (db, body) => {
    await db.alterAlias({ ...collection(body), alias: body.aliasName });
    return {};
  },
  'aliases/drop': async (db, body) => {
    await db.dropAlias({ alias: body.aliasName });
    return {};
  },
  'aliases/describe': async (db, body) => {
    const d: Sdk = await db.describeAlias({ alias: body.aliasName });
    return { aliasName: d.alias, collectionName: d.collection, dbName: d.db_name };
  },
  'aliases/list': async (db, body) => ((await db.listAliases(body.collectionName === undefined ? {} : collection(body))) as Sdk).aliases,

  // Partitions
  'partitions/list': async (db, body) => ((await db.listPartitions(collection(body))) as Sdk).partition_names,
  'partitions/has': async (db, body) => ({ has: ((await db.hasPartition({ ...collection(body), partition_name: body.partitionName })) as Sdk).value }),
  'partitions/create': async (db, body) => {
    await db.createPartition({ ...collection(body), partition_name: body.partitionName });
    return {};
  },
  'partitions/drop': async (db, body) => {
    await db.dropPartition({ ...collection(body), partition_name: body.partitionName });
    return {};
  },
  // Partitions load with their collection: loading or releasing them is loading or releasing it.
  'partitions/load': async (db, body) => {
    await db.loadCollection(collection(body));
    return {};
  },
  'partitions/release': async () => {
    throw new UnsupportedError('partitions are loaded and released with their collection: release the collection');
  },
  'partitions/get_stats': async (db, body) => {
    const { data }: Sdk = await db.count({ ...collection(body), partition_names: [body.partitionName], consistency_level: 'Strong' });
    return { rowCount: data };
  },

  // Indexes
  'indexes/create': async (db, body) => {
    for (const index of indexParamsOf(body.indexParams)) await db.createIndex({ ...collection(body), ...index });
    return {};
  },
  'indexes/describe': async (db, body) => {
    const { index_descriptions }: Sdk = await db.describeIndex({ ...collection(body), index_name: body.indexName });
    return (index_descriptions as Sdk[]).map((d) => ({
      fieldName: d.field_name,
      indexName: d.index_name,
      indexType: d.params.find((p: Sdk) => p.key === 'index_type')?.value,
      metricType: d.params.find((p: Sdk) => p.key === 'metric_type')?.value,
      indexState: d.state,
      totalRows: Number(d.total_rows),
      indexedRows: Number(d.indexed_rows),
      pendingRows: Number(d.pending_index_rows),
      failReason: '',
    }));
  },
  'indexes/list': async (db, body) => ((await db.listIndexes(collection(body))) as Sdk).indexes,
  // Milvus's one index property is mmap.enabled; QuiverDB maps a collection's sealed vectors and indexes together.
  'indexes/alter_properties': async () => {
    throw new UnsupportedError('index properties: set mmap.enabled on the collection (collections/alter_properties); it maps its vectors and indexes');
  },
  'indexes/drop_properties': async () => {
    throw new UnsupportedError('index properties: set mmap.enabled on the collection (collections/drop_properties)');
  },
  'indexes/drop': async (db, body) => {
    await db.dropIndex({ ...collection(body), index_name: body.indexName });
    return {};
  },

  // Entities
  'entities/insert': async (db, body) => {
    const result: Sdk = await db.insert({ ...collection(body), data: body.data, partition_name: body.partitionName });
    return { insertCount: Number(result.insert_cnt), insertIds: ids(result) };
  },
  'entities/upsert': async (db, body) => {
    const result: Sdk = await db.upsert({ ...collection(body), data: body.data, partition_name: body.partitionName });
    return { upsertCount: Number(result.upsert_cnt), upsertIds: ids(result) };
  },
  'entities/delete': async (db, body) => {
    if (typeof body.filter !== 'string' || body.filter.trim() === '') throw new InvalidArgumentError('delete needs a filter');
    const result: Sdk = await db.delete({ ...collection(body), filter: body.filter, filter_params: body.exprParams, partition_name: body.partitionName });
    return { deleteCount: Number(result.delete_cnt) };
  },
  'entities/get': async (db, body) => {
    const id = Array.isArray(body.id) ? body.id : [body.id];
    return ((await db.get({ ...collection(body), ids: id, output_fields: body.outputFields, partition_names: body.partitionNames })) as Sdk).data;
  },
  'entities/query': async (db, body) => {
    const request = { ...readOf(body), output_fields: body.outputFields ?? ['*'], limit: body.limit ?? (body.filter ? undefined : 100) };
    return ((await db.query(request)) as Sdk).data;
  },
  'entities/search': search,
  'entities/hybrid_search': hybridSearch,
  'entities/advanced_search': hybridSearch,
};
