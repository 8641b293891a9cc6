// One op of one system on one workload, in its own process so that its peak memory is its
// own: `node --import tsx bench/pubsub-worker.ts <system> <bytes> <count> <op> <dir>`; op
// numbers the op (its topic), and `dir` keeps the earlier ops' messages. Prints one JSON
// line: the op's seconds, client and nats-server peak memory and CPU time, and the bytes
// the system has on disk.
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';

import { openSystem, type SystemName } from './lib/pubsub-systems.js';

const [system, bytesArg, countArg, opArg, dir] = process.argv.slice(2);
const bytes = Number(bytesArg);
const count = Number(countArg);
const op = Number(opArg);

/** Random payloads as views into one random block: cheap to make, incompressible. */
function payloads(): Uint8Array[][] {
  const block = randomFillSync(new Uint8Array(bytes + 4096 * 64));
  const chunkMessages = Math.max(1, Math.min(1000, Math.floor((64 << 20) / bytes)));
  const chunks: Uint8Array[][] = [];
  for (let i = 0; i < count; i += chunkMessages) {
    chunks.push(Array.from({ length: Math.min(chunkMessages, count - i) }, (_, j) => block.subarray(((i + j) % 64) * 4096, ((i + j) % 64) * 4096 + bytes)));
  }
  return chunks;
}

const status = (pid: number | string, field: string) =>
  Number(
    /(\d+) kB/.exec(
      readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(field))!,
    )![1],
  ) * 1024;
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

mkdirSync(dir, { recursive: true });
const chunks = payloads();
const sys = await openSystem(system as SystemName, dir);
const serverCpuBefore = sys.serverPid ? cpuSeconds(sys.serverPid) : 0;
const cpuBefore = process.cpuUsage();
const start = performance.now();
await sys.op(op, chunks, count);
const seconds = [(performance.now() - start) / 1000];
const cpu = process.cpuUsage(cpuBefore);
const server = sys.serverPid ? { peakBytes: status(sys.serverPid, 'VmHWM'), cpuSeconds: cpuSeconds(sys.serverPid) - serverCpuBefore } : null;
await sys.close();
const diskBytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
console.log(JSON.stringify({ seconds, client: { peakBytes: status('self', 'VmHWM'), cpuSeconds: (cpu.user + cpu.system) / 1e6 }, server, diskBytes }));
