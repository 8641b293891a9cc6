/**
 * Collection and partition tasks (DDL). Each one changes the catalog, then a notice on the
 * coordination topic tells the data node and the query node to read it again; tasks that
 * change what is loaded wait for the query node to get there.
 */
import { CollectionExistsError, InvalidArgumentError, PartitionExistsError, SchemaError } from '../../errors.js';
import { checkVectorIndex } from '../../indexes/segment-index.js';
import type { CollectionInfo, ConsistencyLevel, IndexInfo, PartitionInfo } from '../../meta/catalog.js';
import { MMAP_PROPERTY, keys as metaKeys, type SegmentInfo, TTL_PROPERTY } from '../../meta/catalog.js';
import { dmlChannel } from '../../msg/channels.js';
import { dataTypeName } from '../../schema/data-type.js';
import { type CollectionSchema, checkName, type MetricType, makeSchema, partitionKeyField, quickSchema, vectorFields } from '../../schema/schema.js';
import { DEFAULT_PARTITION, type ProxyContext, partitionByName } from './context.js';
import { ok } from './responses.js';

const CONSISTENCY_BY_NUMBER: ConsistencyLevel[] = ['Strong', 'Session', 'Bounded', 'Eventually'];

export function consistencyLevel(value: unknown, fallback: ConsistencyLevel): ConsistencyLevel {
  if (value === undefined || value === null) return fallback;
  const level = typeof value === 'number' ? CONSISTENCY_BY_NUMBER[value] : CONSISTENCY_BY_NUMBER.find((l) => l.toLowerCase() === String(value).toLowerCase());
  if (!level) throw new InvalidArgumentError(`consistency_level must be Strong, Session, Bounded or Eventually, got ${JSON.stringify(value)}`);
  return level;
}

function metricOf(value: unknown, where: string): MetricType {
  const metric = String(value ?? 'COSINE').toUpperCase();
  if (metric !== 'L2' && metric !== 'IP' && metric !== 'COSINE')
    throw new InvalidArgumentError(`${where}: metric_type must be L2, IP or COSINE, got ${JSON.stringify(value)}`);
  return metric;
}

/** One index description per vector field: from index_params, else the quick form's metric_type, else COSINE; AUTOINDEX unless named. */
function indexesOf(schema: CollectionSchema, request: Record<string, unknown>, firstId: number): IndexInfo[] {
  const given = (Array.isArray(request.index_params) ? request.index_params : request.index_params ? [request.index_params] : []) as Record<string, unknown>[];
  return vectorFields(schema).map((field, i) => {
    const param = given.find((p) => p.field_name === field.name);
    return {
      field_name: field.name,
      index_name: String(param?.index_name ?? field.name),
      ...checkVectorIndex(param?.index_type, param?.params, field.dim as number),
      metric_type: metricOf(param?.metric_type ?? request.metric_type, `field "${field.name}"`),
      id: firstId + i,
    };
  });
}

