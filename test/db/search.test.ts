// Search and query over growing and sealed segments: exact results (brute force), every
// metric, many queries, limit and offset, deletes hidden, partitions, output fields, and the
// consistency levels.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DataType,
  DimensionMismatchError,
  FilterError,
  InvalidArgumentError,
  InvalidKError,
  NonFiniteValueError,
  RRFRanker,
  WeightedRanker,
} from '../../src/index.js';
import { type Doc, docs, docsSchema, expectedIds, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('search');

for (const metric of ['L2', 'IP', 'COSINE'] as const) {
  test(`${metric}: search over sealed and growing segments equals brute force, with limit and offset`, async () => {
    // Segments seal every 300 rows: 1000 rows make several sealed ones and a growing one.
    const db = await openDb(folder(metric), { 'dataCoord.segment.maxRows': 300 });
    await db.createCollection(docsSchema('c', metric));
    const rows: Doc[] = [];
    for (let start = 0; start < 1000; start += 250) {
      const batch = docs(250, start, 7);
      rows.push(...batch);
      await db.insert({ collection_name: 'c', data: batch });
    }
    await db.flush({ collection_names: ['c'] });
    const growing = docs(100, 1000, 7);
    rows.push(...growing);
    await db.insert({ collection_name: 'c', data: growing });
    const stats = await db.getCollectionStatistics({ collection_name: 'c' });
    assert.equal(stats.data.row_count, '1100');

    const queries = docs(12, 5000, 99).map((d) => d.vector);
    const result = await db.search({ collection_name: 'c', data: queries, limit: 10 });
    const perQuery = result.results as { id: string; score: number }[][];
    assert.equal(perQuery.length, 12);
    for (const [q, hits] of perQuery.entries())
      assert.deepEqual(
        hits.map((h) => h.id),
        expectedIds(rows, queries[q], 10, metric),
        `query ${q}`,
      );
    for (const hits of perQuery) {
      for (let i = 1; i < hits.length; i++) assert.ok(metric === 'L2' ? hits[i - 1].score <= hits[i].score : hits[i - 1].score >= hits[i].score);
    }
    const paged = (await db.search({ collection_name: 'c', data: queries[0], limit: 5, offset: 5 })).results;
    assert.deepEqual(
      paged.map((h) => h.id),
      expectedIds(rows, queries[0], 10, metric).slice(5),
    );
  });
}

test('deleted and replaced rows are never found; ties go to the smaller key', async () => {
  const db = await openDb(folder('db'), { 'dataCoord.segment.maxRows': 50 });
  await db.createCollection(docsSchema('c'));
  const same = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  const rows = [90, 10, 50, 30].map((id) => ({ ...docs(1, id)[0], vector: same }));
  await db.insert({ collection_name: 'c', data: [...docs(200, 100), ...rows] });
  await db.flush({ collection_names: ['c'] });
  const hits = (await db.search({ collection_name: 'c', data: same, limit: 4 })).results;
  assert.deepEqual(
    hits.map((h) => h.id),
    ['10', '30', '50', '90'],
  );
  await db.delete({ collection_name: 'c', ids: [10] });
  await db.upsert({ collection_name: 'c', data: [{ ...docs(1, 30)[0], vector: same.map((x) => -x) }] });
  const after = (await db.search({ collection_name: 'c', data: same, limit: 3 })).results;
  assert.deepEqual(after.map((h) => h.id).slice(0, 2), ['50', '90']);
  assert.ok(!after.some((h) => h.id === '10' || h.id === '30'));
});

test('Int64 ids come back as exact decimal strings at every width, growing and sealed', async () => {
  const db = await openDb(folder('ids'));
  await db.createCollection(docsSchema('c'));
  const ids = [
    '0',
    '-1',
    '7',
    '2147483647',
    '2147483648',
    '-2147483648',
    '-2147483649',
    '4294967296',
    '9007199254740993',
    '-9223372036854775808',
    '9223372036854775807',
  ];
  const rows = ids.map((id, i) => ({ ...docs(1, i)[0], id, vector: Array.from({ length: 8 }, (_, d) => (d === i % 8 ? 100 * (1 + Math.floor(i / 8)) : 0)) }));
  await db.insert({ collection_name: 'c', data: rows });
  for (const stage of ['growing', 'sealed']) {
    if (stage === 'sealed') await db.flush({ collection_names: ['c'] });
    const found = (await db.search({ collection_name: 'c', data: rows.map((r) => r.vector), limit: 1 })).results as { id: string }[][];
    assert.deepEqual(
      found.map((hits) => hits[0].id),
      ids,
      stage,
    );
  }
});

test('concurrent searches each get their own answers; vectors changed after the call do not change it', async () => {
  const db = await openDb(folder('batches'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(300, 0, 5) });
  const ids = (found: { results: unknown }) => (found.results as unknown as { id: string }[][]).map((hits) => hits.map((h) => h.id));
  const batches = [0, 1, 2, 3, 4, 5].map((b) => docs(3 + b, 1000 + 10 * b, 8 + b).map((d) => Float32Array.from(d.vector)));
  const alone: string[][][] = [];
  for (const batch of batches) alone.push(ids(await db.search({ collection_name: 'c', data: batch, limit: 5 })));
  const together = await Promise.all(batches.map((batch) => db.search({ collection_name: 'c', data: batch, limit: 5 })));
  assert.deepEqual(together.map(ids), alone);
  // The queries are taken when search is called: overwriting them before it resolves changes nothing.
  const pending = batches.map((batch) => db.search({ collection_name: 'c', data: batch, limit: 5 }));
  for (const batch of batches) for (const vector of batch) vector.fill(0);
  assert.deepEqual((await Promise.all(pending)).map(ids), alone);
});

test('rows of one matrix are searched as the vectors they view, whatever their order; taken when search is called', async () => {
  const db = await openDb(folder('matrix'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(300, 0, 5) });
  // One query's hits come as one list, as in the SDK.
  const ids = ({ results }: { results: unknown }) => {
    const lists = (Array.isArray((results as unknown[])[0]) ? results : [results]) as { id: string }[][];
    return lists.map((hits) => hits.map((h) => h.id));
  };
  const vectors = docs(6, 2000, 17).map((d) => d.vector);
  const dim = vectors[0].length;
  const matrix = Float32Array.from(vectors.flat());
  const row = (i: number) => matrix.subarray(i * dim, (i + 1) * dim);
  const copies = (order: number[]) => order.map((i) => Float32Array.from(vectors[i]));
  for (const order of [
    [0, 1, 2, 3, 4, 5], // consecutive rows: one view of the matrix
    [5, 4, 3, 2, 1, 0], // the same rows backwards
    [0, 2, 4], // every other row
    [3], // one row
  ]) {
    const expected = ids(await db.search({ collection_name: 'c', data: copies(order), limit: 4 }));
    assert.deepEqual(ids(await db.search({ collection_name: 'c', data: order.map(row), limit: 4 })), expected, `rows ${order}`);
  }
  const expected = ids(await db.search({ collection_name: 'c', data: copies([0, 1, 2, 3, 4, 5]), limit: 4 }));
  const pending = db.search({ collection_name: 'c', data: [0, 1, 2, 3, 4, 5].map(row), limit: 4 });
  matrix.fill(0);
  assert.deepEqual(ids(await pending), expected);
});
test('output fields: scalars, vectors, dynamic keys and *; query pages in key order', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c'));
  const rows = docs(30).map((d) => ({ ...d, extra: { k: d.id } }));
  await db.insert({ collection_name: 'c', data: rows });
  const [hit] = (await db.search({ collection_name: 'c', data: rows[7].vector, limit: 1, output_fields: ['tag', 'vector', 'extra'] })).results;
  assert.equal(hit.id, '7');
  assert.equal(hit.tag, 't1');
  assert.deepEqual(hit.extra, { k: 7 });
  for (const [d, x] of (hit.vector as number[]).entries()) assert.equal(x, Math.fround(rows[7].vector[d]));
  const star = (await db.query({ collection_name: 'c', filter: 'id == 3', output_fields: ['*'] })).data[0];
  assert.deepEqual(Object.keys(star).sort(), ['extra', 'id', 'n', 'price', 'tag', 'vector']);
  const page = (await db.query({ collection_name: 'c', limit: 4, offset: 10 })).data;
  assert.deepEqual(page, [{ id: '10' }, { id: '11' }, { id: '12' }, { id: '13' }]);
  assert.deepEqual((await db.query({ collection_name: 'c', filter: 'id in [5]', output_fields: ['count(*)'] })).data, [{ 'count(*)': 1 }]);
  assert.equal((await db.count({ collection_name: 'c' })).data, 30);
});

