/**
 * Checks a parsed filter against a collection's schema and turns it into a Plan. Each
 * mistake is a FilterError at the offending node, with its own message: an unknown field,
 * a comparison of mismatched types (`name > 3` on a VarChar), an empty `in` list, a missing
 * or unusable template parameter, a function on the wrong kind of field.
 */
import { FilterError } from '../errors.js';
import { DataType, dataTypeName } from '../schema/data-type.js';
import { type CollectionSchema, DYNAMIC_FIELD, type Field } from '../schema/schema.js';
import type { CompareOp, Node } from './ast.js';
import { stringifyExact } from './native-plan.js';
import type { Operand, Plan, Value, ValueKind } from './plan.js';

const INT_TYPES = new Set([DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64]);
const FLOAT_TYPES = new Set([DataType.Float, DataType.Double]);

function kindOf(type: DataType): ValueKind | undefined {
  if (INT_TYPES.has(type)) return 'int';
  if (FLOAT_TYPES.has(type)) return 'float';
  if (type === DataType.VarChar) return 'string';
  if (type === DataType.Bool) return 'bool';
  if (type === DataType.JSON) return 'json';
  if (type === DataType.Array) return 'array';
  return undefined;
}

function kindOfValue(value: Value): ValueKind {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float'; // integers are bigints from the lexer and from parameters
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'json';
}

const NUMERIC = new Set<ValueKind>(['int', 'float']);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether a value of kind a can be compared with one of kind b (json: decided per row). */
function comparable(a: ValueKind, b: ValueKind): boolean {
  if (a === 'json' || b === 'json') return true;
  if (NUMERIC.has(a) && NUMERIC.has(b)) return true;
  return a === b && a !== 'array';
}

const KIND_NAMES: Record<ValueKind, string> = { int: 'an integer', float: 'a number', string: 'a string', bool: 'a boolean', json: 'JSON', array: 'an array' };

export function checkFilter(node: Node, schema: CollectionSchema, params: Record<string, unknown> = {}): Plan {
  return new Checker(schema, params).condition(node);
}

class Checker {
  readonly #fields: Map<string, Field>;

  constructor(
    readonly schema: CollectionSchema,
    readonly params: Record<string, unknown>,
  ) {
    this.#fields = new Map(schema.fields.map((f) => [f.name, f]));
  }