function integerOption(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export async function createCollection(ctx: ProxyContext, request: Record<string, unknown>) {
  const name = checkName(request.collection_name, 'collection_name');
  if (ctx.catalog.has(name)) throw new CollectionExistsError(`collection "${name}" already exists`);
  const fields = request.fields ?? request.schema;
  let schema: CollectionSchema;
  if (fields !== undefined) {
    schema = makeSchema(fields, { description: request.description, enableDynamicField: request.enable_dynamic_field ?? request.enableDynamicField });
  } else if (request.dimension !== undefined) {
    schema = quickSchema(request);
  } else {
    throw new SchemaError('createCollection needs fields (a schema) or dimension (the quick form)');
  }
  if (typeof request.partition_key_field === 'string') {
    const keyField = schema.fields.find((f) => f.name === request.partition_key_field);
    if (!keyField) throw new SchemaError(`partition_key_field "${request.partition_key_field}" is not a field`);
    keyField.isPartitionKey = true;
  }
  const shardsNum = integerOption(request.shards_num, 'shards_num', 1, 16, 1);
  const keyed = partitionKeyField(schema) !== undefined;
  const numPartitions = keyed ? integerOption(request.num_partitions, 'num_partitions', 1, 1024, 16) : 0;
  // Ids: the collection's, its partitions', then its indexes'.
  const id = Number(await ctx.catalogIds.alloc(1 + Math.max(1, numPartitions) + vectorFields(schema).length));
  const indexes = indexesOf(schema, request, id + 1 + Math.max(1, numPartitions));
  const now = Date.now();
  const partitions: PartitionInfo[] = keyed
    ? Array.from({ length: numPartitions }, (_, i) => ({ id: id + 1 + i, name: `${DEFAULT_PARTITION}_${i}`, createdMs: now }))
    : [{ id: id + 1, name: DEFAULT_PARTITION, createdMs: now }];
  const channels = Array.from({ length: shardsNum }, (_, i) => dmlChannel(id, i));
  for (const channel of channels) await ctx.broker.createTopic(channel);
  const properties = propertiesOf(request.properties);
  const info: CollectionInfo = {
    id,
    name,
    schema,
    shardsNum,
    channels,
    partitions,
    numPartitions,
    consistencyLevel: consistencyLevel(request.consistency_level, ctx.config['common.consistencyLevel'] as ConsistencyLevel),
    createdMs: now,
    properties,
    indexes,
    loaded: true,
  };
  await ctx.catalog.put(info);
  await ctx.reads.waitForLoadState(id);
  return ok({});
}

function fieldSchema(field: CollectionSchema['fields'][number]) {
  const typeParams: { key: string; value: string }[] = [];
  if (field.dim !== undefined) typeParams.push({ key: 'dim', value: String(field.dim) });
  if (field.maxLength !== undefined) typeParams.push({ key: 'max_length', value: String(field.maxLength) });
  if (field.maxCapacity !== undefined) typeParams.push({ key: 'max_capacity', value: String(field.maxCapacity) });
  return {
    fieldID: String(field.fieldID),
    name: field.name,
    description: field.description,
    data_type: dataTypeName(field.dataType),
    dataType: field.dataType,
    is_primary_key: field.isPrimaryKey,
    autoID: field.autoID,
    is_partition_key: field.isPartitionKey,
    nullable: field.nullable,
    default_value: field.defaultValue ?? null,
    type_params: typeParams,
    index_params: [],
    state: 'FieldCreated',
    is_dynamic: false,
    is_function_output: false,
    ...(field.elementType !== undefined ? { element_type: dataTypeName(field.elementType) } : {}),
    ...(field.dim !== undefined ? { dim: String(field.dim) } : {}),
    ...(field.maxLength !== undefined ? { max_length: String(field.maxLength) } : {}),
    ...(field.maxCapacity !== undefined ? { max_capacity: String(field.maxCapacity) } : {}),
  };
}

/** Collection properties as strings; collection.ttl.seconds must be a number of seconds (0: no TTL), mmap.enabled true or false. */
function propertiesOf(given: unknown): Record<string, string> {
  if (given === undefined || given === null) return {};
  if (typeof given !== 'object' || Array.isArray(given)) throw new InvalidArgumentError('properties must be an object of keys and values');
  const out = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)]));
  const ttl = out[TTL_PROPERTY];
  if (ttl !== undefined && !(/^\d+(\.\d+)?$/.test(ttl) && Number(ttl) <= 10 * 365 * 86400)) {
    throw new InvalidArgumentError(`${TTL_PROPERTY} must be a number of seconds from 0 (no TTL) to ten years, got ${JSON.stringify(ttl)}`);
  }
  const mmap = out[MMAP_PROPERTY];
  if (mmap !== undefined && mmap !== 'true' && mmap !== 'false') {
    throw new InvalidArgumentError(`${MMAP_PROPERTY} must be true or false, got ${JSON.stringify(mmap)}`);
  }
  return out;
}

/**
 * Sets (and with delete_keys removes) collection properties; a new collection.ttl.seconds applies
 * to the next read, a new mmap.enabled once the loaded collection is loaded again (done before this resolves).
 */
export async function alterCollectionProperties(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  if (!Array.isArray(request.delete_keys ?? [])) throw new InvalidArgumentError('delete_keys must be an array of property names');
  const removed = ((request.delete_keys ?? []) as unknown[]).map(String);
  const properties = { ...info.properties, ...propertiesOf(request.properties) };
  for (const key of removed) delete properties[key];
  await ctx.catalog.put({ ...info, properties });
  await ctx.reads.waitForLoadState(info.id);
  return ok({});
}

export function describeCollection(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const fields = info.schema.fields.map(fieldSchema);
  return ok({
    schema: {
      name: info.name,
      description: info.schema.description,
      enable_dynamic_field: info.schema.enableDynamicField,
      autoID: info.schema.fields.some((f) => f.autoID),
      fields,
      functions: [],
    },
    collectionID: String(info.id),
    collection_name: info.name,
    consistency_level: info.consistencyLevel,
    aliases: info.aliases ?? [],
    virtual_channel_names: info.channels,
    physical_channel_names: info.channels,
    start_positions: [],
    properties: Object.entries(info.properties).map(([key, value]) => ({ key, value })),
    created_timestamp: String(info.createdMs),
    created_utc_timestamp: String(info.createdMs),
    shards_num: info.shardsNum,
    num_partitions: String(info.partitions.length),
    db_name: 'default',
    index_params: info.indexes,
  });
}

