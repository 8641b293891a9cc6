/**
 * Who owns the nats-server of a JetStream store folder. A process killed outright (SIGKILL,
 * a crash, the OOM killer) cannot stop the nats-server it started: that server keeps the
 * store and the port. So the owner records both pids in the store folder, and the next start
 * on that folder stops a server whose owner is gone before it starts its own, rather than
 * failing on a busy port or sharing the store with a stray server.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { NatsServerError } from '../../errors.js';

const FILE = 'quiverdb-nats.json';

interface Ownership {
  /** The nats-server. */
  pid: number;
  /** The process that started it. */
  owner: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, but not ours to signal
  }
}

/** On Linux, whether the process is a nats-server (a pid may have been reused); elsewhere, trusted. */
function isNatsServer(pid: number): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nats-server');
  } catch {
    return false;
  }
}

/** Records that this process owns nats-server `pid` on the store folder. */
export function claimStore(storeDir: string, pid: number): void {
  const record: Ownership = { pid, owner: process.pid };
  writeFileSync(join(storeDir, FILE), JSON.stringify(record));
}

export function releaseStore(storeDir: string): void {
  rmSync(join(storeDir, FILE), { force: true });
}

/**
 * Before a start on `storeDir`: refuses when a live process owns it; stops the nats-server a
 * dead owner left behind (SIGTERM, then SIGKILL after 5 s). Resolves with that server's pid, if any.
 */
export async function stopOrphan(storeDir: string): Promise<number | undefined> {
  let record: Ownership;
  try {
    record = JSON.parse(readFileSync(join(storeDir, FILE), 'utf8')) as Ownership;
  } catch {
    return undefined; // never started here, or stopped cleanly
  }
  if (record.owner !== process.pid && alive(record.owner)) {
    throw new NatsServerError(`natsmq.server.storeDir ${storeDir} is used by the nats-server of process ${record.owner}: stop it there first`, 'store-dir');
  }
  if (!alive(record.pid) || !isNatsServer(record.pid)) return undefined;
  process.kill(record.pid, 'SIGTERM');
  for (let waited = 0; alive(record.pid); waited += 50) {
    if (waited === 5000) process.kill(record.pid, 'SIGKILL');
    if (waited === 10_000) throw new NatsServerError(`the nats-server (pid ${record.pid}) left on ${storeDir} by a stopped process did not exit`, 'store-dir');
    await delay(50);
  }
  return record.pid;
}
