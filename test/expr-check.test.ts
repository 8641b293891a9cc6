// The filter checker: fields resolved against a schema (dynamic keys too), template
// parameters filled in, and each kind of mistake its own FilterError at the right place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFilter } from '../src/expr/check.js';
import { parseFilter } from '../src/expr/parser.js';
import { DataType, FilterError } from '../src/index.js';
import { makeSchema } from '../src/schema/schema.js';

const schema = makeSchema(
  [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
    { name: 'age', data_type: DataType.Int32 },
    { name: 'score', data_type: DataType.Float },
    { name: 'name', data_type: DataType.VarChar, max_length: 64, nullable: true },
    { name: 'on', data_type: DataType.Bool },
    { name: 'meta', data_type: DataType.JSON },
    { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 8, max_length: 16 },
    { name: 'nums', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 8 },
  ],
  { enableDynamicField: true },
);
const closed = makeSchema(
  [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
    { name: 'age', data_type: DataType.Int32 },
  ],
  {},
);

const plan = (filter: string, params?: Record<string, unknown>) => checkFilter(parseFilter(filter), schema, params);

test('fields, dynamic keys and paths resolve; chains become ranges', () => {
  assert.deepEqual(plan('age > 18'), {
    op: 'compare',
    cmp: '>',
    left: { kind: 'field', field: 'age', path: [], type: 'int' },
    right: { kind: 'value', value: 18n, type: 'int' },
  });
  assert.deepEqual(plan('color == "red"'), {
    op: 'compare',
    cmp: '==',
    left: { kind: 'field', field: '$meta', path: ['color'], type: 'json' },
    right: { kind: 'value', value: 'red', type: 'string' },
  });
  const range = plan('1 < age <= 5');
  assert.equal(range.op, 'and');
  assert.equal((range as { args: unknown[] }).args.length, 2);
  assert.deepEqual(plan('tags[0] == "x"'), {
    op: 'compare',
    cmp: '==',
    left: { kind: 'field', field: 'tags', path: [0], type: 'string' },
    right: { kind: 'value', value: 'x', type: 'string' },
  });
  assert.deepEqual(plan('meta["a"][1] > 2.5 and on'), {
    op: 'and',
    args: [
      { op: 'compare', cmp: '>', left: { kind: 'field', field: 'meta', path: ['a', 1], type: 'json' }, right: { kind: 'value', value: 2.5, type: 'float' } },
      { op: 'truthy', operand: { kind: 'field', field: 'on', path: [], type: 'bool' } },
    ],
  });
  assert.deepEqual(plan('name is not null'), { op: 'not', arg: { op: 'isNull', field: 'name', path: [] } });
  assert.deepEqual(plan('exists meta["k"]'), { op: 'exists', field: 'meta', path: ['k'] });
  assert.deepEqual(plan('array_contains_any(nums, [1, 2])'), { op: 'contains', mode: 'any', field: 'nums', path: [], values: [1n, 2n] });
  assert.deepEqual(plan('json_contains(meta["tags"], "red")'), { op: 'contains', mode: 'one', field: 'meta', path: ['tags'], values: ['red'] });
  assert.equal(plan('array_length(tags) == 2').op, 'compare');
  assert.equal(plan('(age + 1) * 2 % 3 == 1').op, 'compare');
});

test('template parameters are filled in from filter_params', () => {
  assert.deepEqual(plan('age > {min} and name in {names}', { min: 30, names: ['a', 'b'] }), {
    op: 'and',
    args: [
      { op: 'compare', cmp: '>', left: { kind: 'field', field: 'age', path: [], type: 'int' }, right: { kind: 'value', value: 30n, type: 'int' } },
      { op: 'in', operand: { kind: 'field', field: 'name', path: [], type: 'string' }, values: ['a', 'b'] },
    ],
  });
  assert.deepEqual(plan('score < {s}', { s: 0.5 }), {
    op: 'compare',
    cmp: '<',
    left: { kind: 'field', field: 'score', path: [], type: 'float' },
    right: { kind: 'value', value: 0.5, type: 'float' },
  });
});

test('each mistake has its own FilterError, at the offending place', () => {
  const cases: [string, RegExp, number, Record<string, unknown>?][] = [
    ['name > 3', /cannot compare field "name" \(VarChar\) with an integer \(3\)/, 7],
    ['age == "x"', /cannot compare field "age" \(Int32\) with a string/, 7],
    ['on > true', /booleans compare only with == and !=/, 0],
    ['age in []', /the in list is empty/, 7],
    ['age in ["a"]', /cannot be in a list holding a string/, 7],
    ['age > {min}', /template parameter \{min\} is not in filter_params/, 6],
    ['age > {min}', /is not a number, string, boolean/, 6, { min: { a: 1 } }],
    ['age in {one}', /must be a list here/, 7, { one: 3 }],
    ['vector == 1', /is a vector field/, 0],
    ['age["x"] == 1', /only JSON and Array fields take/, 0],
    ['tags["x"] == 1', /index it with one number/, 0],
    ['age', /is not a condition/, 0],
    ['1 == 2', /needs a field on at least one side/, 0],
    ['name like "a%" and age like "b"', /like needs a VarChar field/, 19],
    ['age is null', /not nullable/, 0],
    ['exists age', /exists needs a JSON field/, 0],
    ['array_contains(age, 1)', /needs an Array field, or a JSON field/, 0],
    ['array_contains(nums, "x")', /holds Int64 elements, not a string/, 21],
    ['array_contains_all(nums, [])', /list is empty/, 25],
    ['array_length(age) == 1', /array_length needs an Array field/, 0],
    ['array_length(tags)', /is a value: compare it/, 0],
    ['age + "a" > 1', /\+ needs numbers/, 4],
    ['score % 2 == 1', /% needs integers/, 6],
  ];
  for (const [filter, message, position, params] of cases) {
    assert.throws(
      () => plan(filter, params),
      (e: unknown) => {
        assert.ok(e instanceof FilterError, `${filter}: ${e}`);
        assert.match(e.message, message, filter);
        assert.equal(e.position, position, filter);
        return true;
      },
    );
  }
  assert.throws(() => checkFilter(parseFilter('color == 1'), closed), /unknown field "color" \(and the dynamic field is off\)/);
  assert.throws(() => checkFilter(parseFilter('$meta["a"] == 1'), closed), /no dynamic field/);
});
