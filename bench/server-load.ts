/**
 * bench/server-load: `quiverdb serve` under 16 concurrent HTTP clients for 60 s, each client
 * alternating inserts (10 rows of 128 dimensions) and searches (top 10 of one query, Strong),
 * on each broker (rocksmq, then natsmq with the nats-server it starts). The server is its own
 * process; the clients are this one. Prints and records errors, latency and throughput.
 *
 *   npm run bench:server-load [-- --seconds 60] [-- --clients 16]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { root } from './lib/datasets.js';
import { fixed, machine, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, clients: { type: 'string', default: '16' } } });
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const DIM = 128;
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-server-load-'));

function serve(broker: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve'], {
    env: { ...process.env, LOCALSTORAGE_PATH: join(scratch, broker), PROXY_PORT: '0', METRICS_PORT: '0', MQ_TYPE: broker },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /serving .*? on (http:\/\/\S+)/.exec(output)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
  return { child, url };
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function load(broker: string): Promise<(string | number)[][]> {
  const server = serve(broker);
  const url = await server.url;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/v2/vectordb/${path}`, { method: 'POST', body: JSON.stringify(body) });
    return (await response.json()) as { code: number };
  };
  await post('collections/create', { collectionName: 'load', dimension: DIM, metricType: 'L2', params: { consistencyLevel: 'Strong' } });
  const latencies = { insert: [] as number[], search: [] as number[] };
  const errors = { insert: 0, search: 0 };
  let nextId = 0;
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const vector = () => Array.from({ length: DIM }, random);
  const end = performance.now() + SECONDS * 1000;
  const client = async (c: number) => {
    for (let i = c; performance.now() < end; i++) {
      const kind = i % 2 === 0 ? 'insert' : 'search';
      const body =
        kind === 'insert'
          ? { collectionName: 'load', data: Array.from({ length: 10 }, () => ({ id: nextId++, vector: vector() })) }
          : { collectionName: 'load', data: [vector()], limit: 10 };
      const start = performance.now();
      try {
        const { code } = await post(`entities/${kind}`, body);
        if (code !== 0) errors[kind]++;
      } catch {
        errors[kind]++;
      }
      latencies[kind].push(performance.now() - start);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const seconds = (performance.now() - started) / 1000;
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
  return (['insert', 'search'] as const).map((kind) => {
    const sorted = latencies[kind].sort((a, b) => a - b);
    return [
      broker,
      kind,
      sorted.length,
      errors[kind],
      fixed(sorted.length / seconds),
      kind === 'insert' ? fixed((sorted.length * 10) / seconds) : '–',
      fixed(at(sorted, 0.5), 1),
      fixed(at(sorted, 0.99), 1),
    ];
  });
}

const rows: (string | number)[][] = [];
for (const broker of ['rocksmq', 'natsmq']) {
  const result = await load(broker);
  console.log(table(['broker', 'request', 'requests', 'errors', 'requests/s', 'rows/s', 'p50 ms', 'p99 ms'], result));
  rows.push(...result);
}
rmSync(scratch, { recursive: true, force: true });
writeSection(
  'server-load',
  [
    '## The standalone server under load (bench/server-load)',
    '',
    `\`npm run bench:server-load\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. \`quiverdb serve\` in its own`,
    `process; ${CLIENTS} concurrent HTTP clients in another for ${SECONDS} s, each alternating an insert of 10 rows`,
    `(${DIM} dimensions) and a search (top 10, Strong consistency, so every search waits for the writes before it).`,
    'No peer: Milvus cannot run on this machine.',
    '',
    table(['broker', 'request', 'requests', 'errors', 'requests/s', 'rows/s', 'p50 ms', 'p99 ms'], rows),
  ].join('\n'),
);
