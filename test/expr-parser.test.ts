// The filter parser: Milvus's grammar into a syntax tree (shown here as S-expressions),
// precedence, every literal form, the errors (position and what was expected), and a fuzz
// run in which no input may fail any other way than with a FilterError.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FilterError } from '../src/errors.js';
import type { Node } from '../src/expr/ast.js';
import { parseFilter } from '../src/expr/parser.js';

/** A compact, unambiguous rendering of a tree. */
function show(node: Node): string {
  switch (node.type) {
    case 'literal':
      return typeof node.value === 'bigint' ? `${node.value}n` : JSON.stringify(node.value);
    case 'list':
      return `[${node.items.map(show).join(' ')}]`;
    case 'field':
      return node.name + node.path.map((p) => `[${JSON.stringify(p)}]`).join('');
    case 'param':
      return `{${node.name}}`;
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'negate':
      return `(- ${show(node.operand)})`;
    case 'logical':
    case 'arith':
      return `(${node.op} ${show(node.left)} ${show(node.right)})`;
    case 'compare':
      return `(${node.operands.map((o, i) => (i === 0 ? show(o) : `${node.ops[i - 1]} ${show(o)}`)).join(' ')})`;
    case 'in':
      return `(${node.negated ? 'not in' : 'in'} ${show(node.operand)} ${show(node.list)})`;
    case 'like':
      return `(like ${show(node.operand)} ${JSON.stringify(node.pattern)})`;
    case 'isNull':
      return `(${node.negated ? 'is not null' : 'is null'} ${show(node.operand)})`;
    case 'exists':
      return `(exists ${show(node.operand)})`;
    case 'call':
      return `(${node.name} ${node.args.map(show).join(' ')})`;
  }
}

const parsed = (filter: string) => show(parseFilter(filter));

test('comparisons, chains, membership, like, null tests and functions', () => {
  const cases: [string, string][] = [
    ['age > 18', '(age > 18n)'],
    ['10 < x <= 20', '(10n < x <= 20n)'],
    ['x >= 1 and x < 5', '(and (x >= 1n) (x < 5n))'],
    ['a == 1 || b != "x" && !c', '(or (a == 1n) (and (b != "x") (not c)))'],
    ['not age > 3', '(not (age > 3n))'],
    ['NOT (a IN [1, 2,]) OR b not in ["p"]', '(or (not (in a [1n 2n])) (not in b ["p"]))'],
    ['tag like "p%"', '(like tag "p%")'],
    ["name LIKE '%a_b%'", '(like name "%a_b%")'],
    ['x is null and y IS NOT NULL', '(and (is null x) (is not null y))'],
    ['exists meta["a"]["b"]', '(exists meta["a"]["b"])'],
    ['meta["list"][0] >= 2.5', '(meta["list"][0] >= 2.5)'],
    ['json_contains(meta["tags"], "red")', '(json_contains meta["tags"] "red")'],
    ['JSON_CONTAINS_ALL(x, [1, 2]) and json_contains_any(x, [3])', '(and (json_contains_all x [1n 2n]) (json_contains_any x [3n]))'],
    ['array_contains(a, 1) && ARRAY_LENGTH(a) == 3', '(and (array_contains a 1n) ((array_length a) == 3n))'],
    ['array_contains_all(a, [1]) or array_contains_any(a, [2])', '(or (array_contains_all a [1n]) (array_contains_any a [2n]))'],
    ['age > {min} and tag in {tags}', '(and (age > {min}) (in tag {tags}))'],
    ['$meta["k"] == true', '($meta["k"] == true)'],
    ['a == []', '(a == [])'],
  ];
  for (const [filter, expected] of cases) assert.equal(parsed(filter), expected, filter);
});

test('arithmetic: precedence, associativity, unary minus, power', () => {
  const cases: [string, string][] = [
    ['a + b * c == 7', '((+ a (* b c)) == 7n)'],
    ['(a + b) * c == 7', '((* (+ a b) c) == 7n)'],
    ['a - b - c > 0', '((- (- a b) c) > 0n)'],
    ['a % 3 == 1', '((% a 3n) == 1n)'],
    ['2 ** 3 ** 2 == x', '((** 2n (** 3n 2n)) == x)'],
    ['-a ** 2 < 0', '((- (** a 2n)) < 0n)'],
    ['x > -5 and y < - 2.5', '(and (x > -5n) (y < -2.5))'],
    ['x == -9223372036854775808', '(x == -9223372036854775808n)'],
    ['x / 2 >= +1', '((/ x 2n) >= 1n)'],
  ];
  for (const [filter, expected] of cases) assert.equal(parsed(filter), expected, filter);
});

