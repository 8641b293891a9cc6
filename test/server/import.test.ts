// `quiverdb import` and `quiverdb stats` as processes, against a running `quiverdb serve` and
// against a folder: .fvecs (plain and gzipped), JSON lines with a bad row and a resume, Parquet
// with Int64 keys past 2^53; progress as plain lines off a terminal; --help on each command.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { parquetWriteBuffer } from 'hyparquet-writer';

import { Progress } from '../../src/cli/progress.js';
import { QuiverDB } from '../../src/index.js';
import { workFolder } from '../db/db-helpers.js';
import { exitOf, quiverdb, serving } from './serve-process.js';

const folder = workFolder('import');
const files = folder('files');
const DIM = 16;
const ROWS = 3000;

/** Seeded vectors, as an .fvecs file: row i is recognisable by its first value. */
function fvecs(count: number): Buffer {
  const out = Buffer.alloc(count * (4 + 4 * DIM));
  let seed = 7;
  for (let i = 0; i < count; i++) {
    const at = i * (4 + 4 * DIM);
    out.writeInt32LE(DIM, at);
    out.writeFloatLE(i, at + 4);
    for (let d = 1; d < DIM; d++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      out.writeFloatLE(seed / 2 ** 31, at + 4 + 4 * d);
    }
  }
  return out;
}

let server: ReturnType<typeof quiverdb>;
let url: string;

before(async () => {
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'base.fvecs'), fvecs(ROWS));
  writeFileSync(join(files, 'base.fvecs.gz'), gzipSync(fvecs(ROWS)));
  server = quiverdb(['serve'], { LOCALSTORAGE_PATH: folder('served'), PROXY_PORT: '0', METRICS_PORT: '0' });
  url = (await serving(server)).url;
});

after(async () => {
  const exited = exitOf(server);
  server.kill('SIGTERM');
  await exited;
});

async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return exitOf(quiverdb(args));
}

test('import .fvecs and .fvecs.gz into a server: keys are row numbers, progress in plain lines, then stats', async () => {
  const plain = await run(['import', 'vectors', join(files, 'base.fvecs'), '--url', url, '--batch', '500']);
  assert.equal(plain.code, 0, plain.output);
  assert.match(plain.output, /made collection "vectors" \(quick form: Int64 key "id", FloatVector "vector" of 16, L2\)/);
  assert.match(plain.output, /^import vectors: 100% 3,000 rows/m);
  assert.doesNotMatch(plain.output, /\r/);
  assert.match(plain.output, /imported 3000 rows into vectors/);
  const gz = await run(['import', 'vectors', join(files, 'base.fvecs.gz'), '--url', url, '--id-start', String(ROWS)]);
  assert.equal(gz.code, 0, gz.output);

  const db = await QuiverDB.connect(url);
  try {
    assert.equal((await db.count({ collection_name: 'vectors', consistency_level: 'Strong' })).data, 2 * ROWS);
    const row = fvecs(ROWS).subarray(17 * (4 + 4 * DIM) + 4, 18 * (4 + 4 * DIM));
    const { results } = await db.search({
      collection_name: 'vectors',
      data: new Float32Array(row.buffer.slice(row.byteOffset, row.byteOffset + row.length)),
      limit: 2,
    });
    assert.deepEqual(results.map((hit) => hit.id).sort(), ['17', String(ROWS + 17)]);
  } finally {
    await db.close();
  }

  const stats = await run(['stats', 'vectors', '--url', url, '--json']);
  assert.equal(stats.code, 0, stats.output);
  const parsed = JSON.parse(stats.output);
  assert.equal(parsed.broker, 'rocksmq');
  assert.equal(parsed.collections[0].name, 'vectors');
  assert.equal(parsed.collections[0].rows, 2 * ROWS);
  assert.equal(parsed.collections[0].indexes[0].totalRows, 2 * ROWS);
  assert.equal(parsed.collections[0].lag.querynode, 0);
  const text = await run(['stats', '--url', url]);
  assert.match(text.output, /^vectors\n {2}rows {10}6,000$/m);
});

