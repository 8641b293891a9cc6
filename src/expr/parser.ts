/**
 * Parses a filter in Milvus's language (Plan.g4) into a syntax tree. Precedence, loosest
 * first: `or`, `and`, `not`, comparisons (`== != < <= > >=`, chained into ranges; `in`,
 * `not in`, `like`, `is [not] null`), `+ -`, `* / %`, unary minus, `**` (right to left),
 * then values: literals, fields with JSON/Array paths, `[lists]`, `(groups)`, `{params}`,
 * `exists x` and the json_/array_ functions.
 *
 * Better than Milvus: `not` binds looser than a comparison, so `not age > 3` means
 * `not (age > 3)` (Milvus parses it as `(not age) > 3`, an error). Errors are FilterErrors
 * with the offset and what was expected there.
 */
import { FilterError } from '../errors.js';
import type { ArithOp, CallName, CompareOp, Node, PathStep } from './ast.js';
import { type Token, tokenize } from './lexer.js';

/** Nesting deeper than this is refused (a hostile filter must not overflow the stack). */
const MAX_DEPTH = 200;
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const CALLS = new Set<string>([
  'json_contains',
  'json_contains_all',
  'json_contains_any',
  'array_contains',
  'array_contains_all',
  'array_contains_any',
  'array_length',
]);

export function parseFilter(source: string): Node {
  return new Parser(source).parse();
}

class Parser {
  readonly #tokens: Token[];
  #i = 0;
  #depth = 0;

  constructor(source: string) {
    this.#tokens = tokenize(source);
  }

  parse(): Node {
    const node = this.#or();
    if (this.#peek().kind !== 'eof') this.#fail(this.#peek(), ['and', 'or', 'an operator', 'the end']);
    return node;
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#i + offset, this.#tokens.length - 1)];
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== 'eof') this.#i++;
    return token;
  }

