/**
 * The syntax tree of a filter, as parsed, before it is checked against a schema. Every node
 * keeps the offset where it starts in the filter, for error messages.
 */

export type PathStep = string | number;

export type Node =
  | { type: 'literal'; value: bigint | number | string | boolean; at: number }
  | { type: 'list'; items: Node[]; at: number }
  /** A field, `$meta`, or a dynamic key; `path` indexes into JSON or an Array (`meta["a"][0]`). */
  | { type: 'field'; name: string; path: PathStep[]; at: number }
  /** `{name}`: a value from filter_params. */
  | { type: 'param'; name: string; at: number }
  | { type: 'not'; operand: Node; at: number }
  | { type: 'negate'; operand: Node; at: number }
  | { type: 'logical'; op: 'and' | 'or'; left: Node; right: Node; at: number }
  | { type: 'arith'; op: ArithOp; left: Node; right: Node; at: number }
  /** One comparison, or a chain (`1 < x <= 5`): operands[i] ops[i] operands[i + 1]. */
  | { type: 'compare'; ops: CompareOp[]; operands: Node[]; at: number }
  | { type: 'in'; negated: boolean; operand: Node; list: Node; at: number }
  | { type: 'like'; operand: Node; pattern: string; at: number }
  | { type: 'isNull'; negated: boolean; operand: Node; at: number }
  | { type: 'exists'; operand: Node; at: number }
  | { type: 'call'; name: CallName; args: Node[]; at: number };

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '**';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type CallName =
  | 'json_contains'
  | 'json_contains_all'
  | 'json_contains_any'
  | 'array_contains'
  | 'array_contains_all'
  | 'array_contains_any'
  | 'array_length';
