/**
 * The nats-server process natsmq runs on ("embedded" NATS, as Milvus has it): started from
 * PATH or natsmq.server.binary with a config generated from the natsmq.server.* keys,
 * bound to 127.0.0.1 unless told otherwise, ready within initializeTimeout, and stopped on
 * close. Errors name the fix.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

import { InvalidArgumentError, NatsServerError } from '../../errors.js';
import type { LogLine } from '../open-broker.js';
import { claimStore, releaseStore, stopOrphan } from './orphan.js';

/** The natsmq.server.* keys (Milvus's names and defaults). */
export interface NatsServerOptions {
  /** natsmq.server.binary: the nats-server executable [found on PATH]. */
  binary?: string;
  /** natsmq.server.host: the address to listen on [127.0.0.1]. */
  host?: string;
  /** natsmq.server.port [4222]; -1 picks a free port. */
  port?: number;
  /** natsmq.server.storeDir: JetStream's storage folder [/var/lib/milvus/nats]; put it on an SSD. */
  storeDir?: string;
  /** natsmq.server.maxFileStore: bytes of JetStream file storage; past it, writes are refused [16 GiB]. */
  maxFileStore?: number;
  /** natsmq.server.maxPayload: largest payload in bytes [8 MiB]; the server allows HEADER_ROOM more for headers. */
  maxPayload?: number;
  /** natsmq.server.maxPending: bytes buffered for one client connection [64 MiB]. */
  maxPending?: number;
  /** natsmq.server.initializeTimeout: milliseconds to wait for the server to be ready [4000]. */
  initializeTimeout?: number;
  /** natsmq.server.monitor.*: protocol trace and debug logs [false], timestamps [true], log file
   * [/tmp/milvus/logs/nats.log], and its roll-over size [512 MiB]. */
  monitor?: { trace?: boolean; debug?: boolean; logTime?: boolean; logFile?: string; logSizeLimit?: number };
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 4222,
  storeDir: '/var/lib/milvus/nats',
  maxFileStore: 17_179_869_184,
  maxPayload: 8_388_608,
  maxPending: 67_108_864,
  initializeTimeout: 4000,
  monitor: { trace: false, debug: false, logTime: true, logFile: '/tmp/milvus/logs/nats.log', logSizeLimit: 536_870_912 },
};

function findBinary(explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new NatsServerError(`natsmq.server.binary ${explicit} does not exist`, 'missing');
    return explicit;
  }
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/bin']) {
    const candidate = join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new NatsServerError(
    'nats-server is not installed: run `npm run setup` (apt-get install nats-server, or brew install nats-server), or set natsmq.server.binary',
    'missing',
  );
}

function checkStoreDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new NatsServerError(
      `natsmq.server.storeDir ${dir} is not a writable folder (${(error as Error).message}): choose another, or fix its permissions`,
      'store-dir',
    );
  }
}

const quote = (s: string) => JSON.stringify(s);

/** Bytes the server accepts past maxPayload, for the headers natsmq sends (its dedupe id). */
export const HEADER_ROOM = 1024;

export class NatsServer {
  #process: ChildProcess;
  readonly #scratch: string;
  readonly #restart: () => ChildProcess;
  #supervised = false;
  #stopped = false;
  #restarts = 0;
  /** The client URL, e.g. nats://127.0.0.1:4222. */
  readonly url: string;
  readonly port: number;
  readonly options: Readonly<Required<Omit<NatsServerOptions, 'binary'>>>;

  private constructor(child: ChildProcess, scratch: string, port: number, options: Required<Omit<NatsServerOptions, 'binary'>>, restart: () => ChildProcess) {
    this.#process = child;
    this.#scratch = scratch;
    this.#restart = restart;
    this.port = port;
    this.url = `nats://${options.host}:${port}`;
    this.options = options;
  }

