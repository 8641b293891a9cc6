/**
 * bench/ingest: search latency while the log broker ingests. Single top-10 queries on
 * siftsmall (FlatIndex, 10k x 128) are timed one after another, first on a quiet process,
 * then while 32 producers send 1 MB messages to rocksmq as fast as it takes them. Prints
 * the median and p99 of each and their ratio (loaded / quiet). Broker I/O runs on its own
 * threads, so the searches should not queue behind it; what remains is sharing 2 cores.
 *
 *   npm run bench:ingest [-- --data DIR] [-- --seconds 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { FlatIndex, RocksMq } from '../src/index.js';
import { query, texmex } from './lib/datasets.js';
import { fixed, machine, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, seconds: { type: 'string', default: '10' } } });
const seconds = Number(values.seconds);
const ds = await texmex('siftsmall', 'siftsmall', values.data);
const index = new FlatIndex({ dim: ds.dim });
await index.add(
  ds.base,
  BigInt64Array.from({ length: ds.count }, (_, i) => BigInt(i)),
);

/** Latencies in ms of single searches, one after another, for `seconds`. */
async function latencies(): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const start = performance.now();
    await index.search(query(ds, i % ds.queryCount), 10);
    out.push(performance.now() - start);
  }
  return out.sort((a, b) => a - b);
}
const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

await latencies(); // warm-up
const quiet = await latencies();

const dir = mkdtempSync(join(tmpdir(), 'quiverdb-ingest-'));
const broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: 512, compactionInterval: 5 });
await broker.createTopic('ingest');
let producing = true;
let sent = 0;
const payload = new Uint8Array(1 << 20).fill(7);
const producers = Array.from({ length: 32 }, async () => {
  const producer = broker.producer('ingest');
  while (producing) {
    await producer.send(payload);
    sent++;
  }
});
await new Promise((r) => setTimeout(r, 1000)); // the producers are under way
const sentBefore = sent;
const loadedStart = performance.now();
const loaded = await latencies();
const ingestMBs = (sent - sentBefore) / ((performance.now() - loadedStart) / 1000);
producing = false;
await Promise.all(producers);
await broker.close();
rmSync(dir, { recursive: true, force: true });

const rows = [
  ['quiet', quiet.length, fixed(at(quiet, 0.5), 3), fixed(at(quiet, 0.99), 3), '–'],
  ['32 producers of 1 MB', loaded.length, fixed(at(loaded, 0.5), 3), fixed(at(loaded, 0.99), 3), fixed(ingestMBs, 0)],
];
const body = `## Search latency during ingest (bench/ingest)

\`npm run bench:ingest\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. Single top-10
FlatIndex searches on siftsmall (10k x 128), one after another for ${seconds} s each, on a quiet
process and while 32 producers send 1 MB messages to rocksmq (synced, group-committed), all
in this one process.

${table(['load', 'searches', 'median ms', 'p99 ms', 'ingest MB/s'], rows)}

Loaded / quiet: median ${fixed(at(loaded, 0.5) / at(quiet, 0.5), 2)}x, p99 ${fixed(at(loaded, 0.99) / at(quiet, 0.99), 2)}x.`;
console.log(body);
writeSection('ingest', body);
