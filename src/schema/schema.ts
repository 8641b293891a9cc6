/**
 * Collection schemas: a createCollection request (the SDK's full `fields` form or its quick
 * `{ dimension }` form) checked and turned into the schema the database keeps.
 */
import { SchemaError } from '../errors.js';
import { ARRAY_ELEMENT_TYPES, DataType, parseDataType } from './data-type.js';

export type MetricType = 'L2' | 'IP' | 'COSINE';

export interface Field {
  fieldID: number;
  name: string;
  dataType: DataType;
  description: string;
  isPrimaryKey: boolean;
  autoID: boolean;
  isPartitionKey: boolean;
  nullable: boolean;
  /** Stored as given (Int64 defaults as decimal strings). */
  defaultValue?: unknown;
  dim?: number;
  maxLength?: number;
  elementType?: DataType;
  maxCapacity?: number;
}

export interface CollectionSchema {
  fields: Field[];
  description: string;
  enableDynamicField: boolean;
}

/** The dynamic field's name: keys of a row that the schema does not name are kept under it. */
export const DYNAMIC_FIELD = '$meta';
/** User fields are numbered from 100, as in Milvus. */
const FIRST_FIELD_ID = 100;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const MAX_DIM = 32768;
const MAX_VARCHAR = 65535;
const MAX_CAPACITY = 4096;

export function primaryField(schema: CollectionSchema): Field {
  return schema.fields.find((f) => f.isPrimaryKey) as Field;
}

export function vectorFields(schema: CollectionSchema): Field[] {
  return schema.fields.filter((f) => f.dataType === DataType.FloatVector);
}

export function partitionKeyField(schema: CollectionSchema): Field | undefined {
  return schema.fields.find((f) => f.isPartitionKey);
}

export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new SchemaError(`${what} must be 1 to 255 letters, digits or '_', not starting with a digit; got ${JSON.stringify(name)}`);
  }
  return name;
}

/** A type parameter given at the top level (`dim: 128`) or in type_params, as an integer. */
function param(field: Record<string, unknown>, key: string): number | undefined {
  const raw = field[key] ?? (field.type_params as Record<string, unknown> | undefined)?.[key];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new SchemaError(`field "${String(field.name)}": ${key} must be an integer`, String(field.name));
  return value;
}

function inRange(value: number | undefined, min: number, max: number, what: string, field: string): number {
  if (value === undefined || value < min || value > max) throw new SchemaError(`field "${field}" needs ${what} from ${min} to ${max}`, field);
  return value;
}

function readField(raw: unknown, index: number): Field {
  if (raw === null || typeof raw !== 'object') throw new SchemaError(`fields[${index}] must be an object`);
  const f = raw as Record<string, unknown>;
  const name = checkName(f.name, `fields[${index}].name`);
  const dataType = parseDataType(f.data_type ?? f.dataType);
  if (dataType === undefined) throw new SchemaError(`field "${name}" has an unknown or unsupported data_type ${JSON.stringify(f.data_type)}`, name);
  const field: Field = {
    fieldID: 0,
    name,
    dataType,
    description: typeof f.description === 'string' ? f.description : '',
    isPrimaryKey: f.is_primary_key === true,
    autoID: f.autoID === true || f.auto_id === true,
    isPartitionKey: f.is_partition_key === true,
    nullable: f.nullable === true,
  };
  if (dataType === DataType.FloatVector) field.dim = inRange(param(f, 'dim'), 1, MAX_DIM, 'dim', name);
  if (dataType === DataType.VarChar) field.maxLength = inRange(param(f, 'max_length'), 1, MAX_VARCHAR, 'max_length', name);
  if (dataType === DataType.Array) {
    const element = parseDataType(f.element_type);
    if (element === undefined || !ARRAY_ELEMENT_TYPES.has(element)) throw new SchemaError(`field "${name}" needs an element_type of a scalar type`, name);
    field.elementType = element;
    field.maxCapacity = inRange(param(f, 'max_capacity'), 1, MAX_CAPACITY, 'max_capacity', name);
    if (element === DataType.VarChar) field.maxLength = inRange(param(f, 'max_length'), 1, MAX_VARCHAR, 'max_length', name);
  }
  if (field.isPrimaryKey) {
    if (dataType !== DataType.Int64 && dataType !== DataType.VarChar) throw new SchemaError(`primary key "${name}" must be Int64 or VarChar`, name);
    if (field.nullable) throw new SchemaError(`primary key "${name}" cannot be nullable`, name);
    if (f.default_value !== undefined) throw new SchemaError(`primary key "${name}" cannot have a default_value`, name);
  } else if (field.autoID) {
    throw new SchemaError(`autoID is for the primary key only (field "${name}")`, name);
  }
  if (field.autoID && dataType !== DataType.Int64) throw new SchemaError(`autoID needs an Int64 primary key (field "${name}")`, name);
  if (field.isPartitionKey && dataType !== DataType.Int64 && dataType !== DataType.VarChar) {
    throw new SchemaError(`partition key "${name}" must be Int64 or VarChar`, name);
  }
  if (dataType === DataType.FloatVector && (field.nullable || f.default_value !== undefined)) {
    throw new SchemaError(`vector field "${name}" cannot be nullable or have a default_value`, name);
  }
  if (f.default_value !== undefined && f.default_value !== null) field.defaultValue = f.default_value;
  return field;
}

/** Checks a createCollection request's fields and numbers them. */
export function makeSchema(fields: unknown, options: { description?: unknown; enableDynamicField?: unknown }): CollectionSchema {
  if (!Array.isArray(fields) || fields.length === 0) throw new SchemaError('a collection needs fields: an array of field schemas');
  const list = fields.map(readField);
  const names = new Set<string>();
  for (const field of list) {
    if (names.has(field.name)) throw new SchemaError(`two fields are named "${field.name}"`, field.name);
    names.add(field.name);
  }
  const primaries = list.filter((f) => f.isPrimaryKey);
  if (primaries.length !== 1) throw new SchemaError(`a collection needs exactly one primary key field, got ${primaries.length}`);
  if (!list.some((f) => f.dataType === DataType.FloatVector)) throw new SchemaError('a collection needs at least one FloatVector field');
  if (list.filter((f) => f.isPartitionKey).length > 1) throw new SchemaError('a collection has at most one partition key field');
  for (const [i, field] of list.entries()) field.fieldID = FIRST_FIELD_ID + i;
  return {
    fields: list,
    description: typeof options.description === 'string' ? options.description : '',
    enableDynamicField: options.enableDynamicField === true,
  };
}

/** The schema of the quick form `{ collection_name, dimension }`, with Milvus's defaults. */
export function quickSchema(request: Record<string, unknown>): CollectionSchema {
  const idType = parseDataType(request.id_type ?? 'Int64');
  const primary: Record<string, unknown> = {
    name: request.primary_field_name ?? 'id',
    data_type: idType,
    is_primary_key: true,
    autoID: request.auto_id === true,
  };
  if (idType === DataType.VarChar) primary.max_length = request.max_length ?? 512;
  const vector = { name: request.vector_field_name ?? 'vector', data_type: DataType.FloatVector, dim: request.dimension };
  return makeSchema([primary, vector], {
    description: request.description,
    enableDynamicField: request.enable_dynamic_field ?? request.enableDynamicField ?? true,
  });
}