  /**
   * From now on, a nats-server that exits without stop() (killed, crashed) is started again on
   * the same port and store, after 0.1 s, then twice as long each time it exits again (at most
   * 5 s); clients reconnect by themselves. `log` hears of each restart.
   */
  supervise(log: LogLine = () => {}): void {
    if (this.#supervised) return;
    this.#supervised = true;
    const watch = (child: ChildProcess) => {
      child.once('exit', (code, signal) => {
        if (this.#stopped) return;
        const wait = Math.min(5000, 100 * 2 ** Math.min(this.#restarts++, 6));
        log(`quiverdb: nats-server exited (${signal ?? `code ${code}`}); starting it again in ${wait} ms`, 'warn');
        setTimeout(() => {
          if (this.#stopped) return;
          this.#process = this.#restart();
          watch(this.#process);
        }, wait).unref();
      });
    };
    watch(this.#process);
  }

  /** Times nats-server was started again by supervise(). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Starts nats-server and resolves once it accepts connections. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const o = { ...DEFAULTS, ...options, monitor: { ...DEFAULTS.monitor, ...options.monitor } };
    delete (o as NatsServerOptions).binary;
    if (!Number.isInteger(o.port) || o.port < -1 || o.port > 65535) throw new InvalidArgumentError(`natsmq.server.port must be -1 or 0..65535, got ${o.port}`);
    const binary = findBinary(options.binary);
    checkStoreDir(o.storeDir);
    await stopOrphan(o.storeDir);
    mkdirSync(dirname(o.monitor.logFile), { recursive: true });
    const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-nats-'));
    const config = join(scratch, 'nats-server.conf');
    writeFileSync(
      config,
      [
        `listen: ${quote(`${o.host}:${o.port}`)}`,
        `max_payload: ${o.maxPayload + HEADER_ROOM}`,
        `max_pending: ${o.maxPending}`,
        `trace: ${o.monitor.trace}`,
        `debug: ${o.monitor.debug}`,
        `logtime: ${o.monitor.logTime}`,
        `log_file: ${quote(o.monitor.logFile)}`,
        `log_size_limit: ${o.monitor.logSizeLimit}`,
        `ports_file_dir: ${quote(scratch)}`,
        `jetstream {`,
        `  store_dir: ${quote(o.storeDir)}`,
        `  max_file_store: ${o.maxFileStore}`,
        `  max_memory_store: 0`,
        `}`,
        '',
      ].join('\n'),
    );
    const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const logSince = existsSync(o.monitor.logFile) ? statSync(o.monitor.logFile).size : 0;
    const log = () => stderr + (existsSync(o.monitor.logFile) ? readFileSync(o.monitor.logFile, 'utf8').slice(logSince) : '');

    const failed = (message: string, reason: NatsServerError['reason']) => {
      child.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
      return new NatsServerError(message, reason);
    };
    // Ready when the server has written its ports file (it does so once it listens).
    const deadline = Date.now() + o.initializeTimeout;
    for (;;) {
      // The deadline first: a server not ready in time is a timeout, whatever happens next.
      if (Date.now() > deadline) {
        throw failed(
          `nats-server was not ready within natsmq.server.initializeTimeout (${o.initializeTimeout} ms); raise it, or see ${o.monitor.logFile}`,
          'timeout',
        );
      }
      const ports = readdirSync(scratch).find((f) => f.endsWith('.ports'));
      // The file can be seen before the server has finished writing it: read it again then.
      const listening = ports ? portsIn(join(scratch, ports)) : undefined;
      if (listening !== undefined) {
        // A restart listens where this one does (a free port, once picked, is kept).
        writeFileSync(config, readFileSync(config, 'utf8').replace(/^listen: .*$/m, `listen: ${quote(`${o.host}:${listening}`)}`));
        const restart = () => {
          const again = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'ignore'] });
          if (again.pid !== undefined) claimStore(o.storeDir, again.pid);
          return again;
        };
        claimStore(o.storeDir, child.pid as number);
        return new NatsServer(child, scratch, listening, o, restart);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        const text = log();
        if (/address already in use/i.test(text)) {
          throw failed(
            `natsmq.server.port ${o.port} is in use: stop what holds it, or set natsmq.server.port to another port (-1 picks a free one)`,
            'port-in-use',
          );
        }
        if (/store|permission|read-only/i.test(text)) throw failed(`nats-server cannot use natsmq.server.storeDir ${o.storeDir}: ${text.trim()}`, 'store-dir');
        throw failed(`nats-server exited at start-up: ${text.trim() || `exit code ${child.exitCode}`}`, 'exited');
      }
      await new Promise((r) => setTimeout(r, 10)); // start-up only: a few dozen checks at most
    }
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const child = this.#process;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    releaseStore(this.options.storeDir);
    rmSync(this.#scratch, { recursive: true, force: true });
  }
}

/** The client port in nats-server's ports file, or undefined while the file is still being written. */
function portsIn(file: string): number | undefined {
  try {
    const { nats } = JSON.parse(readFileSync(file, 'utf8')) as { nats: string[] };
    return Number(new URL(nats[0]).port);
  } catch {
    return undefined;
  }
}
