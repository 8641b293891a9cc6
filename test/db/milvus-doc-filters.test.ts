// Every example of Milvus's boolean-expression reference (reference/boolean.md, 2.4), run
// through the database on rows made for it, with the rows each must select.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataType, FilterError } from '../../src/index.js';
import { openDb, workFolder } from './db-helpers.js';

const folder = workFolder('milvus-doc-filters');

const rows = [
  { id: 1, v: [0, 0], int64: 0, float: 2, VARCHAR: 'prefix-a', x: { x: [1, 2, 3] }, int_array: [1, 2, 3] },
  {
    id: 2,
    v: [0, 1],
    int64: 1,
    float: 1.5,
    VARCHAR: 'str1',
    x: {
      x: [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    },
    int_array: [1, 2, 3, 4, 5, 7, 8],
  },
  { id: 3, v: [1, 0], int64: 2, float: 3, VARCHAR: 'str2', x: { x: [1, 2, 3, 4, 5, 7, 8] }, int_array: [9] },
  { id: 4, v: [1, 1], int64: 399, float: 2, VARCHAR: 'a-middle-b', x: { x: [6, 9] }, int_array: [] },
  { id: 5, v: [2, 0], int64: 450, float: 0, VARCHAR: 'the suffix', x: { x: 'a' }, int_array: [4, 5] },
  { id: 6, v: [2, 1], int64: 600, float: 2, VARCHAR: 'Xsuffix', x: {}, int_array: [6, 9] },
  { id: 7, v: [3, 0], int64: 1000, float: 7, VARCHAR: 'str3', x: { x: [[3, 2, 1]] }, int_array: [1, 2, 8] },
];

test("the examples of Milvus's boolean-expression reference select the rows they should", async () => {
  const db = await openDb(folder('db'));
  await db.createCollection({
    collection_name: 'docs',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
      { name: 'int64', data_type: DataType.Int64 },
      { name: 'float', data_type: DataType.Float },
      { name: 'VARCHAR', data_type: DataType.VarChar, max_length: 32 },
      { name: 'x', data_type: DataType.JSON },
      { name: 'int_array', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 16 },
    ],
  });
  await db.insert({ collection_name: 'docs', data: rows });
  const examples: [string, number[]][] = [
    // 1. CmpOp
    ['int64 > 0', [2, 3, 4, 5, 6, 7]],
    ['0 < int64 < 400', [2, 3, 4]],
    ['500 <= int64 < 1000', [6]],
    ['VARCHAR > "str1"', [3, 5, 7]],
    // 2. BinaryLogicalOp and parentheses
    ['(int64 > 0 && int64 < 400) or (int64 > 500 && int64 < 1000)', [2, 3, 4, 6]],
    // 3. TermExpr and UnaryLogicOp
    ['int64 not in [1, 2, 3]', [1, 4, 5, 6, 7]],
    ['VARCHAR not in ["str1", "str2"]', [1, 4, 5, 6, 7]],
    // 4. TermExpr, BinaryLogicalOp, and CmpOp on different fields
    ['int64 in [1, 2, 3] and float != 2', [2, 3]],
    // 5. BinaryLogicalOp and CmpOp
    ['int64 == 0 || int64 == 1 || int64 == 2', [1, 2, 3]],
    // 6. CmpOp and UnaryArithOp or BinaryArithOp
    ['200+300 < int64 <= 500+500', [6, 7]],
    // 7. MatchOp
    ['VARCHAR like "prefix%"', [1]],
    ['VARCHAR like "%suffix"', [5, 6]],
    ['VARCHAR like "%middle%"', [4]],
    ['VARCHAR like "_suffix"', [6]],
    // 8. JsonArrayOp (the field is named x, and so is its key)
    ['json_contains(x["x"], 1)', [1, 3]],
    ['json_contains(x["x"], "a")', []],
    ['json_contains(x["x"], [1,2,3])', [2]],
    ['json_contains(x["x"], [3,2,1])', [7]],
    ['json_contains_all(x["x"], [1,2,8])', [3]],
    ['json_contains_all(x["x"], [4,5,6])', []],
    ['json_contains_any(x["x"], [1,2,8])', [1, 3]],
    ['json_contains_any(x["x"], [4,5,6])', [3, 4]],
    ['json_contains_any(x["x"], [6,9])', [4]],
    // 9. ArrayOp
    ['array_contains(int_array, 1)', [1, 2, 7]],
    ['array_contains_all(int_array, [1,2,8])', [2, 7]],
    ['array_contains_all(int_array, [4,5,6])', []],
    ['array_contains_any(int_array, [1,2,8])', [1, 2, 7]],
    ['array_contains_any(int_array, [4,5,6])', [2, 5, 6]],
    ['array_contains_any(int_array, [6,9])', [3, 6]],
    ['array_length(int_array) == 7', [2]],
    // Precedence: 10 / 2 * 5 is (10 / 2) * 5; 30 / (2 + 8) groups first.
    ['int64 == 10 / 2 * 5 + 975', [7]],
    ['float == 30 / (2 + 8) + 4', [7]],
  ];
  for (const [filter, expected] of examples) {
    const got = (await db.query({ collection_name: 'docs', filter, output_fields: ['id'] })).data.map((row) => Number(row.id));
    assert.deepEqual(got, expected, filter);
  }
  // Where QuiverDB is stricter than Milvus: an element of the wrong type for an Array field
  // (Milvus: array_contains(int_array, "a") is false for every row) is a FilterError.
  await assert.rejects(
    db.query({ collection_name: 'docs', filter: 'array_contains(int_array, "a")' }),
    (e: unknown) => e instanceof FilterError && /Int64 elements/.test(e.message),
  );
});
