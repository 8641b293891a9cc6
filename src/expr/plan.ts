/**
 * A filter checked against a collection's schema: what the native evaluator runs over each
 * segment's columns. Fields are resolved (unknown names go to the dynamic field), literals
 * have their final types, template parameters are filled in, and every operator has
 * operands it can apply to.
 */
import type { CompareOp, PathStep } from './ast.js';

/** A literal value: Int64-safe integers are bigints; lists hold values. */
export type Value = bigint | number | string | boolean | null | Value[] | { [key: string]: Value };

/** What an operand holds, as far as the schema says (json: known only per row). */
export type ValueKind = 'int' | 'float' | 'string' | 'bool' | 'json' | 'array';

export type Operand =
  /** A column (a path into JSON or an Array; `field` is '$meta' for dynamic keys). */
  | { kind: 'field'; field: string; path: PathStep[]; type: ValueKind }
  | { kind: 'value'; value: Value; type: ValueKind }
  | { kind: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '**'; left: Operand; right: Operand; type: 'int' | 'float' }
  | { kind: 'negate'; operand: Operand; type: 'int' | 'float' }
  /** array_length(a): the length of an Array field or of a JSON array. */
  | { kind: 'length'; field: string; path: PathStep[]; type: 'int' };

export type Plan =
  | { op: 'and' | 'or'; args: Plan[] }
  | { op: 'not'; arg: Plan }
  /** A Bool field or JSON path used as a condition (`flag`, `not meta["on"]`). */
  | { op: 'truthy'; operand: Operand }
  | { op: 'compare'; cmp: CompareOp; left: Operand; right: Operand }
  | { op: 'in'; operand: Operand; values: Value[] }
  | { op: 'like'; operand: Operand; pattern: string }
  | { op: 'isNull'; field: string; path: PathStep[] }
  | { op: 'exists'; field: string; path: PathStep[] }
  /** json_contains* / array_contains*: `values` one (mode 'one') or several. */
  | { op: 'contains'; mode: 'one' | 'all' | 'any'; field: string; path: PathStep[]; values: Value[] };