test('literals: integer bases, floats, booleans, strings with escapes and unicode', () => {
  const cases: [string, string][] = [
    ['x == 0x1F', '(x == 31n)'],
    ['x == 0b101', '(x == 5n)'],
    ['x == 017', '(x == 15n)'],
    ['x == 0o17', '(x == 15n)'],
    ['x == 0', '(x == 0n)'],
    ['x == 1.5e3', '(x == 1500)'],
    ['x == .5', '(x == 0.5)'],
    ['x == 2E-2', '(x == 0.02)'],
    ['b == True and c == FALSE', '(and (b == true) (c == false))'],
    [String.raw`s == "a\"b\\c\n"`, String.raw`(s == "a\"b\\c\n")`],
    [String.raw`s == 'it\'s'`, `(s == "it's")`],
    [String.raw`s == "\u00e9\U0001F600\x41"`, '(s == "é😀A")'],
    ['s == "héllo wörld 日本"', '(s == "héllo wörld 日本")'],
  ];
  for (const [filter, expected] of cases) assert.equal(parsed(filter), expected, filter);
});

test('a bad filter is a FilterError giving the position and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['age >', 5, /expected a value or a field or \(, got the end of the filter/],
    ['age > 3 4', 8, /expected and or or/],
    ['(a == 1', 7, /expected \)/],
    ['a in [1, 2', 10, /expected , or \]/],
    ['tag like 5', 9, /a quoted pattern/],
    ['s == "open', 5, /no closing "/],
    [String.raw`s == "\q"`, 6, /unknown escape/],
    [String.raw`s == "\u12"`, 6, /4 hexadecimal digits/],
    ['x == 08', 5, /not an octal number/],
    ['x == 1abc', 6, /runs into/],
    ['x == 0x', 5, /no digits/],
    ['a # b', 2, /unexpected character "#"/],
    ['x is 3', 5, /expected null/],
    ['meta[x] == 1', 5, /a quoted key or an index/],
    ['{1} == a', 1, /a parameter name/],
    ['', 0, /got the end of the filter/],
  ];
  for (const [filter, position, message] of cases) {
    assert.throws(
      () => parseFilter(filter),
      (e: unknown) => {
        assert.ok(e instanceof FilterError, `${filter}: ${e}`);
        assert.equal(e.code, 'QV_INVALID_FILTER');
        assert.equal(e.position, position, filter);
        assert.match(e.message, message, filter);
        return true;
      },
    );
  }
  const deep = `${'('.repeat(5000)}a${')'.repeat(5000)}`;
  assert.throws(() => parseFilter(deep), /nested more than/);
  assert.throws(() => parseFilter(`${'not '.repeat(5000)}a`), /nested more than/);
  assert.throws(() => parseFilter(`a == ${'-'.repeat(5000)}1`), /nested more than/);
});

test('fuzz: any string parses or fails with a FilterError, never otherwise', () => {
  // Seeded: fragments of the grammar glued at random, then single characters flipped.
  let state = 12345;
  const random = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const pieces = [
    'a',
    'meta',
    '["k"]',
    '[0]',
    ' ',
    '==',
    '<',
    '<=',
    '!',
    'not',
    'in',
    'like',
    '"s"',
    "'t'",
    '1',
    '-',
    '2.5e',
    '0x',
    '(',
    ')',
    '[',
    ']',
    ',',
    '{p}',
    'and',
    '&&',
    '||',
    'is',
    'null',
    'exists',
    'json_contains(',
    'array_length(',
    '**',
    '%',
    '\\',
    '"',
    'é',
    '\u0000',
  ];
  let parsedCount = 0;
  const cases = 20000;
  for (let n = 0; n < cases; n++) {
    let filter = '';
    const length = 1 + random(12);
    for (let i = 0; i < length; i++) filter += pieces[random(pieces.length)];
    if (random(3) === 0 && filter.length > 0) {
      const at = random(filter.length);
      filter = filter.slice(0, at) + String.fromCharCode(random(128)) + filter.slice(at + 1);
    }
    try {
      parseFilter(filter);
      parsedCount++;
    } catch (error) {
      assert.ok(error instanceof FilterError, `${JSON.stringify(filter)}: ${error}`);
      assert.ok(error.position >= 0 && error.position <= filter.length, `${JSON.stringify(filter)}: position ${error.position}`);
    }
  }
  // Some of them must be real expressions, or the fuzz says little about the parser.
  assert.ok(parsedCount > 100, `${parsedCount} of ${cases} parsed`);
  console.log(`fuzz: ${cases} filters, ${parsedCount} parsed`);
});