test('bad search and query arguments are typed errors', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(5) });
  const v = docs(1)[0].vector;
  await assert.rejects(db.search({ collection_name: 'c', data: [1, 2, 3] }), DimensionMismatchError);
  await assert.rejects(db.search({ collection_name: 'c', data: v, limit: 0 }), InvalidKError);
  await assert.rejects(db.search({ collection_name: 'c', data: v, limit: 16000, offset: 1000 }), InvalidKError);
  await assert.rejects(db.search({ collection_name: 'c', data: v, metric_type: 'IP' }), InvalidArgumentError);
  await assert.rejects(db.search({ collection_name: 'c', data: v, filter: 'n > ' }), FilterError);
  await assert.rejects(db.search({ collection_name: 'c', data: v, filter: 'tag > 2' }), FilterError);
  await assert.rejects(db.search({ collection_name: 'c', data: v, output_fields: 'tag' }), InvalidArgumentError);
  await assert.rejects(db.search({ collection_name: 'c', data: 'text' }), InvalidArgumentError);
  await assert.rejects(db.query({ collection_name: 'c' }), /needs a limit/);
  await assert.rejects(db.search({ collection_name: 'c', data: v, consistency_level: 'Sometimes' }), InvalidArgumentError);
});

test('a query vector with NaN or an infinity is refused, as numbers or as floats, with or without rows', async () => {
  const db = await openDb(folder('non-finite'));
  await db.createCollection(docsSchema('empty'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(5) });
  const v = docs(1)[0].vector;
  const bad = (at: number, value: number) => v.map((x, d) => (d === at ? value : x));
  for (const collection_name of ['c', 'empty']) {
    await assert.rejects(db.search({ collection_name, data: bad(1, Number.NaN) }), NonFiniteValueError);
    await assert.rejects(db.search({ collection_name, data: [v, bad(2, Number.POSITIVE_INFINITY)] }), /query vector 1 .* dimension 2/);
    await assert.rejects(db.search({ collection_name, data: Float32Array.from(bad(0, Number.NaN)) }), NonFiniteValueError);
    await assert.rejects(
      db.search({ collection_name, data: [Float32Array.from(v), Float32Array.from(bad(3, Number.NEGATIVE_INFINITY))] }),
      /query vector 1 .* dimension 3/,
    );
  }
  // The collection still answers.
  assert.equal((await db.search({ collection_name: 'c', data: v, limit: 1 })).results.length, 1);
});

