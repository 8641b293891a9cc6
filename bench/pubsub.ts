/**
 * bench/pubsub: the seed's Pub/Sub table on this machine. Four workloads (5 MB × 100,
 * 1 MB × 500, 64 KB × 10000, 1 KB × 50000): publish the messages to a new topic while a
 * subscriber reads until the last has arrived, `--ops` times (default 5), for rocksmq,
 * natsmq, the raw JetStream client and a plain queue on the `rocksdb` npm package. The
 * systems take turns, one op each per round; each op runs in a child process of its own
 * (bench/pubsub-worker.ts), so that its peak memory is its own; nats-server's memory and
 * CPU are read from /proc.
 *
 *   npm run bench:pubsub [-- --ops 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { root } from './lib/datasets.js';
import { fixed, machine, table } from './lib/measure.js';
import { type SystemName, systems } from './lib/pubsub-systems.js';
import { writeSection } from './lib/results.js';

const opsArg = process.argv.indexOf('--ops');
const ops = opsArg > 0 ? Number(process.argv[opsArg + 1]) : 5;
const workloads = [
  { name: '5MB × 100', bytes: 5 << 20, count: 100 },
  { name: '1MB × 500', bytes: 1 << 20, count: 500 },
  { name: '64KB × 10000', bytes: 64 << 10, count: 10000 },
  { name: '1KB × 50000', bytes: 1 << 10, count: 50000 },
];
/** The seed's figures (M1 Pro, 16 GB, 50 ops): s/op, memory, CPU, storage. */
const seed: Record<string, { nats: string; rocksmq: string }> = {
  '5MB × 100': { nats: '1.65 s · 4.29 GB · 85.6 · 25G', rocksmq: '2.48 s · 1.18 GB · 81.4 · 19G' },
  '1MB × 500': { nats: '2.25 s · 2.60 GB · 96.5 · 25G', rocksmq: '2.55 s · 615 MB · 80.2 · 19G' },
  '64KB × 10000': { nats: '2.13 s · 3.29 GB · 97.6 · 31G', rocksmq: '3.25 s · 331 MB · 134.6 · 24G' },
  '1KB × 50000': { nats: '2.63 s · 635 MB · 179.7 · 2.6G', rocksmq: '0.90 s · 232 MB · 60.4 · 521M' },
};

interface Run {
  seconds: number[];
  client: { peakBytes: number; cpuSeconds: number };
  server: { peakBytes: number; cpuSeconds: number } | null;
  diskBytes: number;
}

const mb = (bytes: number) => `${fixed(bytes / 2 ** 20)} MB`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Every system starts from the same state: nothing of the previous one's left to write back,
 * and (as root) an empty page cache. On a VM that hands freed memory back to the host (free
 * page reporting), a page touched for the first time since costs far more than a reused one,
 * so without this the system that runs just after another's memory was freed gets cheap
 * memory and the next ones do not. The pause lets the host take the freed memory back.
 */
let coldStart = true;
async function settle(): Promise<void> {
  execFileSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    coldStart = false; // not root: only the sync
    return;
  }
  await sleep(3000);
}

const work = mkdtempSync(join(tmpdir(), 'quiverdb-pubsub-'));
console.log(`machine: ${machine()}; ${ops} ops per row`);
const results = new Map<string, Map<SystemName, Run>>();
for (const w of workloads) {
  const row = new Map<SystemName, Run>(systems.map((system) => [system, { seconds: [], client: { peakBytes: 0, cpuSeconds: 0 }, server: null, diskBytes: 0 }]));
  results.set(w.name, row);
  // Round-robin, one op per system per round, each round in another order: whatever this
  // machine does to one round falls on every system alike.
  for (let op = 0; op < ops; op++) {
    for (let i = 0; i < systems.length; i++) {
      const system = systems[(i + op) % systems.length];
      await settle();
      const out = execFileSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'bench', 'pubsub-worker.ts'), system, String(w.bytes), String(w.count), String(op), join(work, `${system}-${w.bytes}`)],
        { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
      );
      const one = JSON.parse(out.trim().split('\n').pop()!) as Run;
      const run = row.get(system)!;
      run.seconds.push(...one.seconds);
      run.client = { peakBytes: Math.max(run.client.peakBytes, one.client.peakBytes), cpuSeconds: run.client.cpuSeconds + one.client.cpuSeconds };
      if (one.server) {
        run.server = {
          peakBytes: Math.max(run.server?.peakBytes ?? 0, one.server.peakBytes),
          cpuSeconds: (run.server?.cpuSeconds ?? 0) + one.server.cpuSeconds,
        };
      }
      run.diskBytes = one.diskBytes; // the folder keeps every op's messages
    }
  }
  for (const [system, run] of row) {
    rmSync(join(work, `${system}-${w.bytes}`), { recursive: true, force: true });
    console.log(
      `${w.name.padEnd(13)} ${system.padEnd(11)} ${fixed(mean(run.seconds), 3)} s/op (${run.seconds.map((x) => fixed(x, 2)).join(' ')})  client ${mb(run.client.peakBytes)}, ${fixed(run.client.cpuSeconds, 1)} s CPU` +
        (run.server ? `; nats-server ${mb(run.server.peakBytes)}, ${fixed(run.server.cpuSeconds, 1)} s CPU` : '') +
        `; disk ${mb(run.diskBytes)}`,
    );
  }
}
rmSync(work, { recursive: true, force: true });

