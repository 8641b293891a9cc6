/**
 * What every proxy task works with: the catalog (cached, written through), the log, the
 * timestamp oracle, id counters, the read seam to the query node, and the configuration.
 */
import type { Config } from '../../config/config.js';
import { CollectionNotFoundError, InvalidArgumentError, PartitionNotFoundError } from '../../errors.js';
import { type CollectionInfo, keys as metaKeys, type PartitionInfo } from '../../meta/catalog.js';
import type { MetaStore } from '../../meta/meta-store.js';
import type { LogBroker } from '../../mq/broker.js';
import { COORD_TOPIC } from '../../msg/channels.js';
import { encodeCoord } from '../../msg/messages.js';
import type { IdAllocator, Tso } from '../../tso/tso.js';
import type { RoleCounters } from '../counters.js';
import type { QueryService } from '../query-service.js';
import type { SerialQueues } from '../serial.js';
import type { PendingWrites } from './pending.js';

export interface ProxyContext {
  meta: MetaStore;
  broker: LogBroker;
  tso: Tso;
  /** autoID primary keys. */
  autoIds: IdAllocator;
  /** Collection and partition ids. */
  catalogIds: IdAllocator;
  reads: QueryService;
  config: Config;
  catalog: Catalog;
  /** Writes to one collection run one at a time: keys are checked, stamped and logged in order. */
  locks: SerialQueues<number>;
  /** The largest log message: a write is split into messages under it. */
  maxMessageBytes: number;
  /** Channels written since the last time tick, with their collection. */
  written: Map<string, number>;
  /** Per collection: its writes the query node may not have applied yet. */
  pending: Map<number, PendingWrites>;
  /** What the roles counted since start (getMetric). */
  counters: RoleCounters;
}

/** The proxy's view of the catalog: every collection by name and by alias, written through to the meta store. */
export class Catalog {
  readonly #byName = new Map<string, CollectionInfo>();
  /** alias → the name of its collection. */
  readonly #aliases = new Map<string, string>();

  constructor(
    private readonly meta: MetaStore,
    private readonly broker: LogBroker,
  ) {}

  async load(): Promise<void> {
    for (const info of await this.meta.scan<CollectionInfo>(metaKeys.collections)) this.#byName.set(info.name, info);
    this.#indexAliases();
  }

  /** Whether a collection or an alias has this name. */
  has(name: string): boolean {
    return this.#byName.has(name) || this.#aliases.has(name);
  }

  /** The collection of this name, or of this alias. */
  get(name: unknown): CollectionInfo {
    if (typeof name !== 'string') throw new InvalidArgumentError('collection_name must be a string');
    const info = this.#byName.get(this.#aliases.get(name) ?? name);
    if (!info) throw new CollectionNotFoundError(`collection "${name}" does not exist`);
    return info;
  }

  /** The collection name an alias stands for; undefined when `name` is no alias. */
  aliasTarget(name: string): string | undefined {
    return this.#aliases.get(name);
  }

  all(): CollectionInfo[] {
    return [...this.#byName.values()];
  }

  /** Records the collection (new, changed, or renamed from `previousName`), then tells every role to read it again. */
  put(info: CollectionInfo, previousName?: string): Promise<void> {
    return this.putAll([info], previousName);
  }

  /** Records several changed collections in one write (an alias moving from one to another). */
  async putAll(infos: CollectionInfo[], previousName?: string): Promise<void> {
    await this.meta.write(Object.fromEntries(infos.map((info) => [metaKeys.collection(info.id), info])));
    if (previousName !== undefined) this.#byName.delete(previousName);
    for (const info of infos) this.#byName.set(info.name, info);
    this.#indexAliases();
    for (const info of infos) await this.#notify(info.id);
  }

  async remove(info: CollectionInfo): Promise<void> {
    await this.meta.write({}, [metaKeys.collection(info.id)]);
    this.#byName.delete(info.name);
    this.#indexAliases();
    await this.#notify(info.id);
  }

  #indexAliases(): void {
    this.#aliases.clear();
    for (const info of this.#byName.values()) for (const alias of info.aliases ?? []) this.#aliases.set(alias, info.name);
  }

  async #notify(collectionId: number): Promise<void> {
    await this.broker.producer(COORD_TOPIC).send(encodeCoord({ kind: 'ddl', collectionId }));
  }
}

/** The partition of a collection without a partition key, until others are made. */
export const DEFAULT_PARTITION = '_default';

export function partitionByName(info: CollectionInfo, name: unknown): PartitionInfo {
  if (typeof name !== 'string') throw new InvalidArgumentError('partition_name must be a string');
  const partition = info.partitions.find((p) => p.name === name);
  if (!partition) throw new PartitionNotFoundError(`collection "${info.name}" has no partition "${name}"`);
  return partition;
}
