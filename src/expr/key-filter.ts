/**
 * Primary keys in requests: `ids`, and filters that only name keys (`id in [1, 2]`,
 * `id == 7`), which reads answer by key lookup instead of evaluating the filter.
 */
import { InvalidArgumentError } from '../errors.js';
import { DataType } from '../schema/data-type.js';
import { toInt64 } from '../schema/int64.js';
import type { Field } from '../schema/schema.js';
import type { Operand, Plan, Value } from './plan.js';

export type Key = bigint | string;

/** A primary-key value of the key field's type, from a request (number, bigint or string). */
export function toKey(pk: Field, value: unknown): Key {
  if (pk.dataType === DataType.VarChar) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`primary key "${pk.name}" is a VarChar: ${JSON.stringify(value)} is not a string`);
    return value;
  }
  const key = toInt64(value);
  if (typeof key === 'string') throw new InvalidArgumentError(`primary key "${pk.name}": ${key}`);
  return key;
}

/** The primary key field as a plan operand (the filter `pk in [...]` and the iterators' `pk > last` compare it). */
export function keyOperand(pk: Field): Operand & { kind: 'field' } {
  return { kind: 'field', field: pk.name, path: [], type: pk.dataType === DataType.VarChar ? 'string' : 'int' };
}

/** The keys a plan selects if it is `pk == v` or `pk in [...]` (undefined for any other plan). */
export function keysOfPlan(plan: Plan, pk: Field): Key[] | undefined {
  const isKey = (o: { kind: string; field?: string; path?: unknown[] }) => o.kind === 'field' && o.field === pk.name && o.path?.length === 0;
  const keyOf = (value: Value) =>
    pk.dataType === DataType.VarChar ? (typeof value === 'string' ? value : undefined) : typeof value === 'bigint' ? value : undefined;
  let values: Value[] | undefined;
  if (plan.op === 'in' && isKey(plan.operand)) values = plan.values;
  if (plan.op === 'compare' && plan.cmp === '==') {
    if (isKey(plan.left) && plan.right.kind === 'value') values = [plan.right.value];
    else if (isKey(plan.right) && plan.left.kind === 'value') values = [plan.left.value];
  }
  const keys = values?.map(keyOf);
  return keys?.every((k) => k !== undefined) ? (keys as Key[]) : undefined;
}