const rows: (string | number)[][] = [];
for (const w of workloads) {
  for (const [system, r] of results.get(w.name)!) {
    rows.push([
      w.name,
      system,
      fixed(mean(r.seconds), 3),
      mb(r.client.peakBytes),
      r.server ? mb(r.server.peakBytes) : '–',
      fixed(r.client.cpuSeconds, 1),
      r.server ? fixed(r.server.cpuSeconds, 1) : '–',
      mb(r.diskBytes),
      system === 'rocksmq' ? seed[w.name].rocksmq : system === 'natsmq' ? seed[w.name].nats : '',
    ]);
  }
}
const speed = (w: string, a: SystemName, b: SystemName) => mean(results.get(w)!.get(b)!.seconds) / mean(results.get(w)!.get(a)!.seconds);
const ratioRows = workloads.map((w) => {
  const large = w.bytes > 1024;
  const vsNats = speed(w.name, 'rocksmq', 'natsmq');
  const vsPlain = speed(w.name, 'rocksmq', 'rocksdb-npm');
  const vsRaw = speed(w.name, 'natsmq', 'jetstream');
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
  return [
    w.name,
    `${fixed(vsNats, 2)}x (≥${large ? '1.5' : '4'}: ${mark(vsNats >= (large ? 1.5 : 4))})`,
    `${fixed(vsPlain, 2)}x (≥1: ${mark(vsPlain >= 1)})`,
    `${fixed(vsRaw, 2)}x (≥0.8: ${mark(vsRaw >= 0.8)})`,
  ];
});
const ratios = table(['workload', 'rocksmq over natsmq', 'rocksmq over rocksdb-npm queue', 'natsmq over raw JetStream'], ratioRows);
const main = table(
  [
    'workload',
    'system',
    's/op',
    'client peak memory',
    'nats-server peak memory',
    'client CPU s',
    'server CPU s',
    'disk after the ops',
    'seed (s/op · memory · CPU · storage)',
  ],
  rows,
);
console.log(`\n${main}\n\n${ratios}`);
writeSection(
  'pubsub',
  `## Pub/Sub (bench/pubsub)\n\nCommand: \`npm run bench:pubsub\`  \nMachine: ${machine()}  \nDate: ${new Date().toISOString().slice(0, 10)}\n\n` +
    `QuiverDB is the static prebuild users install (the command makes it first). Each row: ${ops} operations per system, run round-robin (one op of each system per round, in a different order each round; each op in a fresh process on the same folder); an operation publishes the messages (random bytes) to a new topic in batches of at most 1000 ` +
    `messages or 64 MB, while a subscriber in the same process reads until the last has arrived. s/op is the mean. ` +
    `"client peak memory" is the highest peak RSS of those processes (Node included), client CPU their sum over the ops, ` +
    `"nats-server" the server's peak RSS and CPU time from /proc. Disk is what the system's folder holds after the ops ` +
    `(nothing is deleted: retention is off). Before each op \`sync\` runs, ` +
    (coldStart
      ? `the page cache is dropped and the run waits 3 s, so that every system starts with nothing to write back and with memory the VM has taken back (on this VM a page touched for the first time since costs several times a reused one; without this, whichever system followed another got the memory it freed). `
      : `so that none pays for the previous one's writes (the page cache was not dropped: that needs root). `) +
    `natsmq and the raw client each start their own nats-server 2.9.10 with the ` +
    `same settings (Milvus's defaults, file storage). The seed's column is its M1 Pro figures for NATS and RocksMQ (50 ops), ` +
    `for comparison only. On this VM single operations on the large rows vary by up to 2x (first-touch memory and disk), ` +
    `so compare ratios within one run.\n\n${main}\n\nSpeed ratios (time of the second over time of the first; targets from issue 5):\n\n${ratios}\n`,
);
