/**
 * What `quiverdb serve` exposes on metrics.port (9091, as Milvus): `/healthz`, and `/metrics`
 * in Prometheus's text format: requests and their latency by operation, and, read when
 * scraped, each loaded collection's rows, segments, index backlog and memory, each channel's
 * lag behind the log, the index builds since start, and the process's memory.
 */
import type { QuiverDB } from '../client/embedded.js';

/** Latency histogram bounds, in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[]; // per bucket, not cumulative; the last one is +Inf
  sum: number;
  count: number;
}

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  readonly #requests = new Map<string, number>(); // `operation\0code` → count
  readonly #latency = new Map<string, Histogram>();

  /** One answered request: its operation (`entities/search`), Milvus code, and duration. */
  observe(operation: string, code: number, seconds: number): void {
    const key = `${operation}\0${code}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    let histogram = this.#latency.get(operation);
    if (!histogram) {
      histogram = { counts: new Array(BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.#latency.set(operation, histogram);
    }
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    histogram.counts[bucket < 0 ? BUCKETS.length : bucket]++;
    histogram.sum += seconds;
    histogram.count++;
  }

  async render(db: QuiverDB): Promise<string> {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family('quiverdb_requests_total', 'counter', 'Requests answered, by operation and Milvus code (0: success).');
    for (const [key, count] of this.#requests) {
      const [operation, code] = key.split('\0');
      lines.push(`quiverdb_requests_total{operation="${label(operation)}",code="${code}"} ${count}`);
    }
    family('quiverdb_request_duration_seconds', 'histogram', 'Time to answer a request, by operation.');
    for (const [operation, h] of this.#latency) {
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += h.counts[i];
        lines.push(`quiverdb_request_duration_seconds_bucket{operation="${label(operation)}",le="${bound}"} ${cumulative}`);
      });
      lines.push(`quiverdb_request_duration_seconds_bucket{operation="${label(operation)}",le="+Inf"} ${h.count}`);
      lines.push(`quiverdb_request_duration_seconds_sum{operation="${label(operation)}"} ${h.sum}`);
      lines.push(`quiverdb_request_duration_seconds_count{operation="${label(operation)}"} ${h.count}`);
    }
    await collectionLines(db, family, lines);
    await systemLines(db, family, lines);
    const memory = process.memoryUsage();
    family('quiverdb_process_memory_bytes', 'gauge', 'Memory of the server process: rss, V8 heap used, memory outside the heap (external).');
    for (const kind of ['rss', 'heapUsed', 'external'] as const) lines.push(`quiverdb_process_memory_bytes{kind="${kind}"} ${memory[kind]}`);
    return `${lines.join('\n')}\n`;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: SDK-shaped responses, read field by field
type Sdk = any;

/** Per loaded collection: rows, segments by state, rows waiting for an index, memory held and mapped. */
async function collectionLines(db: QuiverDB, family: (name: string, type: string, help: string) => void, lines: string[]): Promise<void> {
  const rows: string[] = [];
  const segments: string[] = [];
  const pending: string[] = [];
  const memory: string[] = [];
  for (const name of ((await db.listCollections()) as Sdk).collection_names as string[]) {
    const collection = label(name);
    try {
      const { infos }: Sdk = await db.getQuerySegmentInfo({ collectionName: name });
      const byState = new Map<string, number>();
      let count = 0;
      let held = 0;
      let mapped = 0;
      for (const info of infos as Sdk[]) {
        byState.set(info.state, (byState.get(info.state) ?? 0) + 1);
        count += Number(info.num_rows);
        held += Number(info.mem_size);
        mapped += Number(info.mapped_size ?? 0);
      }
      rows.push(`quiverdb_collection_rows{collection="${collection}"} ${count}`);
      for (const [state, n] of byState) segments.push(`quiverdb_segments{collection="${collection}",state="${label(String(state))}"} ${n}`);
      memory.push(`quiverdb_segment_memory_bytes{collection="${collection}",kind="held"} ${held}`);
      memory.push(`quiverdb_segment_memory_bytes{collection="${collection}",kind="mapped"} ${mapped}`);
      const { index_descriptions }: Sdk = await db.describeIndex({ collection_name: name });
      for (const index of index_descriptions as Sdk[]) {
        pending.push(`quiverdb_index_pending_rows{collection="${collection}",index="${label(index.index_name)}"} ${Number(index.pending_index_rows)}`);
      }
    } catch {
      // Not loaded, dropped meanwhile, or without an index: nothing to report for it.
    }
  }
  family('quiverdb_collection_rows', 'gauge', 'Rows of a loaded collection (deleted ones included until compacted).');
  lines.push(...rows);
  family('quiverdb_segments', 'gauge', 'Segments a loaded collection is searched over, by state.');
  lines.push(...segments);
  family('quiverdb_index_pending_rows', 'gauge', 'Rows of sealed segments whose index is not built yet.');
  lines.push(...pending);
  family('quiverdb_segment_memory_bytes', 'gauge', "A loaded collection's segments: bytes held in memory, and bytes searched in place from mapped files.");
  lines.push(...memory);
}

/** From getMetric's system_info: how far each channel's consumers are behind the log, and the index builds since start. */
async function systemLines(db: QuiverDB, family: (name: string, type: string, help: string) => void, lines: string[]): Promise<void> {
  const { response }: Sdk = await db.getMetric({ request: { metric_type: 'system_info' } });
  family(
    'quiverdb_channel_lag_messages',
    'gauge',
    'Messages of a channel a consumer has not taken in: the query node (not yet applied) or the data node (not yet in segment files).',
  );
  for (const c of response.channels as Sdk[]) {
    const where = `collection="${label(c.collection)}",channel="${label(c.channel)}"`;
    if (c.querynode_lag !== null) lines.push(`quiverdb_channel_lag_messages{${where},consumer="querynode"} ${c.querynode_lag}`);
    lines.push(`quiverdb_channel_lag_messages{${where},consumer="datanode"} ${c.datanode_unflushed}`);
  }
  const builds = response.index_builds;
  family('quiverdb_index_builds_total', 'counter', 'Segment index builds since start, by result.');
  lines.push(`quiverdb_index_builds_total{result="built"} ${builds.built}`, `quiverdb_index_builds_total{result="failed"} ${builds.failed}`);
  family('quiverdb_index_build_seconds_total', 'counter', 'Time spent in segment index builds that were recorded.');
  lines.push(`quiverdb_index_build_seconds_total ${builds.seconds}`);
  family('quiverdb_index_built_rows_total', 'counter', 'Rows of the segments indexed since start.');
  lines.push(`quiverdb_index_built_rows_total ${builds.rows}`);
}
