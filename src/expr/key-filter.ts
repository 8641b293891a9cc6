/**
 * The filters this version evaluates: none, or a set of primary keys (`id in [1, 2, 3]`,
 * `id == 7`, `name in ["a", "b"]`), as get and delete use. Milvus's whole expression
 * language (scalar fields, JSON paths, like, and/or/not) is the next step; any other filter
 * is refused with an UnsupportedError, never ignored.
 */
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import { DataType } from '../schema/data-type.js';
import { toInt64 } from '../schema/int64.js';
import type { Field } from '../schema/schema.js';

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

const LITERAL = String.raw`(?:-?\d+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`;

function literal(text: string): unknown {
  if (/^-?\d+$/.test(text)) return BigInt(text);
  const body = text.slice(1, -1);
  return body.replace(/\\(.)/g, '$1');
}

/** The keys a filter selects, or undefined for an empty filter (every row). */
export function keysOfFilter(filter: string | undefined, pk: Field): Key[] | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  if (typeof filter !== 'string') throw new InvalidArgumentError('filter must be a string');
  const name = pk.name.replace(/[$]/g, '\\$');
  const inList = new RegExp(String.raw`^\s*${name}\s+in\s*\[\s*((?:${LITERAL}\s*(?:,\s*${LITERAL}\s*)*)?)\]\s*$`, 'i').exec(filter);
  if (inList) {
    const items = inList[1].match(new RegExp(LITERAL, 'g')) ?? [];
    return items.map((item) => toKey(pk, literal(item)));
  }
  const equals = new RegExp(String.raw`^\s*${name}\s*==\s*(${LITERAL})\s*$`).exec(filter);
  if (equals) return [toKey(pk, literal(equals[1]))];
  throw new UnsupportedError(
    `filter ${JSON.stringify(filter)}: this version evaluates only primary-key filters ("${pk.name} in [...]" or "${pk.name} == ..."); ` +
      'the full Milvus expression language is on its way',
  );
}
