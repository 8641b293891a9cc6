/**
 * The embedded client: the whole database in this process, on a local folder. Its methods,
 * arguments and results are those of @zilliz/milvus2-sdk-node's MilvusClient, so code
 * written for Milvus runs by changing how the client is made:
 *
 *   const db = await QuiverDB.open('./data');     // instead of new MilvusClient({ address })
 *
 * Where it differs, it says so: failures reject with a typed QuiverError (a stable `code`)
 * instead of resolving with an error status; Int64 values are returned as decimal strings,
 * as the SDK returns them, and accepted as numbers, bigints or decimal strings.
 */
import { resolve } from 'node:path';

import { readConfig } from '../config/config.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';
import type { LogLine } from '../mq/open-broker.js';
import type { ProxyNode } from '../roles/proxy/proxy.js';
import { Standalone } from '../roles/standalone.js';
import { natsTransport } from './nats-transport.js';
import { httpTransport } from './remote.js';
import { localTransport, PROXY_METHODS, type ProxyMethod, type Transport } from './transport.js';
import type { SearchResponse } from './types.js';

export interface OpenOptions {
  /** Where start-up lines go (the broker chosen); silent by default. */
  log?: LogLine;
}

export interface ConnectOptions {
  /** With the server's authorization on: `root:<password>` (as the SDK's token). */
  token?: string;
  /** Milliseconds a call may take (default 60 s). */
  timeout?: number;
}

type Request = Record<string, unknown>;
type Result<K extends keyof ProxyNode> = ProxyNode[K] extends (...args: never[]) => infer R ? R : never;

export class QuiverDB {
  #transport: Transport | undefined;
  #closing: Promise<void> | undefined;

  private constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Opens (or creates) the database in `dir`. `config` takes milvus.yaml keys, flat
   * (`{ 'mq.type': 'rocksmq' }`) or nested. One process at a time: a second opener gets a
   * DatabaseLockedError that names the holder.
   */
  static async open(dir: string, config?: Record<string, unknown>, options: OpenOptions = {}): Promise<QuiverDB> {
    if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('QuiverDB.open needs a folder path');
    const path = resolve(dir);
    const standalone = await Standalone.open(path, readConfig(config, path), options.log ?? (() => {}));
    return new QuiverDB(localTransport(standalone));
  }

  /**
   * A client of a `quiverdb serve` at `url` (`http://host:19530` or https, or `nats://host:4222`
   * when the server serves its NATS API there): the same methods,
   * arguments, results and typed errors as a database opened here. Nothing is sent until the
   * first call; `close()` closes only this client.
   */
  static async connect(url: string, options: ConnectOptions = {}): Promise<QuiverDB> {
    if (typeof url === 'string' && /^(nats|tls):\/\//.test(url)) return new QuiverDB(natsTransport(url, options));
    return new QuiverDB(httpTransport(url, options));
  }

  /** The folder the database lives in (for a connected client, the server's URL). */
  get dir(): string {
    return this.#open().where;
  }

  /** Stops every role and closes the log and the catalog; everything acknowledged is on disk. A connected client only lets go. */
  close(): Promise<void> {
    if (!this.#closing) {
      const transport = this.#transport;
      this.#transport = undefined;
      this.#closing = transport ? transport.close() : Promise.resolve();
    }
    return this.#closing;
  }

  #open(): Transport {
    if (!this.#transport) throw new ClosedError('the database is closed');
    return this.#transport;
  }

  #call<K extends ProxyMethod>(method: K, request: unknown): Result<K> {
    if (request !== undefined && (request === null || typeof request !== 'object' || Array.isArray(request))) {
      throw new InvalidArgumentError(`${String(method)} takes a request object`);
    }
    return this.#open().call(method, (request ?? {}) as Request) as Result<K>;
  }

  /** @internal The nats-server a database opened here on natsmq logs to (the server's NATS API goes there by default). */
  static natsUrlOf(db: QuiverDB): string | undefined {
    return db.#open().natsUrl;
  }