test('Strong and Session see a write that resolved before the read; Bounded and Eventually see it soon', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c', 'L2', { consistency_level: 'Eventually' }));
  for (let i = 0; i < 20; i++) {
    const [row] = docs(1, 1000 + i, 3);
    await db.insert({ collection_name: 'c', data: [row] });
    for (const level of ['Strong', 'Session']) {
      const [hit] = (await db.search({ collection_name: 'c', data: row.vector, limit: 1, consistency_level: level })).results;
      assert.equal(hit.id, String(row.id), `${level} read ${i}`);
      assert.equal((await db.count({ collection_name: 'c', consistency_level: level })).data, i + 1);
    }
  }
  // The collection's default (Eventually here) does not wait; within a moment it sees everything.
  const deadline = Date.now() + 5000;
  while ((await db.count({ collection_name: 'c' })).data !== 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await db.count({ collection_name: 'c', consistency_level: 'Bounded' })).data, 20);
});

test('reads during inserts never see a half-added row, at any consistency level', async () => {
  const db = await openDb(folder('half'));
  await db.createCollection(docsSchema('c', 'L2', { consistency_level: 'Eventually' }));
  let inserting = true;
  const writes = (async () => {
    for (let start = 0; start < 8000; start += 2000) await db.insert({ collection_name: 'c', data: docs(2000, start, 5) });
    inserting = false;
  })();
  let reads = 0;
  while (inserting) {
    // Every row a read returns has its vector and fields: none is caught between its key and its vector.
    const rows = (await db.query({ collection_name: 'c', filter: '', output_fields: ['vector', 'tag'], limit: 16384 })).data;
    for (const row of rows) assert.ok(Array.isArray(row.vector) && typeof row.tag === 'string', `row ${row.id}`);
    reads++;
  }
  await writes;
  assert.ok(reads > 0);
  assert.equal((await db.count({ collection_name: 'c', consistency_level: 'Strong' })).data, 8000);
});

