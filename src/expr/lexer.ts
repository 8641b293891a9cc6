/**
 * Tokens of Milvus's filter language (Plan.g4): literals, identifiers, keywords in the case
 * forms Milvus accepts (`and`/`AND`, `true`/`True`/`TRUE`, ...), operators and punctuation.
 * Every token keeps where it starts, so that errors can point at it.
 */
import { FilterError } from '../errors.js';

export type TokenKind = 'int' | 'float' | 'string' | 'bool' | 'ident' | 'keyword' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The operator or keyword in one spelling (lower case; `&&` is `and`), or the source text. */
  text: string;
  /** int: bigint; float: number; string: the unescaped text; bool: boolean. */
  value?: bigint | number | string | boolean;
  start: number;
  end: number;
}

/** Keywords and the spellings Milvus gives them, each to its one name here. */
const KEYWORDS = new Map<string, string>();
for (const word of ['and', 'or', 'not', 'in', 'like', 'exists', 'is', 'null']) {
  KEYWORDS.set(word, word);
  KEYWORDS.set(word.toUpperCase(), word);
}
for (const name of ['json_contains', 'json_contains_all', 'json_contains_any', 'array_contains', 'array_contains_all', 'array_contains_any', 'array_length']) {
  KEYWORDS.set(name, name);
  KEYWORDS.set(name.toUpperCase(), name);
}
const BOOLEANS = new Map<string, boolean>([
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);

/** Longest first, so that `<=` is not read as `<` then `=`. */
const OPERATORS = ['**', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', '[', ']', ',', '{', '}'];
const SPELLED = new Map([
  ['&&', 'and'],
  ['||', 'or'],
  ['!', 'not'],
]);

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at: number, expected: string[] = []): never => {
    throw new FilterError(`filter, at ${at}: ${message}`, at, expected);
  };
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      tokens.push(readNumber(source, start, fail));
      i = tokens[tokens.length - 1].end;
      continue;
    }
    if (c === '"' || c === "'") {
      const [value, end] = readString(source, start, fail);
      tokens.push({ kind: 'string', text: source.slice(start, end), value, start, end });
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      while (i < source.length && isIdentPart(source[i])) i++;
      const word = source.slice(start, i);
      const keyword = KEYWORDS.get(word);
      const bool = BOOLEANS.get(word);
      if (bool !== undefined) tokens.push({ kind: 'bool', text: word, value: bool, start, end: i });
      else if (keyword) tokens.push({ kind: 'keyword', text: keyword, start, end: i });
      else tokens.push({ kind: 'ident', text: word, start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) fail(`unexpected character ${JSON.stringify(c)}`, start);
    i += (op as string).length;
    const spelled = SPELLED.get(op as string);
    tokens.push({ kind: spelled ? 'keyword' : 'op', text: spelled ?? (op as string), start, end: i });
  }
  tokens.push({ kind: 'eof', text: 'the end', start: source.length, end: source.length });
  return tokens;
}

type Fail = (message: string, at: number, expected?: string[]) => never;

function readNumber(source: string, start: number, fail: Fail): Token {
  let i = start;
  const radix = source[i] === '0' ? { x: 16, X: 16, o: 8, O: 8, b: 2, B: 2 }[source[i + 1] ?? ''] : undefined;
  if (radix) {
    i += 2;
    const digits = radix === 16 ? /[0-9a-fA-F]/ : radix === 8 ? /[0-7]/ : /[01]/;
    while (i < source.length && digits.test(source[i])) i++;
    if (i === start + 2) fail('a number with no digits', start);
    const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '0b';
    return { kind: 'int', text: source.slice(start, i), value: BigInt(prefix + source.slice(start + 2, i)), start, end: i };
  }
  while (i < source.length && isDigit(source[i])) i++;
  let float = false;
  if (source[i] === '.') {
    float = true;
    i++;
    while (i < source.length && isDigit(source[i])) i++;
  }
  if (source[i] === 'e' || source[i] === 'E') {
    let j = i + 1;
    if (source[j] === '+' || source[j] === '-') j++;
    if (isDigit(source[j] ?? '')) {
      float = true;
      i = j;
      while (i < source.length && isDigit(source[i])) i++;
    }
  }
  if (i < source.length && isIdentPart(source[i])) fail(`a number runs into ${JSON.stringify(source[i])}`, i);
  const text = source.slice(start, i);
  if (float) return { kind: 'float', text, value: Number(text), start, end: i };
  // A leading 0 makes an octal number (as in Plan.g4), except 0 itself.
  if (text.length > 1 && text[0] === '0') {
    if (!/^[0-7]+$/.test(text)) fail(`${text} is not an octal number (a leading 0 means octal)`, start);
    return { kind: 'int', text, value: BigInt(`0o${text.slice(1)}`), start, end: i };
  }
  return { kind: 'int', text, value: BigInt(text), start, end: i };
}

/** A quoted string from `start`: its value and where it ends (after the closing quote). */
function readString(source: string, start: number, fail: Fail): [string, number] {
  const quote = source[start];
  let out = '';
  let i = start + 1;
  while (i < source.length && source[i] !== quote) {
    const c = source[i];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === undefined) break;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = source.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) fail(`\\${e} needs ${width} hexadecimal digits`, i);
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) fail(`\\${e}${hex} is not a Unicode code point`, i);
      out += String.fromCodePoint(code);
      i += 2 + width;
    } else {
      fail(`unknown escape \\${e}`, i);
    }
  }
  if (i >= source.length) fail(`a string that starts here has no closing ${quote}`, start, [quote]);
  return [out, i + 1];
}
