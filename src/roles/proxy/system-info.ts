/**
 * getMetric({ request: { metric_type: 'system_info' } }), the SDK's call for a server's state,
 * answers with QuiverDB's own figures: per channel, how far behind the log the query node
 * and the data node are, and the index node's builds since start.
 */
import { InvalidArgumentError } from '../../errors.js';
import { keys as metaKeys } from '../../meta/catalog.js';
import type { ProxyContext } from './context.js';
import { ok } from './responses.js';

export interface ChannelLag {
  collection: string;
  channel: string;
  /** The newest message in the channel. */
  last_sequence: number;
  /** Messages the query node has not applied yet (null: the collection is not loaded). */
  querynode_lag: number | null;
  /** Messages since the data node's checkpoint: what a restart replays (rows not yet in segment files, and ticks). */
  datanode_unflushed: number;
}

export async function getMetric(ctx: ProxyContext, request: Record<string, unknown>) {
  const type = (request.request as Record<string, unknown> | undefined)?.metric_type;
  if (type !== 'system_info') throw new InvalidArgumentError(`getMetric answers request.metric_type 'system_info', got ${JSON.stringify(type)}`);
  const channels: ChannelLag[] = [];
  for (const info of ctx.catalog.all()) {
    const applied = await ctx.reads.applied(info.id);
    for (const channel of info.channels) {
      const last = (await ctx.broker.topicStats(channel)).lastId?.sequence ?? 0n;
      const checkpoint = BigInt((await ctx.meta.get<string>(metaKeys.checkpoint(info.id, channel))) ?? '1');
      const next = applied?.channels[channel];
      channels.push({
        collection: info.name,
        channel,
        last_sequence: Number(last),
        querynode_lag: next === undefined ? null : Number(last >= next ? last - next + 1n : 0n),
        datanode_unflushed: Number(last >= checkpoint ? last - checkpoint + 1n : 0n),
      });
    }
  }
  const { indexBuilds, indexBuildFailures, indexBuildSeconds, indexBuiltRows } = ctx.counters;
  return ok({
    component_name: 'standalone',
    response: {
      broker: ctx.config['mq.type'],
      channels,
      index_builds: { built: indexBuilds, failed: indexBuildFailures, seconds: indexBuildSeconds, rows: indexBuiltRows },
    },
  });
}
