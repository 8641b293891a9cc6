// Filters through the database, against a reference evaluator written here: thousands of
// random expressions over random rows (nulls, nested JSON with arrays, Arrays, unicode
// strings, dynamic keys) must select the same rows natively as by the reference, in sealed
// and growing segments; a filtered search equals brute force over the rows that pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataType, FilterError } from '../../src/index.js';
import { seededRandom } from '../helpers.js';
import { openDb, workFolder } from './db-helpers.js';

const folder = workFolder('filters');

function rng(seed: number) {
  const next = seededRandom(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] };
}

const WORDS = ['apple', 'apricot', 'banana', 'été', 'naïve', '日本', 'a_b', '50%', '', 'Zed', 'zed'];

interface Row {
  id: number;
  vector: number[];
  i32: number | null;
  d: number;
  s: string | null;
  b: boolean;
  j: Record<string, unknown>;
  nums: number[];
  tags: string[];
  dyn?: number | string;
}

function makeRows(count: number, seed: number): Row[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, id) => {
    const j: Record<string, unknown> = {};
    if (r.next() < 0.8) j.a = r.int(10) - 3;
    if (r.next() < 0.6) j.b = { c: r.pick(WORDS), d: r.int(5) };
    if (r.next() < 0.7) j.list = Array.from({ length: r.int(4) }, () => r.int(6));
    if (r.next() < 0.2) j.a = r.pick(WORDS); // a string where others hold numbers
    if (r.next() < 0.1) j.n = null;
    const row: Row = {
      id,
      vector: [r.next(), r.next(), r.next(), r.next()],
      i32: r.next() < 0.15 ? null : r.int(20) - 5,
      d: Math.round((r.next() * 10 - 5) * 4) / 4,
      s: r.next() < 0.15 ? null : r.pick(WORDS),
      b: r.next() < 0.5,
      j,
      nums: Array.from({ length: r.int(4) }, () => r.int(6)),
      tags: Array.from({ length: r.int(3) }, () => r.pick(WORDS)),
    };
    if (r.next() < 0.5) row.dyn = r.next() < 0.7 ? r.int(8) : r.pick(WORDS);
    return row;
  });
}

// --- the reference evaluator: three-valued, as documented in native/expr/filter.h ---------

type Tri = boolean | undefined; // undefined: unknown
const UNKNOWN = Symbol('unknown');
type V = unknown;

function codePointCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function jsonEqual(a: V, b: V): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => k in a && k in b && jsonEqual((a as Record<string, V>)[k], (b as Record<string, V>)[k]));
  }
  return a === b;
}

function like(text: string, pattern: string): boolean {
  const chars = [...text];
  const tokens: { kind: 'any' | 'one' | 'lit'; c?: string }[] = [];
  const p = [...pattern];
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\' && i + 1 < p.length) tokens.push({ kind: 'lit', c: p[++i] });
    else if (p[i] === '%') tokens.push({ kind: 'any' });
    else if (p[i] === '_') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'lit', c: p[i] });
  }
  const match = (t: number, k: number): boolean => {
    if (k === tokens.length) return t === chars.length;
    const token = tokens[k];
    if (token.kind === 'any') {
      for (let u = t; u <= chars.length; u++) if (match(u, k + 1)) return true;
      return false;
    }
    if (t >= chars.length) return false;
    return (token.kind === 'one' || chars[t] === token.c) && match(t + 1, k + 1);
  };
  return match(0, 0);
}

// --- random expressions, each with its reference ------------------------------------------

interface Gen {
  text: string;
  evaluate: (row: Row) => Tri;
}
interface ValueGen {
  text: string;
  value: (row: Row) => V | typeof UNKNOWN;
  kind: 'num' | 'str' | 'bool' | 'json';
}

function at(value: V, path: (string | number)[]): V | typeof UNKNOWN {
  let v = value;
  for (const step of path) {
    if (typeof step === 'number' ? !Array.isArray(v) || step >= v.length : v === null || typeof v !== 'object' || Array.isArray(v) || !(step in v))
      return UNKNOWN;
    v = (v as Record<string | number, V>)[step];
  }
  return v;
}

