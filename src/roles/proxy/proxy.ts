/**
 * The proxy: every client request enters here. It speaks the official Node SDK's request
 * and result shapes (@zilliz/milvus2-sdk-node's MilvusClient), checks each request, and
 * runs it as a task: DDL through the catalog (collections.ts), writes through the log
 * (writes.ts), reads through the query node's seam (reads.ts).
 */
import type { Config } from '../../config/config.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { LogBroker } from '../../mq/broker.js';
import { composeTs, IdAllocator, type Tso } from '../../tso/tso.js';
import type { RoleCounters } from '../counters.js';
import type { QueryService } from '../query-service.js';
import type { Role } from '../role.js';
import { SerialQueues } from '../serial.js';
import * as aliases from './aliases.js';
import * as collections from './collections.js';
import * as compactions from './compactions.js';
import { Catalog, type ProxyContext } from './context.js';
import * as hybrid from './hybrid.js';
import * as indexes from './indexes.js';
import type { QueryCursor, SearchCursor } from './iterators.js';
import * as iterators from './iterators.js';
import * as reads from './reads.js';
import * as systemInfo from './system-info.js';
import * as writes from './writes.js';

type Request = Record<string, unknown>;

const DEFAULT_MAX_MESSAGE = 8 << 20;

export class ProxyNode implements Role {
  readonly name = 'proxy';
  #ctx: ProxyContext | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(
    private readonly broker: LogBroker,
    private readonly meta: MetaStore,
    private readonly tso: Tso,
    private readonly reads: QueryService,
    private readonly config: Config,
    private readonly counters: RoleCounters,
  ) {}

  async start(): Promise<void> {
    const catalog = new Catalog(this.meta, this.broker);
    await catalog.load();
    const limit = (this.config['mq.type'] === 'natsmq' ? this.config['natsmq.server.maxPayload'] : this.config['rocksmq.maxPayload']) as number | undefined;
    this.#ctx = {
      meta: this.meta,
      broker: this.broker,
      tso: this.tso,
      autoIds: await IdAllocator.open(this.meta, 'ids/auto', composeTs(Date.now())),
      catalogIds: await IdAllocator.open(this.meta, 'ids/catalog', 1n, 64n),
      reads: this.reads,
      config: this.config,
      catalog,
      locks: new SerialQueues<number>(),
      maxMessageBytes: Math.min(limit ?? DEFAULT_MAX_MESSAGE, DEFAULT_MAX_MESSAGE),
      written: new Map(),
      pending: new Map(),
      counters: this.counters,
    };
    this.#ticker = setInterval(() => {
      if (this.#ticking || this.#c.written.size === 0) return;
      this.#ticking = writes
        .sendTimeTicks(this.#c)
        .catch(() => {})
        .finally(() => (this.#ticking = undefined)); // a dropped topic: nothing to tick
    }, this.config['proxy.timeTickInterval'] as number);
    this.#ticker.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#ticker);
    await this.#ticking;
  }

  get #c(): ProxyContext {
    return this.#ctx as ProxyContext;
  }

  createCollection = (r: Request) => collections.createCollection(this.#c, r);
  describeCollection = async (r: Request) => collections.describeCollection(this.#c, r);
  listCollections = async () => collections.listCollections(this.#c);
  hasCollection = async (r: Request) => collections.hasCollection(this.#c, r);
  dropCollection = (r: Request) => collections.dropCollection(this.#c, r);
  renameCollection = (r: Request) => collections.renameCollection(this.#c, r);
  alterCollectionProperties = (r: Request) => collections.alterCollectionProperties(this.#c, r);
  loadCollection = (r: Request) => collections.setLoaded(this.#c, r, true);
  releaseCollection = (r: Request) => collections.setLoaded(this.#c, r, false);
  getLoadState = async (r: Request) => collections.getLoadState(this.#c, r);
  getCollectionStatistics = (r: Request) => collections.getCollectionStatistics(this.#c, r);
  createAlias = (r: Request) => aliases.createAlias(this.#c, r);
  alterAlias = (r: Request) => aliases.alterAlias(this.#c, r);
  dropAlias = (r: Request) => aliases.dropAlias(this.#c, r);
  describeAlias = async (r: Request) => aliases.describeAlias(this.#c, r);
  listAliases = async (r: Request) => aliases.listAliases(this.#c, r);
  createPartition = (r: Request) => collections.createPartition(this.#c, r);
  dropPartition = (r: Request) => collections.dropPartition(this.#c, r);
  listPartitions = async (r: Request) => collections.listPartitions(this.#c, r);
  hasPartition = async (r: Request) => collections.hasPartition(this.#c, r);
  createIndex = (r: Request | Request[]) => indexes.createIndex(this.#c, r);
  describeIndex = (r: Request) => indexes.describeIndex(this.#c, r);
  listIndexes = async (r: Request) => indexes.listIndexes(this.#c, r);
  dropIndex = (r: Request) => indexes.dropIndex(this.#c, r);
  compact = (r: Request) => compactions.compact(this.#c, r);
  getCompactionState = (r: Request) => compactions.getCompactionState(this.#c, r);
  getPersistentSegmentInfo = (r: Request) => compactions.getPersistentSegmentInfo(this.#c, r);
  getQuerySegmentInfo = (r: Request) => compactions.getQuerySegmentInfo(this.#c, r);
  insert = (r: Request) => writes.insert(this.#c, r);
  upsert = (r: Request) => writes.upsert(this.#c, r);
  delete = (r: Request) => writes.deleteEntities(this.#c, r);
  flush = (r: Request) => writes.flush(this.#c, r);
  search = (r: Request) => reads.search(this.#c, r);
  hybridSearch = (r: Request) => hybrid.hybridSearch(this.#c, r);
  /** A page of a query iterator; `cursor` comes from the page before. */
  queryPage = (r: Request & { cursor?: QueryCursor }) => iterators.queryPage(this.#c, r, r.cursor);
  /** A page of a search iterator; `cursor` comes from the page before. */
  searchPage = (r: Request & { cursor?: SearchCursor }) => iterators.searchPage(this.#c, r, r.cursor);
  query = (r: Request) => reads.query(this.#c, r);
  get = (r: Request) => reads.get(this.#c, r);
  count = (r: Request) => reads.count(this.#c, r);
  getMetric = (r: Request) => systemInfo.getMetric(this.#c, r);
}
