/**
 * Field data types, numbered as Milvus numbers them (its `DataType` enum), so that values
 * from @zilliz/milvus2-sdk-node's DataType work unchanged, and so do their names.
 */
export enum DataType {
  Bool = 1,
  Int8 = 2,
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  Float = 10,
  Double = 11,
  VarChar = 21,
  Array = 22,
  JSON = 23,
  FloatVector = 101,
}

const byName = new Map<string, DataType>(
  Object.entries(DataType)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [k.toLowerCase(), v as DataType]),
);

/** A DataType from its number or name (any case); undefined when it is neither. */
export function parseDataType(value: unknown): DataType | undefined {
  if (typeof value === 'number') return DataType[value] === undefined ? undefined : (value as DataType);
  if (typeof value === 'string') return byName.get(value.toLowerCase());
  return undefined;
}

export function dataTypeName(type: DataType): keyof typeof DataType {
  return DataType[type] as keyof typeof DataType;
}

/** The integer types and their ranges. */
export const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.Int8]: [-128, 127],
  [DataType.Int16]: [-32768, 32767],
  [DataType.Int32]: [-2147483648, 2147483647],
};

/** Types an Array field may hold. */
export const ARRAY_ELEMENT_TYPES = new Set([
  DataType.Bool,
  DataType.Int8,
  DataType.Int16,
  DataType.Int32,
  DataType.Int64,
  DataType.Float,
  DataType.Double,
  DataType.VarChar,
]);