function known(v: V | typeof UNKNOWN): v is V {
  return v !== UNKNOWN && v !== null && v !== undefined;
}

function generator(seed: number) {
  const r = rng(seed);
  const quote = (s: string) => JSON.stringify(s);
  const numLiteral = () => (r.next() < 0.7 ? String(r.int(12) - 4) : String(Math.round((r.next() * 10 - 5) * 4) / 4 || 0.5));
  const strLiteral = () => r.pick(WORDS);
  const field = (): ValueGen =>
    r.pick<() => ValueGen>([
      () => ({ text: 'i32', value: (row) => row.i32, kind: 'num' }),
      () => ({ text: 'd', value: (row) => row.d, kind: 'num' }),
      () => ({ text: 's', value: (row) => row.s, kind: 'str' }),
      () => ({ text: 'j["a"]', value: (row) => at(row.j, ['a']), kind: 'json' }),
      () => ({ text: 'j["b"]["c"]', value: (row) => at(row.j, ['b', 'c']), kind: 'json' }),
      () => ({ text: 'j["b"]["d"]', value: (row) => at(row.j, ['b', 'd']), kind: 'json' }),
      () => ({ text: 'j["list"][0]', value: (row) => at(row.j, ['list', 0]), kind: 'json' }),
      () => ({ text: 'nums[1]', value: (row) => at(row.nums, [1]), kind: 'num' }),
      () => ({ text: 'dyn', value: (row) => (row.dyn === undefined ? UNKNOWN : row.dyn), kind: 'json' }),
      () => ({ text: 'array_length(tags)', value: (row) => row.tags.length, kind: 'num' }),
      () => ({ text: '(i32 + 3)', value: (row) => (row.i32 === null ? UNKNOWN : row.i32 + 3), kind: 'num' }),
      () => ({ text: '(i32 % 4)', value: (row) => (row.i32 === null ? UNKNOWN : row.i32 % 4), kind: 'num' }),
    ])();
  const compare = (op: string, a: V, b: V): Tri => {
    if (op === '==') return jsonEqual(a, b);
    if (op === '!=') return !jsonEqual(a, b);
    let o: number;
    if (typeof a === 'number' && typeof b === 'number') o = a < b ? -1 : a > b ? 1 : 0;
    else if (typeof a === 'string' && typeof b === 'string') o = codePointCompare(a, b);
    else return false;
    return op === '<' ? o < 0 : op === '<=' ? o <= 0 : op === '>' ? o > 0 : o >= 0;
  };
  const leaf = (): Gen => {
    const f = field();
    const kind = r.int(9);
    const literalFor = () => (f.kind === 'str' ? strLiteral() : f.kind === 'num' ? numLiteral() : r.next() < 0.6 ? numLiteral() : strLiteral());
    if (kind <= 3) {
      const op = r.pick(['==', '!=', '<', '<=', '>', '>=']);
      const lit = literalFor();
      const value = /^-?[\d.]+$/.test(lit) ? Number(lit) : lit;
      const text = typeof value === 'number' ? lit : quote(lit);
      return { text: `${f.text} ${op} ${text}`, evaluate: (row) => (known(f.value(row)) ? compare(op, f.value(row), value) : undefined) };
    }
    if (kind === 4) {
      const values = Array.from({ length: 1 + r.int(3) }, literalFor).map((lit) => (/^-?[\d.]+$/.test(lit) ? Number(lit) : lit));
      const negated = r.next() < 0.3;
      const text = `${f.text} ${negated ? 'not in' : 'in'} [${values.map((v) => (typeof v === 'number' ? String(v) : quote(v))).join(', ')}]`;
      return {
        text,
        evaluate: (row) => {
          const v = f.value(row);
          if (!known(v)) return undefined;
          const found = values.some((x) => jsonEqual(v, x));
          return negated ? !found : found;
        },
      };
    }
    if (kind === 5 && (f.kind === 'str' || f.kind === 'json')) {
      const pattern = r.pick(['a%', '%e', '%a_%', '_', '%', 'été', '50\\\\%', 'a\\\\_b', '日%']);
      const literal = pattern.replace(/\\\\/g, '\\');
      return {
        text: `${f.text} like ${quote(pattern).replace(/\\\\\\\\/g, '\\\\')}`,
        evaluate: (row) => {
          const v = f.value(row);
          if (!known(v)) return undefined;
          return typeof v === 'string' && like(v, literal);
        },
      };
    }
    if (kind === 6) {
      const target = r.pick(['i32', 's', 'j["a"]', 'j["n"]', 'dyn']);
      const negated = r.next() < 0.5;
      const value = (row: Row): V | typeof UNKNOWN =>
        target === 'i32' ? row.i32 : target === 's' ? row.s : target === 'dyn' ? (row.dyn ?? UNKNOWN) : at(row.j, [target === 'j["a"]' ? 'a' : 'n']);
      return { text: `${target} is ${negated ? 'not ' : ''}null`, evaluate: (row) => (known(value(row)) ? negated : !negated) };
    }
    if (kind === 7) {
      const key = r.pick(['a', 'b', 'n', 'list', 'zz']);
      return { text: `exists j[${quote(key)}]`, evaluate: (row) => key in row.j };
    }
    const fn = r.pick(['json_contains', 'json_contains_all', 'json_contains_any', 'array_contains', 'array_contains_any', 'array_contains_all']);
    const onJson = fn.startsWith('json');
    const values = Array.from({ length: 1 + r.int(2) }, () => r.int(6));
    const arg = fn.endsWith('all') || fn.endsWith('any') ? `[${values.join(', ')}]` : String(values[0]);
    return {
      text: `${fn}(${onJson ? 'j["list"]' : 'nums'}, ${arg})`,
      evaluate: (row) => {
        const list = onJson ? at(row.j, ['list']) : row.nums;
        if (!known(list)) return undefined;
        if (!Array.isArray(list)) return false;
        if (fn.endsWith('all')) return values.every((v) => list.some((x) => jsonEqual(x, v)));
        if (fn.endsWith('any')) return values.some((v) => list.some((x) => jsonEqual(x, v)));
        return list.some((x) => jsonEqual(x, values[0]));
      },
    };
  };
  const expr = (depth: number): Gen => {
    if (depth === 0 || r.next() < 0.35) return leaf();
    const choice = r.int(4);
    if (choice === 0) {
      const inner = expr(depth - 1);
      return { text: `not (${inner.text})`, evaluate: (row) => (inner.evaluate(row) === undefined ? undefined : !inner.evaluate(row)) };
    }
    const [a, b] = [expr(depth - 1), expr(depth - 1)];
    if (choice === 1) {
      return {
        text: `(${a.text}) and (${b.text})`,
        evaluate: (row) => {
          const [x, y] = [a.evaluate(row), b.evaluate(row)];
          return x === false || y === false ? false : x === undefined || y === undefined ? undefined : true;
        },
      };
    }
    return {
      text: `(${a.text}) ${r.pick(['or', '||'])} (${b.text})`,
      evaluate: (row) => {
        const [x, y] = [a.evaluate(row), b.evaluate(row)];
        return x === true || y === true ? true : x === undefined || y === undefined ? undefined : false;
      },
    };
  };
  return () => expr(3);
}

