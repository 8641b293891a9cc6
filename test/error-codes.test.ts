// One table of error codes (native/common/error_codes.json): the engine's codes
// (native/common/error.h), the TypeScript classes and their codes, the native-to-typed
// mapping and the README's table are all checked against it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromNative } from '../src/errors.js';
import * as quiverdb from '../src/index.js';
import { root } from './helpers.js';

interface Entry {
  code: string;
  class: string;
  native: boolean;
}

const table = JSON.parse(readFileSync(join(root, 'native/common/error_codes.json'), 'utf8')) as Entry[];

test('the engine raises exactly the codes the table marks native', () => {
  const header = readFileSync(join(root, 'native/common/error.h'), 'utf8');
  const native = [...header.matchAll(/"(QV_[A-Z_]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(
    native,
    table
      .filter((e) => e.native)
      .map((e) => e.code)
      .sort(),
  );
});

test('every code has its exported class, and ErrorCode lists exactly the table', () => {
  const exports = quiverdb as unknown as Record<string, new (message: string) => quiverdb.QuiverError>;
  for (const entry of table) {
    const Class = exports[entry.class];
    assert.equal(typeof Class, 'function', `${entry.class} is exported`);
    const error = new Class('message');
    assert.ok(error instanceof quiverdb.QuiverError);
    assert.equal(error.code, entry.code, entry.class);
    assert.equal(error.name, entry.class);
  }
  const source = readFileSync(join(root, 'src/errors.ts'), 'utf8');
  const union = source.slice(source.indexOf('export type ErrorCode'), source.indexOf(';', source.indexOf('export type ErrorCode')));
  assert.deepEqual([...union.matchAll(/'(QV_[A-Z_]+)'/g)].map((m) => m[1]).sort(), table.map((e) => e.code).sort());
});

test('an error from the addon becomes the class of its code', () => {
  for (const entry of table.filter((e) => e.native)) {
    const typed = fromNative(Object.assign(new Error('from C++'), { code: entry.code }));
    assert.equal((typed as Error).name, entry.class, entry.code);
    assert.equal((typed as quiverdb.QuiverError).code, entry.code);
  }
});

test("the README's table of errors has every code", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const missing = table.filter((e) => !readme.includes(`\`${e.code}\``) || !readme.includes(`\`${e.class}\``)).map((e) => e.code);
  assert.deepEqual(missing, []);
});
