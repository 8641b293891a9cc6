/**
 * Every role in one process, on one data folder: the meta store (and the folder's lock),
 * the log broker that mq.type names, the timestamp oracle, the segment store, then the
 * data node, the query node, the index node and the proxy, with the proxy's read seam wired straight to
 * the query node. Embedded mode is this; the server will be too.
 *
 *   <dir>/meta/       the meta store (RocksDB; its lock keeps out a second process)
 *   <dir>/owner.json  who holds the folder (pid, host, since), for the error a second opener gets
 *   <dir>/rocksmq/    the log (rocksmq.path), unless configured elsewhere
 *   <dir>/segments/, <dir>/deltas/   segment and delete files
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { type Config, section } from '../config/config.js';
import { DatabaseLockedError, QuiverError, TopicExistsError } from '../errors.js';
import type { MetaStore } from '../meta/meta-store.js';
import { RocksDbMetaStore } from '../meta/meta-store.js';
import type { LogBroker } from '../mq/broker.js';
import { NatsMq } from '../mq/natsmq/natsmq.js';
import { type LogLine, openLogBroker } from '../mq/open-broker.js';
import { COORD_TOPIC } from '../msg/channels.js';
import { LocalSegmentStore } from '../segment/segment-store.js';
import { Tso } from '../tso/tso.js';
import { RoleCounters } from './counters.js';
import { DataNode } from './datanode/datanode.js';
import { IndexNode } from './indexnode/indexnode.js';
import { ProxyNode } from './proxy/proxy.js';
import { QueryNode } from './querynode/querynode.js';
import type { Role } from './role.js';

interface Owner {
  pid: number;
  host: string;
  since: string;
}

async function openMetaStore(dir: string): Promise<MetaStore> {
  try {
    return await RocksDbMetaStore.open(join(dir, 'meta'));
  } catch (error) {
    if (!(error instanceof QuiverError) || error.code !== 'QV_LOCKED') throw error;
    let owner: Owner | null = null;
    try {
      owner = JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8')) as Owner;
    } catch {
      // it was still starting, or is gone
    }
    const who = owner ? `process ${owner.pid} on ${owner.host} (open since ${owner.since})` : 'another process';
    throw new DatabaseLockedError(`the database at ${dir} is open in ${who}; close it there first`, owner);
  }
}

export class Standalone {
  private constructor(
    readonly dir: string,
    readonly proxy: ProxyNode,
    private readonly roles: Role[],
    private readonly broker: LogBroker,
    private readonly meta: MetaStore,
  ) {}

  static async open(dir: string, config: Config, log: LogLine): Promise<Standalone> {
    await mkdir(dir, { recursive: true });
    const meta = await openMetaStore(dir);
    const opened: { close(): Promise<void> }[] = [meta];
    try {
      const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      await writeFile(join(dir, 'owner.json'), JSON.stringify(owner));
      const brokerConfig = { ...section(config, 'rocksmq.'), ...section(config, 'natsmq.') };
      if (config['mq.type'] === 'natsmq' && brokerConfig['natsmq.server.storeDir'] === undefined && !brokerConfig['natsmq.url']) {
        brokerConfig['natsmq.server.storeDir'] = join(dir, 'natsmq');
      }
      const broker = await openLogBroker(brokerConfig, log);
      opened.unshift(broker);
      await broker.createTopic(COORD_TOPIC).catch((error) => {
        if (!(error instanceof TopicExistsError)) throw error;
      });
      const tso = await Tso.open(meta);
      const store = new LocalSegmentStore(dir);
      const dataNode = new DataNode(broker, meta, store, config, log);
      const queryNode = new QueryNode(broker, meta, store, config, log);
      const counters = new RoleCounters();
      const indexNode = new IndexNode(broker, meta, store, log, counters);
      const proxy = new ProxyNode(broker, meta, tso, queryNode, config, counters);
      const roles: Role[] = [];
      for (const role of [dataNode, queryNode, indexNode, proxy]) {
        await role.start();
        roles.unshift(role);
        opened.unshift({ close: () => role.stop() });
      }
      return new Standalone(dir, proxy, roles, broker, meta);
    } catch (error) {
      for (const part of opened) await part.close().catch(() => {});
      throw error;
    }
  }

  /** natsmq: the URL of the nats-server the log is on (the server serves its NATS API there too). */
  get natsUrl(): string | undefined {
    return this.broker instanceof NatsMq ? this.broker.url : undefined;
  }

  /** Stops the roles (last started first), then closes the broker and the meta store. */
  async close(): Promise<void> {
    for (const role of this.roles) await role.stop();
    await this.broker.close();
    await rm(join(this.dir, 'owner.json'), { force: true });
    await this.meta.close();
  }
}