const schema = {
  collection_name: 'f',
  enable_dynamic_field: true,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
    { name: 'i32', data_type: DataType.Int32, nullable: true },
    { name: 'd', data_type: DataType.Double },
    { name: 's', data_type: DataType.VarChar, max_length: 32, nullable: true },
    { name: 'b', data_type: DataType.Bool },
    { name: 'j', data_type: DataType.JSON },
    { name: 'nums', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 8 },
    { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 8, max_length: 32 },
  ],
  index_params: [{ field_name: 'vector', metric_type: 'L2' }],
};

test('2,000 random filters select the same rows natively as the reference, in sealed and growing segments', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(schema);
  const rows = makeRows(400, 7);
  await db.insert({ collection_name: 'f', data: rows.slice(0, 250) });
  await db.flush({ collection_names: ['f'] }); // a sealed segment, and a growing one after it
  await db.insert({ collection_name: 'f', data: rows.slice(250) });
  const next = generator(11);
  let selective = 0;
  const cases = 2000;
  for (let n = 0; n < cases; n++) {
    const expr = next();
    const expected = rows.filter((row) => expr.evaluate(row) === true).map((row) => String(row.id));
    const got = (await db.query({ collection_name: 'f', filter: expr.text, output_fields: ['id'], limit: 16384 })).data.map((row) => String(row.id));
    assert.deepEqual(got, expected, `filter ${n}: ${expr.text}`);
    if (expected.length > 0 && expected.length < rows.length) selective++;
    if (n % 50 === 0) assert.equal((await db.count({ collection_name: 'f', filter: expr.text })).data, expected.length, `count ${n}: ${expr.text}`);
  }
  // The generator must make filters that tell rows apart, or the comparison says little.
  assert.ok(selective > cases / 2, `${selective} of ${cases} filters selected some rows but not all`);
});

