/**
 * A checked plan as the native evaluator reads it (native/expr/filter.h): JSON in which
 * fields are column numbers of the segment's rows (-1 for the primary key) and integers are
 * written exactly (Int64 values beyond 2^53 included).
 */
import { InternalError } from '../errors.js';
import type { Operand, Plan, Value } from './plan.js';

/** Marks a bigint inside JSON.stringify's output, to be turned into bare digits. */
const BIGINT = '\u0000int:';

function operand(o: Operand, columnOf: (field: string) => number): unknown {
  switch (o.kind) {
    case 'field':
      return { kind: 'field', column: columnOf(o.field), path: o.path };
    case 'length':
      return { kind: 'length', column: columnOf(o.field), path: o.path };
    case 'value':
      return { kind: 'value', value: o.value };
    case 'arith':
      return { kind: 'arith', op: o.op, left: operand(o.left, columnOf), right: operand(o.right, columnOf) };
    case 'negate':
      return { kind: 'negate', operand: operand(o.operand, columnOf) };
  }
}

function expr(plan: Plan, columnOf: (field: string) => number): unknown {
  switch (plan.op) {
    case 'and':
    case 'or':
      return { op: plan.op, args: plan.args.map((a) => expr(a, columnOf)) };
    case 'not':
      return { op: 'not', arg: expr(plan.arg, columnOf) };
    case 'truthy':
      return { op: 'truthy', operand: operand(plan.operand, columnOf) };
    case 'compare':
      return { op: 'compare', cmp: plan.cmp, left: operand(plan.left, columnOf), right: operand(plan.right, columnOf) };
    case 'in':
      return { op: 'in', operand: operand(plan.operand, columnOf), values: plan.values };
    case 'like':
      return { op: 'like', operand: operand(plan.operand, columnOf), pattern: plan.pattern };
    case 'isNull':
    case 'exists':
      return { op: plan.op, column: columnOf(plan.field), path: plan.path };
    case 'contains':
      return { op: 'contains', mode: plan.mode, column: columnOf(plan.field), path: plan.path, values: plan.values };
  }
}

/** The plan's JSON for the native evaluator; `columns` maps field names to column numbers. */
export function toNativePlan(plan: Plan, columns: ReadonlyMap<string, number>, primaryKey: string): string {
  const columnOf = (field: string) => {
    if (field === primaryKey) return -1;
    const column = columns.get(field);
    if (column === undefined) throw new InternalError(`filter field "${field}" has no column in the segment`);
    return column;
  };
  return stringifyExact(expr(plan, columnOf));
}

/** JSON with bigints written as bare integers, every digit kept. */
export function stringifyExact(value: unknown): string {
  const json = JSON.stringify(value, (_, v: Value) => (typeof v === 'bigint' ? `${BIGINT}${v}` : v));
  return json.replace(/"\\u0000int:(-?\d+)"/g, '$1');
}