for (const metric of ['L2', 'IP'] as const) {
  test(`${metric}: range search returns the best hits within radius and beyond range_filter`, async () => {
    const db = await openDb(folder(`range-${metric}`), { 'dataCoord.segment.maxRows': 300 });
    await db.createCollection(docsSchema('c', metric));
    const rows = docs(800, 0, 21);
    await db.insert({ collection_name: 'c', data: rows.slice(0, 500) });
    await db.flush({ collection_names: ['c'] });
    await db.insert({ collection_name: 'c', data: rows.slice(500) });
    const query = docs(1, 9000, 5)[0].vector;
    // Every row's score in float precision, as the kernels compute it (the edges may round).
    const ranked = (await db.search({ collection_name: 'c', data: query, limit: 800 })).results;
    const scores = ranked.map((h) => h.score);
    const [a, b] = metric === 'L2' ? [scores[100], scores[400]] : [scores[400], scores[100]];
    // L2 keeps range_filter <= d < radius; IP keeps radius < s <= range_filter.
    const params = metric === 'L2' ? { radius: b, range_filter: a } : { radius: a, range_filter: b };
    const inside = ranked.filter((h) => (metric === 'L2' ? h.score >= a && h.score < b : h.score > a && h.score <= b));
    const hits = (await db.search({ collection_name: 'c', data: query, limit: 50, params })).results;
    assert.deepEqual(
      hits.map((h) => h.id),
      inside.slice(0, 50).map((h) => h.id),
    );
    const all = (await db.search({ collection_name: 'c', data: query, limit: 1000, params })).results;
    assert.equal(all.length, inside.length);
    assert.ok(inside.length > 250 && inside.length < 320, `${inside.length} rows in the window`);
    const bad = metric === 'L2' ? { radius: 1, range_filter: 2 } : { radius: 2, range_filter: 1 };
    await assert.rejects(db.search({ collection_name: 'c', data: query, params: bad }), InvalidArgumentError);
    await assert.rejects(db.search({ collection_name: 'c', data: query, params: { range_filter: 1 } }), InvalidArgumentError);
  });
}