  /** @internal A proxy task of `db` by name, for the server's RPC endpoint (only the tasks of PROXY_METHODS). */
  static rpc(db: QuiverDB, method: string, request: unknown): Promise<unknown> {
    if (!(PROXY_METHODS as readonly string[]).includes(method)) return Promise.reject(new InvalidArgumentError(`no such method: ${method}`));
    return Promise.resolve().then(() => db.#call(method as ProxyMethod, request));
  }

  // Collections
  async createCollection(request: Request) {
    return this.#call('createCollection', request);
  }
  async describeCollection(request: Request) {
    return this.#call('describeCollection', request);
  }
  async listCollections(request?: Request) {
    return this.#call('listCollections', request);
  }
  async showCollections(request?: Request) {
    return this.#call('listCollections', request);
  }
  async hasCollection(request: Request) {
    return this.#call('hasCollection', request);
  }
  async dropCollection(request: Request) {
    return this.#call('dropCollection', request);
  }
  async renameCollection(request: Request) {
    return this.#call('renameCollection', request);
  }
  /** Sets collection properties, e.g. collection.ttl.seconds (rows expire that long after their insert). */
  async alterCollectionProperties(request: Request) {
    return this.#call('alterCollectionProperties', request);
  }
  async alterCollection(request: Request) {
    return this.#call('alterCollectionProperties', request);
  }
  async loadCollection(request: Request) {
    return this.#call('loadCollection', request);
  }
  async loadCollectionSync(request: Request) {
    return this.#call('loadCollection', request);
  }
  async releaseCollection(request: Request) {
    return this.#call('releaseCollection', request);
  }
  async getLoadState(request: Request) {
    return this.#call('getLoadState', request);
  }
  async getCollectionStatistics(request: Request) {
    return this.#call('getCollectionStatistics', request);
  }

  // Aliases: other names of a collection; alterAlias switches readers and writers in one step
  async createAlias(request: Request) {
    return this.#call('createAlias', request);
  }
  async alterAlias(request: Request) {
    return this.#call('alterAlias', request);
  }
  async dropAlias(request: Request) {
    return this.#call('dropAlias', request);
  }
  async describeAlias(request: Request) {
    return this.#call('describeAlias', request);
  }
  async listAliases(request: Request = {}) {
    return this.#call('listAliases', request);
  }

  // Partitions
  async createPartition(request: Request) {
    return this.#call('createPartition', request);
  }
  async dropPartition(request: Request) {
    return this.#call('dropPartition', request);
  }
  async listPartitions(request: Request) {
    return this.#call('listPartitions', request);
  }
  async showPartitions(request: Request) {
    return this.#call('listPartitions', request);
  }
  async hasPartition(request: Request) {
    return this.#call('hasPartition', request);
  }

  // Indexes: built per sealed segment in the background; searches never wait for them
  async createIndex(request: Request | Request[]) {
    return this.#call('createIndex', request);
  }
  async describeIndex(request: Request) {
    return this.#call('describeIndex', request);
  }
  async listIndexes(request: Request) {
    return this.#call('listIndexes', request);
  }
  async dropIndex(request: Request) {
    return this.#call('dropIndex', request);
  }

  // Compaction: automatic by default; these ask for one now and follow it
  async compact(request: Request) {
    return this.#call('compact', request);
  }
  async getCompactionState(request: Request) {
    return this.#call('getCompactionState', request);
  }
  /** The collection's flushed (sealed) segments and their rows. */
  async getPersistentSegmentInfo(request: Request) {
    return this.#call('getPersistentSegmentInfo', request);
  }
  /** The segments a loaded collection is searched over: rows, memory held (mem_size), and bytes left mapped (mapped_size). */
  async getQuerySegmentInfo(request: Request) {
    return this.#call('getQuerySegmentInfo', request);
  }

  // Writes
  async insert(request: Request) {
    return this.#call('insert', request);
  }
  async upsert(request: Request) {
    return this.#call('upsert', request);
  }
  async delete(request: Request) {
    return this.#call('delete', request);
  }
  async deleteEntities(request: Request) {
    return this.#call('delete', request);
  }
  async flush(request: Request) {
    return this.#call('flush', request);
  }
  async flushSync(request: Request) {
    return this.#call('flush', request);
  }

  // Reads
  async search<T extends Request>(request: T): Promise<SearchResponse<T>> {
    return (await this.#call('search', request)) as unknown as SearchResponse<T>;
  }
  /** Several searches (one per vector field request) fused by a reranker: RRFRanker(k) or WeightedRanker(weights). */
  async hybridSearch<T extends Request>(request: T): Promise<SearchResponse<T>> {
    return (await this.#call('hybridSearch', request)) as unknown as SearchResponse<T>;
  }
  async query(request: Request) {
    return this.#call('query', request);
  }
  /**
   * Rows of a query in batches of `batchSize`, as an async iterable (`for await (const batch of
   * await db.queryIterator({...}))`). It reads the collection as it was when it began; each
   * batch costs the same wherever it comes (pages follow the primary key); `limit` caps the total.
   */
  async queryIterator(request: Request & { batchSize?: number; limit?: number }): Promise<AsyncIterable<Record<string, unknown>[]>> {
    return this.#iterate(
      request,
      (r) => this.#call('queryPage', r),
      (page) => page.data,
    );
  }
  /** The hits of one query vector in batches of `batchSize`, best first, as queryIterator reads rows. */
  async searchIterator(request: Request & { batchSize?: number; limit?: number }): Promise<AsyncIterable<Record<string, unknown>[]>> {
    return this.#iterate(
      request,
      (r) => this.#call('searchPage', r),
      (page) => page.results,
    );
  }

  /** Pages from a proxy task that returns each page with the cursor of the next (none at the end). */
  async #iterate<P extends { cursor?: unknown }>(
    request: Request & { limit?: number },
    call: (r: Request) => Promise<P>,
    items: (page: P) => Record<string, unknown>[],
  ): Promise<AsyncIterable<Record<string, unknown>[]>> {
    const limit = request.limit ?? Number.POSITIVE_INFINITY;
    const first = await call({ ...request, limit: undefined });
    return {
      async *[Symbol.asyncIterator]() {
        let page = first;
        let returned = 0;
        for (;;) {
          const batch = items(page).slice(0, Math.max(0, limit - returned));
          returned += batch.length;
          if (batch.length > 0) yield batch;
          if (!page.cursor || returned >= limit) return;
          page = await call({ ...request, limit: undefined, cursor: page.cursor });
        }
      },
    };
  }
  async get(request: Request) {
    return this.#call('get', request);
  }
  async count(request: Request) {
    return this.#call('count', request);
  }

  /**
   * The SDK's getMetric: with `{ request: { metric_type: 'system_info' } }`, QuiverDB's state in
   * `response`: per channel how far the query node and the data node are behind the log, and
   * the index builds since start.
   */
  async getMetric(request: Request) {
    return this.#call('getMetric', request);
  }
}
