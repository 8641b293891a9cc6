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
import { handleRest } from './rest/handler.js';

export interface ServerOptions {
  /** milvus.yaml keys, flat or nested (see configFromFile for a file and the environment). */
  config?: Record<string, unknown>;
  /** Where the server's lines go (default: stderr). */
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

export class QuiverServer {
  #closing: Promise<void> | undefined;

  private constructor(
    readonly db: QuiverDB,
    private readonly http: Server,
    /** The RESTful API's address, e.g. http://127.0.0.1:19530. */
    readonly url: string,
  ) {}

  static async start(options: ServerOptions = {}): Promise<QuiverServer> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const config = readConfig(options.config, '.'); // checked before anything is opened
    const authorize = authorizer(config);
    const tls = config['common.security.tlsMode'] === 1 ? await certificate(config) : undefined;
    const dir = resolve(config['localStorage.path'] as string);
    const db = await QuiverDB.open(dir, options.config, { log });
    const maxBodyBytes = config['proxy.http.maxBodyBytes'] as number;
    const answer = (req: IncomingMessage, res: ServerResponse) => {
      handleRest(db, req, res, { maxBodyBytes, authorize }).catch((error) => {
        log(`quiverdb: http: ${(error as Error).message}`);
        res.destroy();
      });
    };
    const http = tls ? createHttpsServer(tls, answer) : createServer(answer);
    try {
      await new Promise<void>((done, fail) => {
        http.once('error', fail);
        http.listen(config['proxy.port'] as number, config['proxy.ip'] as string, () => {
          http.off('error', fail);
          done();
        });
      });
    } catch (error) {
      await db.close();
      throw error;
    }
    const { address, port } = http.address() as AddressInfo;
    const url = `${tls ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}`;
    log(`quiverdb: serving ${dir} on ${url} (Milvus RESTful API v2: ${url}/v2/vectordb)`);
    return new QuiverServer(db, http, url);
  }

  /** Stops accepting, waits for the requests in flight, then closes the database. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await new Promise<void>((done) => {
        this.http.close(() => done());
        this.http.closeIdleConnections();
      });
      await this.db.close();
    })();
    return this.#closing;
  }
}