test('group-by search: the best groups of a field, up to group_size hits each, as brute force finds them', async () => {
  const db = await openDb(folder('group'), { 'dataCoord.segment.maxRows': 300 });
  await db.createCollection(docsSchema('c', 'L2'));
  const rows = docs(900, 0, 13); // n is id % 10: ten groups of 90 rows
  await db.insert({ collection_name: 'c', data: rows.slice(0, 600) });
  await db.flush({ collection_names: ['c'] });
  await db.insert({ collection_name: 'c', data: rows.slice(600) });
  const query = docs(1, 7000, 3)[0].vector;
  const ranked = expectedIds(rows, query, 900, 'L2').map(Number);
  const groupOf = (id: number) => rows[id].n;
  for (const [limit, size, offset] of [
    [3, 1, 0],
    [4, 3, 0],
    [2, 5, 1],
    [10, 2, 0],
  ]) {
    const groups = new Map<number, number[]>();
    for (const id of ranked) {
      const group = groups.get(groupOf(id)) ?? [];
      groups.set(groupOf(id), group);
      if (group.length < size) group.push(id);
    }
    const expected = [...groups.values()]
      .slice(offset, offset + limit)
      .flat()
      .map(String);
    const hits = (await db.search({ collection_name: 'c', data: query, limit, offset, group_by_field: 'n', group_size: size, strict_group_size: true }))
      .results;
    assert.deepEqual(
      hits.map((h) => h.id),
      expected,
      `limit ${limit}, group_size ${size}, offset ${offset}`,
    );
    assert.ok(hits.every((h) => h.n === groupOf(Number(h.id))));
  }
  await assert.rejects(db.search({ collection_name: 'c', data: query, group_by_field: 'price' }), InvalidArgumentError);
  await assert.rejects(db.search({ collection_name: 'c', data: query, group_by_field: 'n', group_size: 0 }), InvalidArgumentError);
});

test('hybridSearch fuses searches of two vector fields with RRFRanker and WeightedRanker', async () => {
  const db = await openDb(folder('hybrid'));
  await db.createCollection({
    collection_name: 'h',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'a', data_type: DataType.FloatVector, dim: 8 },
      { name: 'b', data_type: DataType.FloatVector, dim: 8 },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [
      { field_name: 'a', metric_type: 'L2' },
      { field_name: 'b', metric_type: 'IP' },
    ],
  });
  const rows = docs(300, 0, 4).map((d, i) => ({ id: d.id, a: d.vector, b: docs(1, 1000 + i, 8)[0].vector, n: d.n }));
  await db.insert({ collection_name: 'h', data: rows });
  const [qa, qb] = [docs(1, 5000, 1)[0].vector, docs(1, 6000, 2)[0].vector];
  const listA = (await db.search({ collection_name: 'h', data: qa, anns_field: 'a', limit: 20 })).results;
  const listB = (await db.search({ collection_name: 'h', data: qb, anns_field: 'b', limit: 20, filter: 'n < 5' })).results;
  const fuse = (score: (list: 0 | 1, rank: number, s: number) => number) => {
    const total = new Map<string, number>();
    [listA, listB].forEach((list, l) => {
      list.forEach((hit, rank) => {
        total.set(hit.id, (total.get(hit.id) ?? 0) + score(l as 0 | 1, rank, hit.score));
      });
    });
    return [...total].sort((x, y) => y[1] - x[1] || Number(x[0]) - Number(y[0])).slice(0, 10);
  };
  const requests = [
    { data: qa, anns_field: 'a' },
    { data: qb, anns_field: 'b', filter: 'n < 5' },
  ];
  const rrf = (await db.hybridSearch({ collection_name: 'h', data: requests, rerank: RRFRanker(60), limit: 10, output_fields: ['n'] })).results;
  const expectedRrf = fuse((_, rank) => 1 / (60 + rank + 1));
  assert.deepEqual(
    rrf.map((h) => h.id),
    expectedRrf.map(([id]) => id),
  );
  for (const [i, h] of rrf.entries()) assert.ok(Math.abs(h.score - expectedRrf[i][1]) < 1e-9);
  assert.ok(rrf.every((h) => typeof h.n === 'number'));
  const weighted = (await db.hybridSearch({ collection_name: 'h', data: requests, rerank: WeightedRanker([0.3, 0.7]), limit: 10 })).results;
  const expectedWeighted = fuse((l, _, s) => (l === 0 ? 0.3 * (1 - (2 * Math.atan(s)) / Math.PI) : 0.7 * (0.5 + Math.atan(s) / Math.PI)));
  assert.deepEqual(
    weighted.map((h) => h.id),
    expectedWeighted.map(([id]) => id),
  );
  await assert.rejects(db.hybridSearch({ collection_name: 'h', data: requests, rerank: WeightedRanker([1]) }), InvalidArgumentError);
  await assert.rejects(db.hybridSearch({ collection_name: 'h', data: [], rerank: RRFRanker() }), InvalidArgumentError);
});