test('a refused batch stops the import naming the row; --skip resumes after it', async () => {
  const lines = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ id: i, vector: [i, 1, 0], tag: `t${i % 3}` }));
  lines[650] = JSON.stringify({ id: 650, vector: [1, 2], tag: 'short' });
  const path = join(files, 'rows.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const stopped = await run(['import', 'docs', path, '--url', url, '--batch', '500']);
  assert.equal(stopped.code, 1, stopped.output);
  assert.match(stopped.output, /the batch from row 500 \(row 650 of the file\) was refused: .*field "vector".*\(QV_INVALID_ROW\)/);
  assert.match(stopped.output, /rows 0 to 499 are in; resume with --skip 500/);
  lines[650] = JSON.stringify({ id: 650, vector: [1, 2, 3], tag: 'fixed' });
  writeFileSync(path, `${lines.join('\n')}\n`);
  const resumed = await run(['import', 'docs', path, '--url', url, '--skip', '500']);
  assert.equal(resumed.code, 0, resumed.output);
  const db = await QuiverDB.connect(url);
  try {
    assert.equal((await db.count({ collection_name: 'docs', consistency_level: 'Strong' })).data, 1200);
    assert.deepEqual((await db.get({ collection_name: 'docs', ids: [650], output_fields: ['tag'] })).data, [{ id: '650', tag: 'fixed' }]);
  } finally {
    await db.close();
  }
});

test('import a Parquet file into a folder: a list column is the vector, Int64 keys past 2^53 whole', async () => {
  const count = 2500;
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: count }, (_, i) => 9_007_199_254_740_993n + BigInt(i)) },
      { name: 'vector', data: Array.from({ length: count }, (_, i) => [i % 7, i % 5, 1]) },
      { name: 'tag', data: Array.from({ length: count }, (_, i) => `t${i % 3}`) },
    ],
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
      { name: 'vector', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      { name: 'tag', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    ],
    rowGroupSize: 1000,
  });
  const path = join(files, 'rows.parquet');
  writeFileSync(path, new Uint8Array(buffer));
  const dir = folder('parquet-db');
  const imported = await run(['import', 'table', path, '--dir', dir, '--batch', '700']);
  assert.equal(imported.code, 0, imported.output);
  const db = await QuiverDB.open(dir);
  try {
    assert.equal((await db.count({ collection_name: 'table' })).data, count);
    const { data } = await db.get({ collection_name: 'table', ids: [9_007_199_254_740_993n + 2499n], output_fields: ['tag'] });
    assert.deepEqual(data, [{ id: '9007199254743492', tag: 't0' }]);
  } finally {
    await db.close();
  }
});

test('every command has --help; a wrong file or argument is a clear error', async () => {
  for (const command of ['serve', 'import', 'stats']) {
    const help = await run([command, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.output, new RegExp(`^Usage: quiverdb ${command}`));
    assert.equal((await run(['help', command])).output, help.output);
  }
  const missing = await run(['import', 'x', join(files, 'none.fvecs'), '--url', url]);
  assert.equal(missing.code, 1);
  assert.match(missing.output, /cannot read .*none.fvecs/);
  const format = await run(['import', 'x', join(files, 'rows.csv'), '--url', url]);
  assert.match(format.output, /import reads .fvecs, .jsonl/);
  const args = await run(['import', 'x']);
  assert.match(args.output, /import takes a collection and a file/);
});

test('progress: one line redrawn on a terminal, a line per tenth elsewhere, 100% only at the end', () => {
  const written: string[] = [];
  const plain = new Progress('job', 1000, { write: (text: string) => written.push(text) });
  for (let done = 100; done <= 1000; done += 100) plain.update(done, done);
  plain.finish(1000);
  assert.deepEqual(
    written.map((line) => line.split(' ')[1]),
    ['10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%'],
  );
  const drawn: string[] = [];
  const tty = new Progress('job', 1000, { isTTY: true, write: (text: string) => drawn.push(text) });
  tty.update(500, 500);
  tty.finish(1000);
  assert.ok(drawn.every((text) => text.startsWith('\r')));
  assert.match(drawn[0], /^\rjob \[#{12}\.{12}\] 50% 500 rows/);
  assert.match(drawn.at(-1) ?? '', /\[#{24}\] 100% 1,000 rows.*\n$/);
});