test('a filtered search equals brute force over the rows that pass, and k come back when k pass', async () => {
  const db = await openDb(folder('search'));
  await db.createCollection(schema);
  const rows = makeRows(600, 3);
  await db.insert({ collection_name: 'f', data: rows.slice(0, 300) });
  await db.flush({ collection_names: ['f'] });
  await db.insert({ collection_name: 'f', data: rows.slice(300) });
  const r = rng(5);
  for (const filter of ['i32 > 10', 's like "a%" or b', 'json_contains(j["list"], 2)', 'not (d < 0) and i32 is not null', 'dyn in [1, 2, "été"]']) {
    const query = [r.next(), r.next(), r.next(), r.next()];
    const passing = (await db.query({ collection_name: 'f', filter, output_fields: ['id'], limit: 16384 })).data.map((row) => Number(row.id));
    const distance = (v: number[]) => v.reduce((sum, x, i) => sum + (x - query[i]) ** 2, 0);
    const expected = passing
      .map((id) => ({ id, d: distance(rows[id].vector.map(Math.fround)) }))
      .sort((a, b) => a.d - b.d || a.id - b.id)
      .slice(0, 10)
      .map((h) => String(h.id));
    const hits = (await db.search({ collection_name: 'f', data: query, limit: 10, filter })).results;
    assert.deepEqual(
      hits.map((h) => h.id),
      expected,
      filter,
    );
    assert.equal(hits.length, Math.min(10, passing.length), filter);
  }
});

test('fuzz: any filter string gives rows or a FilterError, through the whole read path', async () => {
  const db = await openDb(folder('fuzz'));
  await db.createCollection(schema);
  await db.insert({ collection_name: 'f', data: makeRows(100, 9) });
  const r = rng(23);
  const pieces = [
    'i32',
    'd',
    's',
    'b',
    'j',
    '["a"]',
    '["b"]',
    '[0]',
    'nums',
    'tags',
    'dyn',
    'vector',
    ' ',
    '==',
    '<',
    '>=',
    '!=',
    'not',
    'in',
    'like',
    '"a%"',
    '"x"',
    '1',
    '-2',
    '2.5',
    '(',
    ')',
    '[',
    ']',
    ',',
    'and',
    'or',
    '||',
    'is',
    'null',
    'exists',
    'json_contains(',
    'array_length(',
    'array_contains_any(',
    '+',
    '%',
    '**',
    '{p}',
    '\\',
  ];
  const valid = generator(29);
  let answered = 0;
  const cases = 3000;
  for (let n = 0; n < cases; n++) {
    // Half glued from pieces, half a valid filter with a piece put in somewhere.
    let filter = '';
    if (n % 2 === 0) for (let i = 1 + r.int(10); i > 0; i--) filter += `${r.pick(pieces)} `;
    else {
      filter = valid().text;
      const at = r.int(filter.length + 1);
      if (r.next() < 0.7) filter = filter.slice(0, at) + r.pick(pieces) + filter.slice(at + r.int(3));
    }
    try {
      await db.query({ collection_name: 'f', filter, output_fields: ['id'], limit: 100, filter_params: { p: r.int(5) } });
      answered++;
    } catch (error) {
      assert.ok(error instanceof FilterError, `${JSON.stringify(filter)}: ${error}`);
    }
  }
  assert.ok(answered > cases / 10, `${answered} of ${cases} filters were valid`);
  console.log(`fuzz: ${cases} filters through query, ${answered} answered, the rest FilterErrors`);
});