test('queryIterator: batches in key order, as the collection was when it began, a limit on the total', async () => {
  const db = await openDb(folder('iterator'), { 'dataCoord.segment.maxRows': 40 });
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(100) });
  await db.flush({ collection_names: ['c'] });
  const expected = docs(100)
    .filter((d) => d.n < 5)
    .map((d) => String(d.id));
  const iterator = await db.queryIterator({ collection_name: 'c', filter: 'n < 5', batchSize: 7, output_fields: ['n'] });
  const seen: string[] = [];
  const sizes: number[] = [];
  let write = 0;
  for await (const batch of iterator) {
    sizes.push(batch.length);
    seen.push(...batch.map((row) => String(row.id)));
    assert.ok(batch.every((row) => (row.n as number) < 5));
    // Writes during the iteration are not seen by it: new rows, and deletes of rows still ahead.
    await db.insert({ collection_name: 'c', data: docs(1, 1000 + write++) });
    await db.delete({ collection_name: 'c', ids: [94 + (write % 5)] });
  }
  assert.deepEqual(seen, expected);
  assert.deepEqual(sizes, [7, 7, 7, 7, 7, 7, 7, 1]);
  const capped: string[] = [];
  for await (const batch of await db.queryIterator({ collection_name: 'c', batchSize: 8, limit: 20 })) capped.push(...batch.map((row) => String(row.id)));
  assert.equal(capped.length, 20);
  assert.deepEqual(
    capped,
    [...capped].sort((a, b) => Number(a) - Number(b)),
  );
  await assert.rejects(db.queryIterator({ collection_name: 'c', batchSize: 0 }), InvalidArgumentError);
});

test('searchIterator: batches of hits best first, ties across batches, as the collection was when it began', async () => {
  const db = await openDb(folder('search-iterator'));
  await db.createCollection(docsSchema('c', 'L2'));
  // Ten distinct vectors, each on ten rows: ties of ten that batches of 7 cut through.
  const base = docs(10, 0, 17);
  const rows = docs(100).map((d) => ({ ...d, vector: base[d.id % 10].vector }));
  await db.insert({ collection_name: 'c', data: rows });
  const query = docs(1, 500, 2)[0].vector;
  const expected = (await db.search({ collection_name: 'c', data: query, limit: 60 })).results.map((h) => h.id);
  const seen: string[] = [];
  for await (const batch of await db.searchIterator({ collection_name: 'c', data: query, batchSize: 7, limit: 60 })) {
    seen.push(...batch.map((hit) => String(hit.id)));
    await db.insert({ collection_name: 'c', data: [{ ...docs(1, 2000 + seen.length)[0], vector: query }] }); // the best hit, but too late
  }
  assert.deepEqual(seen, expected);
  const all: string[] = [];
  for await (const batch of await db.searchIterator({ collection_name: 'c', data: query, batchSize: 16 })) all.push(...batch.map((hit) => String(hit.id)));
  assert.equal(all.length, 100 + 9); // the rows at the start, plus the 9 inserted while the first iteration ran
  assert.equal(new Set(all).size, all.length);
});