export function listCollections(ctx: ProxyContext) {
  const all = ctx.catalog.all().sort((a, b) => a.id - b.id);
  return ok({
    data: all.map((c) => ({ name: c.name, id: String(c.id), timestamp: String(c.createdMs), loadedPercentage: c.loaded ? '100' : '0' })),
    collection_names: all.map((c) => c.name),
  });
}

export function hasCollection(ctx: ProxyContext, request: Record<string, unknown>) {
  if (typeof request.collection_name !== 'string') throw new InvalidArgumentError('collection_name must be a string');
  return ok({ value: ctx.catalog.has(request.collection_name) });
}

/** Drops a collection named by its own name, once it has no aliases (as Milvus): an alias never dangles. */
export async function dropCollection(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  if (info.name !== request.collection_name) throw new InvalidArgumentError(`"${request.collection_name}" is an alias: drop the collection by its name`);
  if (info.aliases?.length) throw new InvalidArgumentError(`collection "${info.name}" has aliases (${info.aliases.join(', ')}): drop them first`);
  await ctx.locks.run(info.id, async () => {
    ctx.pending.delete(info.id);
    await ctx.catalog.remove(info);
    await ctx.reads.waitForLoadState(info.id);
  });
  return ok({});
}

export async function renameCollection(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const name = checkName(request.new_collection_name ?? request.newName, 'new_collection_name');
  if (ctx.catalog.has(name)) throw new CollectionExistsError(`collection "${name}" already exists`);
  const previous = info.name;
  await ctx.catalog.put({ ...info, name }, previous);
  return ok({});
}

export async function setLoaded(ctx: ProxyContext, request: Record<string, unknown>, loaded: boolean) {
  const info = ctx.catalog.get(request.collection_name);
  if (info.loaded !== loaded) await ctx.catalog.put({ ...info, loaded });
  await ctx.reads.waitForLoadState(info.id);
  return ok({});
}

export function getLoadState(ctx: ProxyContext, request: Record<string, unknown>) {
  if (typeof request.collection_name !== 'string' || !ctx.catalog.has(request.collection_name)) return ok({ state: 'LoadStateNotExist' });
  return ok({ state: ctx.catalog.get(request.collection_name).loaded ? 'LoadStateLoaded' : 'LoadStateNotLoad' });
}

export async function getCollectionStatistics(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  let rows: number;
  if (info.loaded) {
    rows = await ctx.reads.count({
      collectionId: info.id,
      consistency: 'Strong',
      readTs: await ctx.tso.next(),
      partitionIds: info.partitions.map((p) => p.id),
    });
  } else {
    // Not loaded: the rows of flushed segments (deletes not subtracted, rows not yet flushed not counted).
    rows = (await ctx.meta.scan<SegmentInfo>(metaKeys.segments(info.id))).reduce((sum, s) => sum + s.rows, 0);
  }
  return ok({ stats: [{ key: 'row_count', value: String(rows) }], data: { row_count: String(rows) } });
}

export async function createPartition(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  if (partitionKeyField(info.schema)) throw new InvalidArgumentError(`collection "${info.name}" has a partition key: its partitions are made for it`);
  const name = checkName(request.partition_name, 'partition_name');
  if (info.partitions.some((p) => p.name === name)) throw new PartitionExistsError(`collection "${info.name}" already has a partition "${name}"`);
  if (info.partitions.length >= 1024) throw new InvalidArgumentError('a collection has at most 1024 partitions');
  const id = Number(await ctx.catalogIds.alloc(1));
  await ctx.catalog.put({ ...info, partitions: [...info.partitions, { id, name, createdMs: Date.now() }] });
  await ctx.reads.waitForLoadState(info.id);
  return ok({});
}

export async function dropPartition(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const partition = partitionByName(info, request.partition_name);
  if (partition.name === DEFAULT_PARTITION || partitionKeyField(info.schema)) throw new InvalidArgumentError(`partition "${partition.name}" cannot be dropped`);
  await ctx.locks.run(info.id, async () => {
    await ctx.catalog.put({
      ...info,
      partitions: info.partitions.filter((p) => p.id !== partition.id),
      droppedPartitions: [...(info.droppedPartitions ?? []), partition.id],
    });
    await ctx.reads.waitForLoadState(info.id);
  });
  return ok({});
}

export function listPartitions(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  return ok({
    partition_names: info.partitions.map((p) => p.name),
    partitionIDs: info.partitions.map((p) => p.id),
    data: info.partitions.map((p) => ({ name: p.name, id: p.id, timestamp: String(p.createdMs), loadedPercentage: info.loaded ? '100' : '0' })),
    created_timestamps: info.partitions.map((p) => String(p.createdMs)),
    created_utc_timestamps: info.partitions.map((p) => String(p.createdMs)),
  });
}

export function hasPartition(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  return ok({ value: info.partitions.some((p) => p.name === request.partition_name) });
}
