/**
 * Write tasks: insert, upsert, delete and flush. A write is checked against the schema
 * (all or nothing), then, one at a time per collection: keys checked for uniqueness (insert),
 * a timestamp taken, rows hashed to their shard channel and partition, packed column-wise
 * into messages under the broker's size limit, and sent. It resolves once the broker holds
 * every message durably; from then on it survives any crash.
 */
import { DuplicateKeyError, InvalidArgumentError, NotLoadedError, PayloadTooLargeError, TimeoutError } from '../../errors.js';
import { toKey } from '../../expr/key-filter.js';
import type { Plan } from '../../expr/plan.js';
import type { CollectionInfo } from '../../meta/catalog.js';
import type { MessageId, Payload } from '../../mq/broker.js';
import { COORD_TOPIC, channelOf, hashKey } from '../../msg/channels.js';
import { decodeCoord, encodeDml, HEADER_ALLOWANCE, type InsertMessage } from '../../msg/messages.js';
import { type Column, pickRows, typedArrayOf } from '../../schema/columns.js';
import { DataType } from '../../schema/data-type.js';
import { toColumns } from '../../schema/rows.js';
import { partitionKeyField, primaryField } from '../../schema/schema.js';
import type { Key } from '../query-service.js';
import { DEFAULT_PARTITION, type ProxyContext, partitionByName } from './context.js';
import { PendingWrites } from './pending.js';
import { selection } from './reads.js';
import { mutationResult, SUCCESS } from './responses.js';

/** Bytes each row takes in a message (typed columns exactly, JSON columns as encoded). */
function rowSizes(columns: Column[], rows: number): Float64Array {
  const sizes = new Float64Array(rows);
  for (const column of columns) {
    const Typed = typedArrayOf(column.type);
    if (Typed) {
      const bytes = (column.values as Exclude<Column['values'], unknown[]>).BYTES_PER_ELEMENT * (column.dim ?? 1) + (column.valid ? 1 : 0);
      for (let r = 0; r < rows; r++) sizes[r] += bytes;
    } else {
      for (let r = 0; r < rows; r++) sizes[r] += Buffer.byteLength(JSON.stringify((column.values as unknown[])[r]) ?? 'null') + 1;
    }
  }
  return sizes;
}

/**
 * Whether the whole batch surely fits one message, without encoding a row: typed columns
 * exactly, strings at their longest JSON form (6 bytes per UTF-16 unit, quotes, a comma).
 */
function surelyFits(columns: Column[], rows: number, limit: number): boolean {
  let bytes = HEADER_ALLOWANCE;
  for (const column of columns) {
    const values = column.values;
    if (!Array.isArray(values)) bytes += values.byteLength + (column.valid ? rows : 0);
    else if (column.type !== DataType.VarChar) return false;
    else for (let r = 0; r < rows; r++) bytes += 6 * ((values[r] as string | null | undefined)?.length ?? 1) + 3;
    if (bytes > limit) return false;
  }
  return true;
}

