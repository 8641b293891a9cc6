/**
 * The standalone server: the database of `localStorage.path` behind Milvus's RESTful API v2 on
 * `proxy.ip`:`proxy.port` (127.0.0.1:19530 unless configured). `close()` stops accepting,
 * lets the requests in flight finish, then closes the database (everything acknowledged is
 * on disk).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

import { QuiverDB } from '../client/embedded.js';
import { type Config, readConfig } from '../config/config.js';
import { InvalidArgumentError } from '../errors.js';
import type { LogLine } from '../mq/open-broker.js';
import { authorizer } from './auth.js';
import { serverLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { NatsApi } from './nats-api.js';
import { handleRest } from './rest/handler.js';

export interface ServerOptions {
  /** milvus.yaml keys, flat or nested (see configFromFile for a file and the environment). */
  config?: Record<string, unknown>;
  /** Where the server's lines go (default: stderr, as log.format and log.level say). */
  log?: LogLine;
}

/** tlsMode 1: the certificate and key files, read at start (a missing one stops the start, naming its key). */
async function certificate(config: Config): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (key: string) => {
    const path = config[key];
    if (typeof path !== 'string') throw new InvalidArgumentError(`common.security.tlsMode 1 needs ${key}`);
    try {
      return await readFile(path);
    } catch (error) {
      throw new InvalidArgumentError(`${key}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: await read('tls.serverPemPath'), key: await read('tls.serverKeyPath') };
}

/** Listens; resolves with the address it got (port 0: any free one). */
function listen(server: Server, port: number, host: string, scheme: string): Promise<string> {
  return new Promise<string>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      const { address, port: bound } = server.address() as AddressInfo;
      done(`${scheme}://${address.includes(':') ? `[${address}]` : address}:${bound}`);
    });
  });
}

/** GET /healthz: 200 while serving, 503 once closing; GET /metrics: Prometheus's text format. */
async function opsAnswer(db: QuiverDB, metrics: Metrics, serving: () => boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz') {
    const healthy = serving();
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'OK' : 'closing');
  } else if (path === '/metrics') {
    const text = await metrics.render(db);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('/healthz or /metrics');
  }
}

export class QuiverServer {
  #closing: Promise<void> | undefined;

  private constructor(
    readonly db: QuiverDB,
    private readonly http: Server,
    private readonly ops: Server,
    private readonly nats: NatsApi | undefined,
    /** The RESTful API's address, e.g. http://127.0.0.1:19530. */
    readonly url: string,
    /** Where /healthz and /metrics are, e.g. http://127.0.0.1:9091. */
    readonly opsUrl: string,
    /** Where the server's lines go. */
    readonly log: LogLine,
  ) {}

  static async start(options: ServerOptions = {}): Promise<QuiverServer> {
    const config = readConfig(options.config, '.'); // checked before anything is opened
    const log = options.log ?? serverLogger(config, (text) => process.stderr.write(`${text}\n`));
    const authorize = authorizer(config);
    const tls = config['common.security.tlsMode'] === 1 ? await certificate(config) : undefined;
    const dir = resolve(config['localStorage.path'] as string);
    const db = await QuiverDB.open(dir, options.config, { log });
    const maxBodyBytes = config['proxy.http.maxBodyBytes'] as number;
    const metrics = new Metrics();
    const answer = (req: IncomingMessage, res: ServerResponse) => {
      handleRest(db, req, res, { maxBodyBytes, authorize, metrics }).catch((error) => {
        log(`quiverdb: http: ${(error as Error).message}`, 'warn');
        res.destroy();
      });
    };
    const http = tls ? createHttpsServer(tls, answer) : createServer(answer);
    let server: QuiverServer | undefined; // made once everything listens
    const serving = () => server === undefined || server.#closing === undefined;
    const ops = createServer((req, res) => {
      opsAnswer(db, metrics, serving, req, res).catch(() => res.destroy());
    });
    // On natsmq, the NATS API is served where the log is, unless proxy.nats.url says elsewhere.
    const natsUrl = (config['proxy.nats.url'] as string | undefined) ?? QuiverDB.natsUrlOf(db);
    let urls: string[];
    let nats: NatsApi | undefined;
    try {
      urls = [
        await listen(http, config['proxy.port'] as number, config['proxy.ip'] as string, tls ? 'https' : 'http'),
        await listen(ops, config['metrics.port'] as number, config['proxy.ip'] as string, 'http'),
      ];
      if (natsUrl !== undefined) nats = await NatsApi.start(db, natsUrl, authorize, metrics);
    } catch (error) {
      http.close();
      ops.close();
      await db.close();
      throw error;
    }
    const [url, opsUrl] = urls;
    log(`quiverdb: serving ${dir} on ${url} (Milvus RESTful API v2: ${url}/v2/vectordb); /healthz and /metrics on ${opsUrl}`);
    if (nats) log(`quiverdb: NATS API on ${natsUrl} (quiverdb.v1.<task>)`);
    server = new QuiverServer(db, http, ops, nats, url, opsUrl, log);
    return server;
  }

  /** Stops accepting, waits for the requests in flight, then closes the database. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.nats?.close();
      await Promise.all(
        [this.http, this.ops].map(
          (server) =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeIdleConnections();
            }),
        ),
      );
      await this.db.close();
    })();
    return this.#closing;
  }
}
