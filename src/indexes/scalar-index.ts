/**
 * Scalar indexes as createIndex takes them (Milvus's names). Each is a sorted index over the
 * field's values in every sealed segment, built by the query node as it loads or seals a
 * segment (from the column it holds anyway): a comparison, a range or an IN list is then
 * binary searches and the matching rows. The evaluator uses it when it picks out at most an
 * eighth of a segment's rows; beyond that a scan is as fast, and it scans.
 */
import { InvalidArgumentError } from '../errors.js';
import { DataType, dataTypeName } from '../schema/data-type.js';
import type { Field } from '../schema/schema.js';

const NUMBERS = [DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.Float, DataType.Double];

/** Which index types a scalar field takes: STL_SORT on numbers, TRIE on VarChar, INVERTED and BITMAP on both. */
function typesFor(field: Field): string[] {
  if (NUMBERS.includes(field.dataType)) return ['STL_SORT', 'INVERTED', 'BITMAP', 'AUTOINDEX'];
  if (field.dataType === DataType.VarChar) return ['INVERTED', 'TRIE', 'BITMAP', 'AUTOINDEX'];
  return [];
}

/** The index type, checked against the field (an empty type is AUTOINDEX). */
export function checkScalarIndex(indexType: unknown, field: Field): string {
  const allowed = typesFor(field);
  if (allowed.length === 0) {
    throw new InvalidArgumentError(
      `field "${field.name}" is ${dataTypeName(field.dataType)}: scalar indexes cover numbers and VarChar (filters on it scan its column)`,
    );
  }
  const type = String(indexType ?? 'AUTOINDEX').toUpperCase() || 'AUTOINDEX';
  if (!allowed.includes(type)) {
    throw new InvalidArgumentError(
      `index_type for ${dataTypeName(field.dataType)} field "${field.name}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(indexType)}`,
    );
  }
  return type;
}