/** Splits rows into runs whose messages stay under the limit (sizes undefined: all fit in one). */
function chunks(rows: number[], sizes: Float64Array | undefined, limit: number): number[][] {
  if (!sizes) return [rows];
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = HEADER_ALLOWANCE;
  for (const r of rows) {
    if (sizes[r] + HEADER_ALLOWANCE > limit) throw new PayloadTooLargeError(`row ${r} takes ${sizes[r]} bytes, over the log's message limit of ${limit}`);
    if (bytes + sizes[r] > limit && current.length > 0) {
      out.push(current);
      current = [];
      bytes = HEADER_ALLOWANCE;
    }
    current.push(r);
    bytes += sizes[r];
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Which partition each row goes to: the named one, the partition key's hash, or _default. */
function partitionsOf(info: CollectionInfo, columns: Column[], rows: number, partitionName: unknown): Int32Array {
  const out = new Int32Array(rows);
  const keyField = partitionKeyField(info.schema);
  if (keyField) {
    if (partitionName !== undefined) throw new InvalidArgumentError(`collection "${info.name}" has a partition key: do not name a partition`);
    const column = columns.find((c) => c.name === keyField.name) as Column;
    for (let r = 0; r < rows; r++) out[r] = info.partitions[hashKey((column.values as ArrayLike<Key>)[r]) % info.partitions.length].id;
    return out;
  }
  return out.fill(partitionByName(info, partitionName ?? DEFAULT_PARTITION).id);
}

/** Sends messages per channel (each channel's batch atomically), all channels at once. */
async function send(ctx: ProxyContext, collectionId: number, perChannel: Map<string, { payloads: Payload[]; keys: Key[] }>): Promise<void> {
  const pending = pendingOf(ctx, collectionId);
  await Promise.all(
    [...perChannel].map(async ([channel, { payloads, keys }]) => {
      const ids = await ctx.broker.producer(channel).sendBatch(payloads);
      pending.record(channel, ids[ids.length - 1].sequence, keys);
    }),
  );
  for (const channel of perChannel.keys()) ctx.written.set(channel, collectionId);
}

function pendingOf(ctx: ProxyContext, collectionId: number): PendingWrites {
  let pending = ctx.pending.get(collectionId);
  if (!pending) {
    pending = new PendingWrites(ctx.reads, collectionId);
    ctx.pending.set(collectionId, pending);
  }
  return pending;
}

/**
 * Time ticks: each channel written since the last tick gets one, taken under the
 * collection's write lock, so no later message of the channel carries an older timestamp.
 */
export async function sendTimeTicks(ctx: ProxyContext): Promise<void> {
  const written = [...ctx.written];
  ctx.written.clear();
  await Promise.all(
    written.map(([channel, collectionId]) =>
      ctx.locks.run(collectionId, async () => {
        await ctx.broker.producer(channel).send(encodeDml({ kind: 'tick', ts: await ctx.tso.next() }));
      }),
    ),
  );
}

async function write(ctx: ProxyContext, request: Record<string, unknown>, mode: 'insert' | 'upsert') {
  const info = ctx.catalog.get(request.collection_name);
  const pk = primaryField(info.schema);
  const data = request.data ?? request.fields_data;
  const n = Array.isArray(data) ? data.length : 0;
  const first = pk.autoID && mode === 'insert' && n > 0 ? await ctx.autoIds.alloc(n) : 0n;
  const batch = toColumns(info.schema, data, mode, (count) => Array.from({ length: count }, (_, i) => first + BigInt(i)));
  const partitions = partitionsOf(info, batch.columns, batch.rows, request.partition_name);
  const sizes = surelyFits(batch.columns, batch.rows, ctx.maxMessageBytes) ? undefined : rowSizes(batch.columns, batch.rows);
  return ctx.locks.run(info.id, async () => {
    const current = ctx.catalog.get(info.name);
    if (current.id !== info.id) throw new NotLoadedError(`collection "${info.name}" was dropped during the write`);
    if (mode === 'insert' && !pk.autoID) {
      const existing = await pendingOf(ctx, info.id).existing(batch.keys);
      if (existing.size > 0) {
        const keys = [...existing].slice(0, 16);
        throw new DuplicateKeyError(
          `insert: ${existing.size} primary key(s) already exist, such as ${keys.map(String).join(', ')}; use upsert to replace rows`,
          keys,
        );
      }
    }
    const ts = await ctx.tso.next();
    const groups = new Map<string, Map<number, number[]>>();
    for (let r = 0; r < batch.rows; r++) {
      const channel = channelOf(info.channels, batch.keys[r]);
      const byPartition = groups.get(channel) ?? new Map<number, number[]>();
      groups.set(channel, byPartition);
      const rows = byPartition.get(partitions[r]) ?? [];
      byPartition.set(partitions[r], rows);
      rows.push(r);
    }
    const perChannel = new Map<string, { payloads: Payload[]; keys: Key[] }>();
    for (const [channel, byPartition] of groups) {
      const payloads: Payload[] = [];
      const keys: Key[] = [];
      for (const [partitionId, rows] of byPartition) {
        for (const run of chunks(rows, sizes, ctx.maxMessageBytes)) {
          const whole = run.length === batch.rows;
          const message: InsertMessage = {
            kind: 'insert',
            collectionId: info.id,
            partitionId,
            ts,
            upsert: mode === 'upsert',
            rows: run.length,
            pk: pk.name,
            columns: whole ? batch.columns : batch.columns.map((c) => pickRows(c, run)),
          };
          payloads.push(encodeDml(message));
        }
        for (const r of rows) keys.push(batch.keys[r]);
      }
      perChannel.set(channel, { payloads, keys });
    }
    await send(ctx, info.id, perChannel);
    return mutationResult(mode, batch.keys, batch.rows, ts);
  });
}

export function insert(ctx: ProxyContext, request: Record<string, unknown>) {
  return write(ctx, request, 'insert');
}

export function upsert(ctx: ProxyContext, request: Record<string, unknown>) {
  return write(ctx, request, 'upsert');
}

/** The primary keys of the rows that pass a filter, read at a fresh timestamp. */
async function keysPassing(ctx: ProxyContext, info: CollectionInfo, filter: Plan, partitionName: unknown): Promise<Key[]> {
  const pk = primaryField(info.schema);
  const partitionIds = partitionName === undefined ? undefined : [partitionByName(info, partitionName).id];
  const rows = await ctx.reads.query({
    collectionId: info.id,
    partitionIds,
    consistency: 'Strong',
    readTs: await ctx.tso.next(),
    outputFields: [],
    filter,
    offset: 0,
  });
  return rows.map((row) => toKey(pk, row[pk.name]));
}

export async function deleteEntities(ctx: ProxyContext, request: Record<string, unknown>) {
  const info = ctx.catalog.get(request.collection_name);
  const pk = primaryField(info.schema);
  const selected = selection(info, request);
  if (!selected.keys && !selected.filter) throw new InvalidArgumentError('delete needs ids or a filter (an empty filter would delete everything)');
  return ctx.locks.run(info.id, async () => {
    // By filter: the keys of the rows that pass it now (no write of ours can come between).
    const matched = selected.filter ? await keysPassing(ctx, info, selected.filter, request.partition_name) : undefined;
    const keys = [...new Set(selected.keys ?? matched ?? [])];
    // The count of keys that had a row; a collection that is not loaded counts every key given.
    const existing = info.loaded ? (await pendingOf(ctx, info.id).existing(keys)).size : keys.length;
    const ts = await ctx.tso.next();
    const perChannel = new Map<string, Key[]>();
    for (const key of keys) {
      const channel = channelOf(info.channels, key);
      const list = perChannel.get(channel) ?? [];
      perChannel.set(channel, list);
      list.push(key);
    }
    const payloads = new Map<string, { payloads: Payload[]; keys: Key[] }>();
    const perKey = pk.dataType === DataType.Int64 ? 9 : 0;
    for (const [channel, list] of perChannel) {
      const sizes = Float64Array.from(list, (k) => perKey || Buffer.byteLength(String(k)) + 3);
      payloads.set(channel, {
        keys: list,
        payloads: chunks(
          list.map((_, i) => i),
          sizes,
          ctx.maxMessageBytes,
        ).map((run) => {
          const values = pk.dataType === DataType.Int64 ? BigInt64Array.from(run, (i) => list[i] as bigint) : run.map((i) => list[i]);
          return encodeDml({ kind: 'delete', collectionId: info.id, ts, keys: { name: pk.name, type: pk.dataType, values } });
        }),
      });
    }
    await send(ctx, info.id, payloads);
    return mutationResult('delete', keys, existing, ts);
  });
}

/**
 * Seals every growing segment of the collections and waits until the data node has written
 * them: a seal on each channel, then its flush event on the coordination topic.
 */
export async function flush(ctx: ProxyContext, request: Record<string, unknown>) {
  const names = request.collection_names ?? (request.collection_name !== undefined ? [request.collection_name] : undefined);
  if (!Array.isArray(names) || names.length === 0) throw new InvalidArgumentError('flush needs collection_names');
  const infos = names.map((name) => ctx.catalog.get(name));
  const events = await ctx.broker.reader(COORD_TOPIC, { start: 'latest' });
  try {
    const waiting = new Map<string, MessageId>();
    const segments: Record<string, number[]> = {};
    for (const info of infos) {
      segments[info.name] = [];
      const seal = encodeDml({ kind: 'seal', collectionId: info.id, partitionId: null });
      for (const channel of info.channels) waiting.set(channel, await ctx.broker.producer(channel).send(seal));
    }
    const owner = new Map(infos.flatMap((info) => info.channels.map((c) => [c, info.name] as const)));
    const deadline = Date.now() + (ctx.config['common.readTimeout'] as number);
    while (waiting.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError('flush: the data node did not write the segments within common.readTimeout');
      for (const message of await events.receive({ max: 256, timeoutMs: left })) {
        const event = decodeCoord(message.payload);
        if (event.kind !== 'flushed') continue;
        const sealed = waiting.get(event.channel);
        if (sealed && BigInt(event.sealSeq) >= sealed.sequence) {
          waiting.delete(event.channel);
          segments[owner.get(event.channel) as string].push(...event.segmentIds);
        }
      }
    }
    return { status: SUCCESS, coll_segIDs: Object.fromEntries(Object.entries(segments).map(([k, v]) => [k, { data: v }])) };
  } finally {
    await events.close();
  }
}