  #fail(at: number, message: string): never {
    throw new FilterError(`filter, at ${at}: ${message}`, at);
  }

  /** A node that must be true or false for a row. */
  condition(node: Node): Plan {
    switch (node.type) {
      case 'logical':
        return { op: node.op, args: [this.condition(node.left), this.condition(node.right)] };
      case 'not':
        return { op: 'not', arg: this.condition(node.operand) };
      case 'compare':
        return this.#compare(node);
      case 'in':
        return this.#in(node);
      case 'like': {
        const operand = this.operand(node.operand);
        if (operand.type !== 'string' && operand.type !== 'json')
          this.#fail(node.at, `like needs a VarChar field or a JSON value, not ${this.#describe(operand)}`);
        return { op: 'like', operand, pattern: node.pattern };
      }
      case 'isNull': {
        const operand = this.operand(node.operand);
        if (operand.kind !== 'field') this.#fail(node.at, 'is null needs a field');
        const field = this.#fields.get(operand.field);
        if (operand.path.length === 0 && field && !field.nullable && field.dataType !== DataType.JSON) {
          this.#fail(node.at, `field "${operand.field}" is not nullable: is null would never hold`);
        }
        const plan: Plan = { op: 'isNull', field: operand.field, path: operand.path };
        return node.negated ? { op: 'not', arg: plan } : plan;
      }
      case 'exists': {
        const operand = this.operand(node.operand);
        if (operand.kind !== 'field' || operand.type !== 'json') this.#fail(node.at, 'exists needs a JSON field or a key of one (exists meta["key"])');
        return { op: 'exists', field: operand.field, path: operand.path };
      }
      case 'call':
        return this.#call(node);
      case 'field': {
        const operand = this.operand(node);
        if (operand.type !== 'bool' && operand.type !== 'json') this.#fail(node.at, `${this.#describe(operand)} is not a condition: compare it with something`);
        return { op: 'truthy', operand };
      }
      case 'literal':
        if (typeof node.value === 'boolean') return { op: node.value ? 'and' : 'or', args: [] };
        return this.#fail(node.at, `${JSON.stringify(String(node.value))} is not a condition`);
      default:
        return this.#fail(node.at, 'this is a value, not a condition: compare it with something');
    }
  }

  /** A node that gives a value per row: a field, a literal, arithmetic, array_length. */
  operand(node: Node): Operand {
    switch (node.type) {
      case 'literal':
        if (typeof node.value === 'bigint' && (node.value > INT64_MAX || node.value < -INT64_MAX - 1n))
          this.#fail(node.at, `${node.value} is outside the Int64 range`);
        return { kind: 'value', value: node.value, type: kindOfValue(node.value) };
      case 'param': {
        const value = this.#param(node.name, node.at);
        return { kind: 'value', value, type: kindOfValue(value) };
      }
      case 'list':
        return { kind: 'value', value: this.#values(node), type: 'array' };
      case 'field':
        return this.#field(node);
      case 'negate': {
        const operand = this.operand(node.operand);
        if (!NUMERIC.has(operand.type) && operand.type !== 'json') this.#fail(node.at, `- needs a number, not ${this.#describe(operand)}`);
        return { kind: 'negate', operand, type: operand.type === 'int' ? 'int' : 'float' };
      }
      case 'arith': {
        const left = this.operand(node.left);
        const right = this.operand(node.right);
        for (const side of [left, right]) {
          if (!NUMERIC.has(side.type) && side.type !== 'json') this.#fail(node.at, `${node.op} needs numbers, not ${this.#describe(side)}`);
        }
        if (node.op === '%' && (left.type === 'float' || right.type === 'float')) this.#fail(node.at, '% needs integers');
        const type = left.type === 'int' && right.type === 'int' && node.op !== '/' && node.op !== '**' ? 'int' : 'float';
        return { kind: 'arith', op: node.op, left, right, type };
      }
      case 'call':
        if (node.name === 'array_length') {
          if (node.args.length !== 1) this.#fail(node.at, 'array_length takes one field');
          const target = this.operand(node.args[0]);
          if (target.kind !== 'field' || (target.type !== 'array' && target.type !== 'json'))
            this.#fail(node.at, 'array_length needs an Array field or a JSON array');
          return { kind: 'length', field: target.field, path: target.path, type: 'int' };
        }
        return this.#fail(node.at, `${node.name}(...) is a condition, not a value`);
      default:
        return this.#fail(node.at, 'this is a condition, not a value');
    }
  }

  #field(node: Extract<Node, { type: 'field' }>): Operand {
    let name = node.name;
    let path = node.path;
    let field = this.#fields.get(name);
    if (!field && name !== DYNAMIC_FIELD) {
      if (!this.schema.enableDynamicField) this.#fail(node.at, `unknown field "${name}" (and the dynamic field is off)`);
      path = [name, ...path];
      name = DYNAMIC_FIELD;
    }
    if (name === DYNAMIC_FIELD) {
      if (!this.schema.enableDynamicField) this.#fail(node.at, 'the collection has no dynamic field ($meta)');
      return { kind: 'field', field: DYNAMIC_FIELD, path, type: 'json' };
    }
    field = field as Field;
    if (field.dataType === DataType.FloatVector) this.#fail(node.at, `"${name}" is a vector field: filters apply to scalar fields`);
    const kind = kindOf(field.dataType) as ValueKind;
    if (path.length === 0) return { kind: 'field', field: name, path, type: kind };
    if (kind === 'json') return { kind: 'field', field: name, path, type: 'json' };
    if (kind === 'array') {
      if (path.length !== 1 || typeof path[0] !== 'number') this.#fail(node.at, `"${name}" is an Array: index it with one number (${name}[0])`);
      return { kind: 'field', field: name, path, type: kindOf(field.elementType as DataType) as ValueKind };
    }
    return this.#fail(node.at, `"${name}" is a ${dataTypeName(field.dataType)}: only JSON and Array fields take [ ]`);
  }

  #param(name: string, at: number): Value {
    if (!Object.hasOwn(this.params, name)) this.#fail(at, `template parameter {${name}} is not in filter_params`);
    const value = this.params[name];
    const checked = toValue(value);
    if (checked === undefined) this.#fail(at, `template parameter {${name}} is not a number, string, boolean or a list of them`);
    return checked;
  }

  /** The values of a literal list (or a parameter holding one). */
  #values(node: Node): Value[] {
    if (node.type === 'param') {
      const value = this.#param(node.name, node.at);
      if (!Array.isArray(value)) this.#fail(node.at, `template parameter {${node.name}} must be a list here`);
      return value;
    }
    if (node.type !== 'list') return this.#fail(node.at, 'expected a list of values ([1, 2, 3])');
    return node.items.map((item) => {
      const operand = this.operand(item);
      if (operand.kind !== 'value') this.#fail(item.at, 'a list holds values, not fields');
      return operand.value;
    });
  }

  #compare(node: Extract<Node, { type: 'compare' }>): Plan {
    const operands = node.operands.map((o) => this.operand(o));
    const parts: Plan[] = [];
    for (let i = 0; i < node.ops.length; i++) {
      const [left, right] = [operands[i], operands[i + 1]];
      const op = node.ops[i];
      if (!comparable(left.type, right.type)) {
        this.#fail(node.operands[i + 1].at, `cannot compare ${this.#describe(left)} with ${this.#describe(right)}`);
      }
      if (left.type === 'bool' && right.type === 'bool' && op !== '==' && op !== '!=') this.#fail(node.at, `booleans compare only with == and !=, not ${op}`);
      if (left.kind === 'value' && right.kind === 'value') this.#fail(node.at, 'a comparison needs a field on at least one side');
      parts.push({ op: 'compare', cmp: op as CompareOp, left, right });
    }
    return parts.length === 1 ? parts[0] : { op: 'and', args: parts };
  }

  #in(node: Extract<Node, { type: 'in' }>): Plan {
    const operand = this.operand(node.operand);
    if (operand.kind === 'value') this.#fail(node.at, 'in needs a field on its left');
    const values = this.#values(node.list);
    if (values.length === 0) this.#fail(node.list.at, 'the in list is empty: it would match no row (write a condition that says so, or leave the filter out)');
    for (const value of values) {
      if (!comparable(operand.type, kindOfValue(value)))
        this.#fail(node.list.at, `${this.#describe(operand)} cannot be in a list holding ${KIND_NAMES[kindOfValue(value)]}`);
    }
    const plan: Plan = { op: 'in', operand, values };
    return node.negated ? { op: 'not', arg: plan } : plan;
  }

  #call(node: Extract<Node, { type: 'call' }>): Plan {
    if (node.name === 'array_length') this.#fail(node.at, 'array_length(...) is a value: compare it (array_length(a) == 3)');
    if (node.args.length !== 2)
      this.#fail(node.at, `${node.name} takes a field and ${node.name.endsWith('_all') || node.name.endsWith('_any') ? 'a list' : 'a value'}`);
    const target = this.operand(node.args[0]);
    if (target.kind !== 'field' || (target.type !== 'json' && target.type !== 'array')) {
      this.#fail(node.at, `${node.name} needs an Array field, or a JSON field or key, first`);
    }
    const mode = node.name.endsWith('_all') ? 'all' : node.name.endsWith('_any') ? 'any' : 'one';
    const field = this.#fields.get(target.field);
    const element = field?.dataType === DataType.Array && target.path.length === 0 ? kindOf(field.elementType as DataType) : undefined;
    let values: Value[];
    if (mode === 'one') {
      const value = this.operand(node.args[1]);
      if (value.kind !== 'value') this.#fail(node.args[1].at, `${node.name} compares with a value, not a field`);
      values = [value.value];
    } else {
      values = this.#values(node.args[1]);
      if (values.length === 0) this.#fail(node.args[1].at, `the ${node.name} list is empty`);
    }
    if (element) {
      for (const value of values) {
        if (!comparable(element, kindOfValue(value)))
          this.#fail(
            node.args[1].at,
            `"${target.field}" holds ${dataTypeName(field?.elementType as DataType)} elements, not ${KIND_NAMES[kindOfValue(value)]}`,
          );
      }
    }
    return { op: 'contains', mode, field: target.field, path: target.path, values };
  }

  #describe(operand: Operand): string {
    if (operand.kind === 'field') {
      const path = operand.path.map((p) => `[${JSON.stringify(p)}]`).join('');
      const field = this.#fields.get(operand.field);
      const type = field && operand.path.length === 0 ? ` (${dataTypeName(field.dataType)})` : '';
      return `field "${operand.field}${path}"${type}`;
    }
    if (operand.kind === 'value') return `${KIND_NAMES[operand.type]} (${stringifyExact(operand.value)})`;
    return KIND_NAMES[operand.type];
  }
}

/** A filter parameter as a plan value (integers as bigints), or undefined if it is not one. */
function toValue(value: unknown, depth = 0): Value | undefined {
  if (depth > 32) return undefined;
  if (typeof value === 'bigint') return value <= INT64_MAX && value >= -INT64_MAX - 1n ? value : undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => toValue(v, depth + 1));
    return items.every((v) => v !== undefined) ? (items as Value[]) : undefined;
  }
  return undefined;
}