  #is(text: string, offset = 0): boolean {
    const token = this.#peek(offset);
    return (token.kind === 'op' || token.kind === 'keyword') && token.text === text;
  }

  #accept(text: string): Token | undefined {
    return this.#is(text) ? this.#next() : undefined;
  }

  #expect(text: string): Token {
    const token = this.#accept(text);
    if (!token) this.#fail(this.#peek(), [text]);
    return token as Token;
  }

  #fail(token: Token, expected: string[]): never {
    const got = token.kind === 'eof' ? 'the end of the filter' : JSON.stringify(token.text);
    throw new FilterError(`filter, at ${token.start}: expected ${expected.join(' or ')}, got ${got}`, token.start, expected);
  }

  /** Runs a rule one level deeper, refusing nesting past MAX_DEPTH. */
  #nested<T>(rule: () => T): T {
    if (++this.#depth > MAX_DEPTH) {
      const token = this.#peek();
      throw new FilterError(`filter, at ${token.start}: nested more than ${MAX_DEPTH} deep`, token.start);
    }
    try {
      return rule();
    } finally {
      this.#depth--;
    }
  }

  #or(): Node {
    let left = this.#and();
    while (this.#is('or')) {
      const at = this.#next().start;
      left = { type: 'logical', op: 'or', left, right: this.#and(), at };
    }
    return left;
  }

  #and(): Node {
    let left = this.#not();
    while (this.#is('and')) {
      const at = this.#next().start;
      left = { type: 'logical', op: 'and', left, right: this.#not(), at };
    }
    return left;
  }

  #not(): Node {
    if (this.#is('not') && !this.#is('in', 1)) {
      const at = this.#next().start;
      return this.#nested(() => ({ type: 'not', operand: this.#not(), at }));
    }
    return this.#comparison();
  }

  #comparison(): Node {
    const first = this.#additive();
    const token = this.#peek();
    if (token.kind === 'op' && COMPARE_OPS.has(token.text)) {
      const ops: CompareOp[] = [];
      const operands = [first];
      while (this.#peek().kind === 'op' && COMPARE_OPS.has(this.#peek().text)) {
        ops.push(this.#next().text as CompareOp);
        operands.push(this.#additive());
      }
      return { type: 'compare', ops, operands, at: first.at };
    }
    if (this.#is('in') || (this.#is('not') && this.#is('in', 1))) {
      const negated = !!this.#accept('not');
      this.#next();
      return { type: 'in', negated, operand: first, list: this.#additive(), at: first.at };
    }
    if (this.#accept('like')) {
      const pattern = this.#next();
      if (pattern.kind !== 'string') this.#fail(pattern, ['a quoted pattern']);
      return { type: 'like', operand: first, pattern: pattern.value as string, at: first.at };
    }
    if (this.#accept('is')) {
      const negated = !!this.#accept('not');
      this.#expect('null');
      return { type: 'isNull', negated, operand: first, at: first.at };
    }
    return first;
  }

  #additive(): Node {
    let left = this.#multiplicative();
    while (this.#is('+') || this.#is('-')) {
      const op = this.#next();
      left = { type: 'arith', op: op.text as ArithOp, left, right: this.#multiplicative(), at: op.start };
    }
    return left;
  }

  #multiplicative(): Node {
    let left = this.#unary();
    while (this.#is('*') || this.#is('/') || this.#is('%')) {
      const op = this.#next();
      left = { type: 'arith', op: op.text as ArithOp, left, right: this.#unary(), at: op.start };
    }
    return left;
  }

  #unary(): Node {
    if (this.#is('-') || this.#is('+')) {
      const op = this.#next();
      const operand = this.#nested(() => this.#unary());
      if (op.text === '+') return operand;
      // A negative literal stays a literal (-9223372036854775808 fits Int64; its positive does not).
      if (operand.type === 'literal' && (typeof operand.value === 'bigint' || typeof operand.value === 'number')) {
        return { type: 'literal', value: -operand.value, at: op.start };
      }
      return { type: 'negate', operand, at: op.start };
    }
    return this.#power();
  }

  #power(): Node {
    const base = this.#primary();
    if (!this.#is('**')) return base;
    const op = this.#next();
    return { type: 'arith', op: '**', left: base, right: this.#nested(() => this.#unary()), at: op.start };
  }

  #primary(): Node {
    const token = this.#peek();
    switch (token.kind) {
      case 'int':
      case 'float':
      case 'string':
      case 'bool':
        this.#next();
        return { type: 'literal', value: token.value as bigint | number | string | boolean, at: token.start };
      case 'ident':
        this.#next();
        return { type: 'field', name: token.text, path: this.#path(), at: token.start };
      case 'keyword':
        if (CALLS.has(token.text)) return this.#call();
        if (token.text === 'exists') {
          this.#next();
          const operand = this.#nested(() => this.#primary());
          return { type: 'exists', operand, at: token.start };
        }
        break;
      case 'op':
        if (token.text === '(') {
          this.#next();
          const inner = this.#nested(() => this.#or());
          this.#expect(')');
          return inner;
        }
        if (token.text === '[') return this.#list();
        if (token.text === '{') {
          this.#next();
          const name = this.#next();
          if (name.kind !== 'ident') this.#fail(name, ['a parameter name']);
          this.#expect('}');
          return { type: 'param', name: name.text, at: token.start };
        }
        break;
    }
    return this.#fail(token, ['a value', 'a field', '(']);
  }

  /** `["key"]` and `[0]` steps after a field name. */
  #path(): PathStep[] {
    const path: PathStep[] = [];
    while (this.#is('[')) {
      this.#next();
      const step = this.#next();
      if (step.kind === 'string') path.push(step.value as string);
      else if (step.kind === 'int' && (step.value as bigint) <= BigInt(Number.MAX_SAFE_INTEGER)) path.push(Number(step.value));
      else this.#fail(step, ['a quoted key', 'an index']);
      this.#expect(']');
    }
    return path;
  }

  #list(): Node {
    const open = this.#expect('[');
    const items: Node[] = [];
    while (!this.#is(']')) {
      items.push(this.#nested(() => this.#or()));
      if (!this.#accept(',')) break;
    }
    if (!this.#is(']')) this.#fail(this.#peek(), [',', ']']);
    this.#next();
    return { type: 'list', items, at: open.start };
  }

  #call(): Node {
    const name = this.#next();
    this.#expect('(');
    const args: Node[] = [];
    while (!this.#is(')')) {
      args.push(this.#nested(() => this.#or()));
      if (!this.#accept(',')) break;
    }
    this.#expect(')');
    return { type: 'call', name: name.text as CallName, args, at: name.start };
  }
}
