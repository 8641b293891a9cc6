/**
 * `quiverdb stats [collection]`: what a database holds and how it is doing, per collection
 * (rows, load state, segments, memory, indexes and their backlog, aliases, lag behind the log)
 * and for the server (broker, index builds since start). `--json` prints the same as one object.
 */
import { parseArgs } from 'node:util';

import type { QuiverDB } from '../client/embedded.js';
import { openTarget, TARGET_HELP, TARGET_OPTIONS } from './target.js';

export const STATS_HELP = `Usage: quiverdb stats [collection] [options]

Prints, for every collection (or the one named): rows, load state, segments and the memory
they hold, each index with its indexed and pending rows, aliases, and how many log messages
the query node and the data node have yet to take in; then the broker and the index builds
since the server started.

Options:
${TARGET_HELP}
  --json          one JSON object instead of text
  --help          this text`;

// biome-ignore lint/suspicious/noExplicitAny: SDK-shaped responses, read field by field
type Sdk = any;

export interface CollectionStats {
  name: string;
  rows: number;
  loaded: boolean;
  segments: { growing: number; sealed: number; heldBytes: number; mappedBytes: number } | null;
  indexes: { field: string; name: string; type: string; metric: string; indexedRows: number; totalRows: number; pendingRows: number }[];
  aliases: string[];
  lag: { querynode: number | null; datanode: number };
}

export interface Stats {
  where: string;
  broker: string;
  indexBuilds: { built: number; failed: number; seconds: number; rows: number };
  collections: CollectionStats[];
}

const param = (params: Sdk[], key: string) => params.find((p) => p.key === key)?.value ?? '';

async function collectionStats(db: QuiverDB, name: string, channels: Sdk[]): Promise<CollectionStats> {
  const described: Sdk = await db.describeCollection({ collection_name: name });
  const loaded = ((await db.getLoadState({ collection_name: name })) as Sdk).state === 'LoadStateLoaded';
  const rows = Number(((await db.getCollectionStatistics({ collection_name: name })) as Sdk).data.row_count);
  let segments: CollectionStats['segments'] = null;
  if (loaded) {
    const { infos }: Sdk = await db.getQuerySegmentInfo({ collectionName: name });
    segments = { growing: 0, sealed: 0, heldBytes: 0, mappedBytes: 0 };
    for (const info of infos as Sdk[]) {
      if (info.state === 'Sealed') segments.sealed++;
      else segments.growing++;
      segments.heldBytes += Number(info.mem_size);
      segments.mappedBytes += Number(info.mapped_size ?? 0);
    }
  }
  const { index_descriptions }: Sdk = await db.describeIndex({ collection_name: name });
  const mine = channels.filter((c) => c.collection === name);
  return {
    name,
    rows,
    loaded,
    segments,
    indexes: (index_descriptions as Sdk[]).map((d) => ({
      field: d.field_name,
      name: d.index_name,
      type: param(d.params, 'index_type'),
      metric: param(d.params, 'metric_type'),
      indexedRows: Number(d.indexed_rows),
      totalRows: Number(d.total_rows),
      pendingRows: Number(d.pending_index_rows),
    })),
    aliases: described.aliases,
    lag: {
      querynode: loaded ? mine.reduce((sum, c) => sum + (c.querynode_lag ?? 0), 0) : null,
      datanode: mine.reduce((sum, c) => sum + c.datanode_unflushed, 0),
    },
  };
}

export async function gatherStats(db: QuiverDB, where: string, only?: string): Promise<Stats> {
  const { response }: Sdk = await db.getMetric({ request: { metric_type: 'system_info' } });
  const names = only === undefined ? ((await db.listCollections()) as Sdk).collection_names : [only];
  const collections: CollectionStats[] = [];
  for (const name of names as string[]) collections.push(await collectionStats(db, name, response.channels));
  return { where, broker: response.broker, indexBuilds: response.index_builds, collections };
}

const n = (value: number) => value.toLocaleString('en-US');

function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function statsText(stats: Stats): string {
  const lines = [`${stats.where}: broker ${stats.broker}; ${stats.collections.length} collection${stats.collections.length === 1 ? '' : 's'}`];
  for (const c of stats.collections) {
    lines.push('', c.name, `  rows          ${n(c.rows)}`, `  load state    ${c.loaded ? 'loaded' : 'released'}`);
    if (c.segments) {
      const { growing, sealed, heldBytes, mappedBytes } = c.segments;
      lines.push(`  segments      ${sealed} sealed, ${growing} growing (${bytes(heldBytes)} held, ${bytes(mappedBytes)} mapped)`);
    }
    for (const index of c.indexes) {
      const pending = index.pendingRows > 0 ? `, ${n(index.pendingRows)} pending` : '';
      lines.push(`  index ${index.field.padEnd(7)} ${index.type} ${index.metric}: ${n(index.indexedRows)} of ${n(index.totalRows)} rows indexed${pending}`);
    }
    if (c.aliases.length > 0) lines.push(`  aliases       ${c.aliases.join(', ')}`);
    const querynode = c.lag.querynode === null ? 'not loaded' : `${n(c.lag.querynode)} to apply`;
    lines.push(`  log           query node ${querynode}; data node ${n(c.lag.datanode)} since its last flush`);
  }
  const b = stats.indexBuilds;
  lines.push('', `index builds since start: ${n(b.built)} built (${n(b.rows)} rows, ${b.seconds.toFixed(1)} s), ${n(b.failed)} failed`);
  return lines.join('\n');
}

export async function stats(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(STATS_HELP);
    return;
  }
  const target = await openTarget(values);
  try {
    const gathered = await gatherStats(target.db, target.where, positionals[0]);
    console.log(values.json ? JSON.stringify(gathered, null, 2) : statsText(gathered));
  } finally {
    await target.db.close();
  }
}
