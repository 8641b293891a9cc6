// The native SegmentRows as the query node uses it: keys and MVCC timestamps, lookups across
// segments, merged search and key-ordered selection, and the errors of bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadNative } from '../src/native/load.js';

const { SegmentRows, FlatIndex } = loadNative();

test('keys are found where they live, across segments and after deletes', () => {
  const a = new SegmentRows('int64');
  const b = new SegmentRows('int64');
  a.append(BigInt64Array.from([1n, 2n, 3n]), BigInt64Array.from([10n, 10n, 10n]));
  b.append(BigInt64Array.from([2n, 4n]), BigInt64Array.from([20n, 20n]));
  assert.equal(a.remove(1, 20n), true); // key 2 upserted into b at 20
  assert.equal(a.remove(1, 30n), false); // deleted already
  const found = SegmentRows.findEach([a, b], BigInt64Array.from([1n, 2n, 4n, 9n]));
  assert.deepEqual(Array.from(found.segments), [0, 1, 1, -1]);
  assert.deepEqual(Array.from(found.rows).slice(0, 3), [0, 0, 1]);
  assert.equal(a.visible(1, 15n), true); // before the upsert, the old row is seen
  assert.equal(a.visible(1, 20n), false);
  assert.equal(a.visibleCount(25n), 2);
  assert.deepEqual(a.keysAt(Uint32Array.from([2, 0])), BigInt64Array.from([3n, 1n]));
});

test('VarChar keys, and key order across segments in selectRows', async () => {
  const a = new SegmentRows('varchar');
  const b = new SegmentRows('varchar');
  a.append(['pear', 'apple', 'fig'], BigInt64Array.from([5n, 5n, 5n]));
  b.append(['banana', 'cherry'], BigInt64Array.from([6n, 7n]));
  const page = await SegmentRows.selectRows([a, b], 6n, 1, 2); // cherry is not seen at 6
  const keys = Array.from(page.segments).map((s, i) => [a, b][s].keysAt(Uint32Array.of(page.rows[i]))[0]);
  assert.deepEqual(keys, ['banana', 'fig']);
  assert.deepEqual(SegmentRows.findEach([a, b], ['fig', 'kiwi']).segments, Int32Array.from([0, -1]));
});

test('a merged search hides what the read timestamp must not see', async () => {
  const rows = new SegmentRows('int64');
  const index = new FlatIndex(2, 'L2');
  rows.append(BigInt64Array.from([7n, 8n, 9n]), BigInt64Array.from([1n, 1n, 5n]));
  await index.add(Float32Array.from([0, 0, 1, 1, 0, 0.1]), BigInt64Array.from([0n, 1n, 2n]));
  rows.remove(0, 3n);
  const [counts, segments, at4, scores, keys] = await SegmentRows.searchEach([rows], [index], Float32Array.from([0, 0]), 3, 4n);
  assert.deepEqual(Array.from(counts), [1]); // row 0 deleted at 3, row 2 inserted at 5
  assert.deepEqual(rows.keysAt(at4), BigInt64Array.from([8n]));
  // Its segment, its score (L2: the squared distance from (0, 0) to (1, 1)) and its key.
  assert.deepEqual([Array.from(segments), Array.from(scores), keys], [[0], [2], BigInt64Array.from([8n])]);
  const [, , at2, , keysAt2] = await SegmentRows.searchEach([rows], [index], Float32Array.from([0, 0]), 3, 2n);
  assert.deepEqual(rows.keysAt(at2), BigInt64Array.from([7n, 8n]));
  assert.deepEqual(keysAt2, BigInt64Array.from([7n, 8n]));
});

