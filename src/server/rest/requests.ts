/**
 * Milvus RESTful API v2 request bodies as the SDK's requests (camelCase to snake_case), the
 * parts that need more than a rename: a collection's schema and its quick form, index
 * parameters, search parameters. Checks stay with the proxy; only shapes change here.
 */
import { InvalidArgumentError } from '../../errors.js';
import { DataType } from '../../schema/data-type.js';

export type Body = Record<string, unknown>;

/** A body field that must be an object when present. */
function objectOf(value: unknown, name: string): Body {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`${name} must be an object`);
  return value as Body;
}

function listOf(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${name} must be an array`);
  return value;
}

/** A data type by its Milvus name (`Int64`, `FloatVector`), as REST v2 gives it. */
function dataTypeOf(name: unknown, where: string): DataType {
  const type = typeof name === 'string' ? (DataType as unknown as Record<string, DataType>)[name] : undefined;
  if (type === undefined || typeof type !== 'number')
    throw new InvalidArgumentError(`${where}: dataType ${JSON.stringify(name)} is not a Milvus data type name`);
  return type;
}

/** A REST v2 field (`fieldName`, `dataType`, `elementTypeParams`...) as an SDK field schema. */
function fieldOf(value: unknown, i: number): Body {
  const field = objectOf(value, `schema.fields[${i}]`);
  const params = objectOf(field.elementTypeParams, `schema.fields[${i}].elementTypeParams`);
  const out: Body = {
    name: field.fieldName,
    data_type: dataTypeOf(field.dataType, `schema.fields[${i}]`),
    is_primary_key: field.isPrimary === true,
    is_partition_key: field.isPartitionKey === true,
    autoID: field.autoId === true || field.autoID === true,
    nullable: field.nullable === true,
    description: field.description,
  };
  if (field.elementDataType !== undefined) out.element_type = dataTypeOf(field.elementDataType, `schema.fields[${i}] elementDataType`);
  if (field.defaultValue !== undefined) out.default_value = field.defaultValue;
  for (const [key, name] of [
    ['dim', 'dim'],
    ['max_length', 'max_length'],
    ['max_capacity', 'max_capacity'],
  ]) {
    if (params[key] !== undefined) out[name] = Number(params[key]);
  }
  return out;
}

/** `indexParams` as the SDK's index_params. */
export function indexParamsOf(value: unknown): Body[] {
  return listOf(value, 'indexParams').map((entry, i) => {
    const index = objectOf(entry, `indexParams[${i}]`);
    const params = objectOf(index.params, `indexParams[${i}].params`);
    const { index_type: typeInParams, ...rest } = params;
    return {
      field_name: index.fieldName,
      index_name: index.indexName,
      metric_type: index.metricType,
      index_type: index.indexType ?? typeInParams ?? 'AUTOINDEX',
      params: rest,
    };
  });
}

/**
 * createCollection: the full form (`schema.fields`) or the quick one (`dimension`, with an id
 * field and a vector field, the dynamic field on, an AUTOINDEX index, and loaded: as Milvus).
 */
export function createCollectionOf(body: Body): Body {
  const params = objectOf(body.params, 'params');
  const common = {
    collection_name: body.collectionName,
    description: body.description,
    shards_num: params.shardsNum,
    consistency_level: params.consistencyLevel ?? 'Bounded', // REST-created collections default to Bounded in Milvus
    ...(params.ttlSeconds !== undefined ? { properties: { 'collection.ttl.seconds': params.ttlSeconds } } : {}),
  };
  const schema = objectOf(body.schema, 'schema');
  const fields = listOf(schema.fields, 'schema.fields');
  if (fields.length > 0) {
    const partitionKey = fields.some((f) => (f as Body)?.isPartitionKey === true);
    return {
      ...common,
      fields: fields.map(fieldOf),
      enable_dynamic_field: schema.enableDynamicField === true,
      ...(partitionKey ? { num_partitions: params.partitionsNum ?? 64 } : {}),
      ...(body.indexParams !== undefined ? { index_params: indexParamsOf(body.indexParams) } : {}),
    };
  }
  if (body.dimension === undefined) throw new InvalidArgumentError('createCollection needs schema.fields, or a dimension for the quick form');
  const idType = body.idType ?? 'Int64';
  if (idType !== 'Int64' && idType !== 'VarChar') throw new InvalidArgumentError(`idType must be Int64 or VarChar, got ${JSON.stringify(idType)}`);
  const primary = (body.primaryFieldName as string | undefined) ?? 'id';
  const vector = (body.vectorFieldName as string | undefined) ?? 'vector';
  return {
    ...common,
    fields: [
      {
        name: primary,
        data_type: idType === 'Int64' ? DataType.Int64 : DataType.VarChar,
        is_primary_key: true,
        autoID: body.autoID === true || body.autoId === true,
        ...(idType === 'VarChar' ? { max_length: Number(params.max_length ?? 65535) } : {}),
      },
      { name: vector, data_type: DataType.FloatVector, dim: body.dimension },
    ],
    enable_dynamic_field: params.enableDynamicField !== false,
    index_params: [{ field_name: vector, index_type: 'AUTOINDEX', metric_type: body.metricType ?? 'COSINE' }],
  };
}

/** `searchParams` (`{ metricType?, params: { nprobe, radius, ... } }`, or the params flat) as the SDK's metric_type and params. */
export function searchParamsOf(value: unknown): { metric_type?: unknown; params: Body } {
  const searchParams = objectOf(value, 'searchParams');
  const { metricType, metric_type, params, ...flat } = searchParams;
  return { metric_type: metricType ?? metric_type, params: { ...flat, ...objectOf(params, 'searchParams.params') } };
}

/** What every entity request shares. */
export function readOf(body: Body): Body {
  return {
    collection_name: body.collectionName,
    partition_names: body.partitionNames,
    consistency_level: body.consistencyLevel,
    filter: body.filter,
    filter_params: body.exprParams,
    output_fields: body.outputFields,
    limit: body.limit,
    offset: body.offset,
  };
}
