/**
 * How a QuiverDB client reaches its database: in this process (the proxy of a Standalone on a
 * local folder) or over the network (a `quiverdb serve`). Every method of the client is one
 * call of a proxy task by name, so the embedded and the remote client are the same class with
 * the same methods, by construction.
 */
import type { ProxyNode } from '../roles/proxy/proxy.js';
import type { Standalone } from '../roles/standalone.js';

/** The proxy's tasks a client calls: what the server's RPC endpoint accepts, and nothing else. */
export const PROXY_METHODS = [
  'createCollection',
  'describeCollection',
  'listCollections',
  'hasCollection',
  'dropCollection',
  'renameCollection',
  'alterCollectionProperties',
  'loadCollection',
  'releaseCollection',
  'getLoadState',
  'getCollectionStatistics',
  'createAlias',
  'alterAlias',
  'dropAlias',
  'describeAlias',
  'listAliases',
  'createPartition',
  'dropPartition',
  'listPartitions',
  'hasPartition',
  'createIndex',
  'describeIndex',
  'listIndexes',
  'dropIndex',
  'compact',
  'getCompactionState',
  'getPersistentSegmentInfo',
  'getQuerySegmentInfo',
  'insert',
  'upsert',
  'delete',
  'flush',
  'search',
  'hybridSearch',
  'queryPage',
  'searchPage',
  'query',
  'get',
  'count',
  'getMetric',
] as const satisfies readonly (keyof ProxyNode)[];

export type ProxyMethod = (typeof PROXY_METHODS)[number];

export interface Transport {
  /** Runs a proxy task with a request object; resolves with its SDK-shaped result, or rejects with a QuiverError. */
  call(method: ProxyMethod, request: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
  /** Where the database is: its folder, or the server's URL. */
  readonly where: string;
  /** In process on natsmq: the nats-server its log is on. */
  readonly natsUrl?: string;
}

/** The database in this process. */
export function localTransport(standalone: Standalone): Transport {
  return {
    call: (method, request) => (standalone.proxy[method] as (r: Record<string, unknown>) => Promise<unknown>)(request),
    close: () => standalone.close(),
    where: standalone.dir,
    natsUrl: standalone.natsUrl,
  };
}