test('columns take a batch at a time and give values back at any rows, with nulls', () => {
  const rows = new SegmentRows('int64', ['int64', 'bool', 'varchar', 'json', 'float']);
  rows.appendColumn(0, BigInt64Array.from([1n, -2n, 3n]));
  rows.appendColumn(1, Uint8Array.from([1, 0, 1]));
  rows.appendColumn(2, ['a', '', 'ü'], Uint8Array.from([1, 0, 1]));
  rows.appendColumn(3, ['{"k":[1,2]}', 'null', '"s"']);
  rows.appendColumn(4, Float32Array.from([0.5, 1.5, 2.5]));
  const at = Uint32Array.from([2, 0]);
  assert.deepEqual(rows.columnValues(0, at), { values: BigInt64Array.from([3n, 1n]) });
  assert.deepEqual(rows.columnValues(1, at), { values: Uint8Array.from([1, 1]) });
  assert.deepEqual(rows.columnValues(2, Uint32Array.from([1, 2])), { values: ['', 'ü'], valid: Uint8Array.from([0, 1]) });
  assert.deepEqual(rows.columnValues(3, at).values, ['"s"', '{"k":[1,2]}']);
  assert.deepEqual(rows.columnValues(4, at).values, Float32Array.from([2.5, 0.5]));
  assert.throws(() => rows.appendColumn(0, Int32Array.of(1)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.appendColumn(2, Uint8Array.of(1)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.appendColumn(9, Uint8Array.of(1)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.appendColumn(1, Uint8Array.of(1, 1), Uint8Array.of(1)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.columnValues(0, Uint32Array.of(3)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => new SegmentRows('int64', ['uuid' as 'int64']), { code: 'QV_INVALID_ARGUMENT' });
});

test('bad input is a typed error', async () => {
  const rows = new SegmentRows('int64');
  assert.throws(() => new SegmentRows('uuid' as 'int64'), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.append(['a'] as unknown as BigInt64Array, BigInt64Array.of(1n)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.append(BigInt64Array.of(1n), BigInt64Array.of()), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => rows.keysAt(Uint32Array.of(5)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => SegmentRows.findEach([rows, new SegmentRows('varchar')], BigInt64Array.of(1n)), { code: 'QV_INVALID_ARGUMENT' });
  assert.throws(() => SegmentRows.searchEach([rows], [], Float32Array.of(0), 1, 1n), { code: 'QV_INVALID_ARGUMENT' });
  await assert.rejects((async () => SegmentRows.searchEach([rows], [new FlatIndex(2, 'L2')], Float32Array.of(0, 0), 0, 1n))(), { code: 'QV_INVALID_K' });
});

test('close frees a segment once the work queued on it ends; later calls throw ClosedError', async () => {
  const rows = new SegmentRows('int64', ['int64']);
  const index = new FlatIndex(2, 'L2');
  rows.appendColumn(0, BigInt64Array.from([70n, 80n]));
  rows.append(BigInt64Array.from([7n, 8n]), BigInt64Array.from([1n, 1n]));
  await index.add(Float32Array.from([0, 0, 1, 1]), BigInt64Array.from([0n, 1n]));
  const queued = SegmentRows.searchEach([rows], [index], Float32Array.from([0, 0]), 2, 5n);
  rows.close();
  index.close();
  const [counts, , , , keys] = await queued; // the search holds both until it is done
  assert.deepEqual([Array.from(counts), keys], [[2], BigInt64Array.from([7n, 8n])]);
  const closed = { code: 'QV_CLOSED' };
  assert.throws(() => rows.rows, closed);
  assert.throws(() => rows.keysAt(Uint32Array.of(0)), closed);
  assert.throws(() => rows.columnValues(0, Uint32Array.of(0)), closed);
  assert.throws(() => rows.append(BigInt64Array.of(9n), BigInt64Array.of(2n)), closed);
  assert.throws(() => SegmentRows.findEach([rows], BigInt64Array.of(7n)), closed);
  assert.throws(() => SegmentRows.searchEach([rows], [new FlatIndex(2, 'L2')], Float32Array.of(0, 0), 1, 5n), closed);
  rows.close(); // twice: nothing
});
