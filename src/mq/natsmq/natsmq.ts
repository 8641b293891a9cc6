/**
 * natsmq: the log broker on NATS JetStream, for the standalone server. Each topic is one
 * stream (file storage, retention as stream limits) with one subject; a MessageId is the
 * stream sequence. QuiverDB starts nats-server itself (natsmq.server.*) or connects to one
 * given by URL (natsmq.url).
 */
import { DiscardPolicy, JetStreamApiError, type JetStreamManager, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection, nuid } from '@nats-io/transport-node';

import {
  BrokerUnavailableError,
  ClosedError,
  ForeignMessageIdError,
  InvalidArgumentError,
  StorageError,
  TopicExistsError,
  TopicNotFoundError,
} from '../../errors.js';
import {
  type Consumer,
  joinParts,
  type LogBroker,
  MessageId,
  type Producer,
  producerOf,
  type Reader,
  type StartPosition,
  startSequence,
  type TopicOptions,
  type TopicStats,
} from '../broker.js';
import type { LogLine } from '../open-broker.js';
import { type NatsContext, NatsGroupConsumer, NatsReader } from './consumers.js';
import { checkTopic, streamName, subjectOf, topicOfStream } from './names.js';
import { NatsPublisher } from './publish.js';
import { HEADER_ROOM, NatsServer, type NatsServerOptions } from './server.js';

export interface NatsMqOptions {
  /** natsmq.url: an external nats-server (with JetStream). Without it, QuiverDB starts one from `server`. */
  url?: string;
  /** natsmq.server.*: the nats-server QuiverDB starts. */
  server?: NatsServerOptions;
  /** natsmq.server.retention.*: per-topic stream limits (0 or absent: none). */
  retention?: {
    /** Minutes a message is kept [4320]; -1 or 0 keeps it. */
    maxAge?: number;
    /** Bytes per topic; the oldest messages go first. */
    maxBytes?: number;
    /** Messages per topic; the oldest go first. */
    maxMsgs?: number;
  };
  /** natsmq.publishTimeout: ms a send (or ack) keeps retrying while nats-server is away [60000]. */
  publishTimeout?: number;
  /**
   * natsmq.maxAckPending: messages a group member may hold received but not acknowledged
   * [131072]. nats-server keeps state for each such message; past this many, receive()
   * returns nothing until the member acknowledges (an ack is cumulative: one frees them all).
   */
  maxAckPending?: number;
  /** Hears when the nats-server QuiverDB started dies and is started again. */
  log?: LogLine;
}

/** The default of natsmq.maxAckPending: it bounds nats-server's memory per group. */
export const DEFAULT_MAX_ACK_PENDING = 131072;

const MINUTE_NS = 60_000_000_000;
/** JetStream's dedupe window; retries of a send stay inside it. */
const DUPLICATE_WINDOW_NS = 2 * MINUTE_NS;
const STREAM_NOT_FOUND = 10059;

/**
 * Bytes JetStream's file store adds to each message QuiverDB sends: record length, sequence,
 * time, subject and header lengths, a hash, the subject and the Nats-Msg-Id header.
 * topicStats subtracts it, so that `bytes` counts payloads as rocksmq does.
 */
function recordOverhead(topic: string): number {
  const header = `NATS/1.0\r\nNats-Msg-Id: ${nuid.next()}\r\n\r\n`;
  return 4 + 8 + 8 + 2 + subjectOf(topic).length + 4 + header.length + 8;
}

const positiveOrNone = (n: number | undefined) => (n && n > 0 ? n : -1);

export class NatsMq implements LogBroker {
  readonly type = 'natsmq' as const;
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #server: NatsServer | null;
  readonly #context: NatsContext;
  readonly #publisher: NatsPublisher;
  readonly #retention: Required<NonNullable<NatsMqOptions['retention']>>;
  readonly #cursors = new Set<NatsGroupConsumer | NatsReader>();
  #closed = false;

  /** The URL of the nats-server in use. */
  readonly url: string;

  /** The nats-server this broker started and supervises (null with natsmq.url). */
  get server(): NatsServer | null {
    return this.#server;
  }

  private constructor(nc: NatsConnection, jsm: JetStreamManager, server: NatsServer | null, url: string, maxPayload: number, options: NatsMqOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#server = server;
    this.url = url;
    const publishTimeout = options.publishTimeout ?? 60_000;
    this.#context = { nc, js: jetstream(nc), jsm, publishTimeout, maxAckPending: options.maxAckPending ?? DEFAULT_MAX_ACK_PENDING };
    this.#publisher = new NatsPublisher({ js: this.#context.js, jsm, maxPayload, publishTimeout, isClosed: () => this.#closed });
    this.#retention = { maxAge: 4320, maxBytes: 0, maxMsgs: 0, ...options.retention };
    // The status stream ends, or may fail, when the connection closes; either is the end of watching.
    this.#watchReconnects().catch(() => undefined);
  }

  /** Starts nats-server (or connects to options.url) and opens the broker on it. */
  static async open(options: NatsMqOptions = {}): Promise<NatsMq> {
    if (options.publishTimeout !== undefined && !(options.publishTimeout > 0 && options.publishTimeout < DUPLICATE_WINDOW_NS / 1e6)) {
      throw new InvalidArgumentError(`natsmq.publishTimeout must be between 0 and 120000 ms (the dedupe window), got ${options.publishTimeout}`);
    }
    const pending = options.maxAckPending;
    if (pending !== undefined && !(Number.isInteger(pending) && pending >= 1 && pending <= 1_000_000)) {
      throw new InvalidArgumentError(`natsmq.maxAckPending must be an integer from 1 to 1000000, got ${String(pending)}`);
    }
    const server = options.url ? null : await NatsServer.start(options.server);
    server?.supervise(options.log); // ours to keep running: started again if it dies
    const url = options.url ?? server!.url;
    try {
      // noAsyncTraces: no Error (with its stack) made per request; a third of the CPU time of small sends.
      const nc = await connect({ servers: url, name: 'quiverdb', maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true }).catch(
        (error: Error) => {
          throw new BrokerUnavailableError(`natsmq: cannot connect to ${url}: ${error.message}`);
        },
      );
      if (!nc.info?.jetstream) {
        await nc.close();
        throw new BrokerUnavailableError(
          `natsmq: the nats-server at ${url} does not have JetStream enabled: start it with -js (or jetstream {} in its config)`,
        );
      }
      const maxPayload = server ? server.options.maxPayload : nc.info.max_payload - HEADER_ROOM;
      return new NatsMq(nc, await jetstreamManager(nc), server, url, maxPayload, options);
    } catch (error) {
      await server?.stop();
      throw error;
    }
  }

  /**
   * Opens the broker from configuration in Milvus's form: `natsmq.server.port`,
   * `natsmq.server.storeDir`, `natsmq.server.monitor.logFile`, `natsmq.server.retention.maxAge`
   * and the rest of the natsmq.server.* keys, plus `natsmq.url`, `natsmq.publishTimeout` and
   * `natsmq.maxAckPending`.
   * Unknown natsmq.* keys are refused.
   */
  static async openConfig(config: Record<string, unknown>, log?: LogLine): Promise<NatsMq> {
    const server: Record<string, unknown> = {};
    const monitor: Record<string, unknown> = {};
    const retention: Record<string, unknown> = {};
    const options: Record<string, unknown> = {};
    const serverKeys = ['binary', 'host', 'port', 'storeDir', 'maxFileStore', 'maxPayload', 'maxPending', 'initializeTimeout'];
    for (const [key, value] of Object.entries(config)) {
      if (!key.startsWith('natsmq.')) continue;
      const name = key.slice('natsmq.'.length);
      const [, group, leaf] = /^server\.(monitor|retention)\.(\w+)$/.exec(name) ?? [];
      if (name === 'url' || name === 'publishTimeout' || name === 'maxAckPending') options[name] = value;
      else if (name.startsWith('server.') && serverKeys.includes(name.slice(7))) server[name.slice(7)] = value;
      else if (group === 'monitor' && ['trace', 'debug', 'logTime', 'logFile', 'logSizeLimit'].includes(leaf)) monitor[leaf] = value;
      else if (group === 'retention' && ['maxAge', 'maxBytes', 'maxMsgs'].includes(leaf)) retention[leaf] = value;
      else throw new InvalidArgumentError(`unknown configuration key ${key}`);
    }
    return NatsMq.open({ ...options, server: { ...server, monitor }, retention, log } as NatsMqOptions);
  }

  /** Publishes and deliveries in flight when the connection drops may be lost: sends retry, and after the reconnect every consumer and reader re-points. */
  async #watchReconnects(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'disconnect') this.#publisher.connection.down();
      if (status.type === 'reconnect') {
        this.#publisher.connection.back();
        for (const cursor of this.#cursors) cursor.reconnected();
      }
    }
  }

  #check(): void {
    if (this.#closed) throw new ClosedError('the broker is closed');
  }

  /** Runs a JetStream call, turning "stream not found" into TopicNotFoundError. */
  async #api<T>(topic: string, call: (stream: string) => Promise<T>): Promise<T> {
    this.#check();
    checkTopic(topic);
    try {
      return await call(streamName(topic));
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) throw new TopicNotFoundError(`topic "${topic}" does not exist`);
      if (this.#closed) throw new ClosedError('the broker is closed');
      throw error;
    }
  }

  async createTopic(name: string, options: TopicOptions = {}): Promise<void> {
    this.#check();
    checkTopic(name);
    const exists = await this.#api(name, (s) => this.#jsm.streams.info(s)).then(
      () => true,
      (e) => (e instanceof TopicNotFoundError ? false : Promise.reject(e)),
    );
    if (exists) throw new TopicExistsError(`topic "${name}" exists`);
    const minutes = options.retentionTimeInMinutes ?? this.#retention.maxAge;
    const maxAge = minutes > 0 ? minutes * MINUTE_NS : 0;
    const sizeMB = options.retentionSizeInMB;
    await this.#api(name, (stream) =>
      this.#jsm.streams.add({
        name: stream,
        subjects: [subjectOf(name)],
        description: `QuiverDB topic ${name}`,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_age: maxAge,
        max_bytes: sizeMB !== undefined ? (sizeMB > 0 ? Math.round(sizeMB * 1048576) : -1) : positiveOrNone(this.#retention.maxBytes),
        max_msgs: positiveOrNone(this.#retention.maxMsgs),
        duplicate_window: maxAge > 0 ? Math.min(DUPLICATE_WINDOW_NS, maxAge) : DUPLICATE_WINDOW_NS,
        num_replicas: 1,
      }),
    ).catch((error) => {
      if (error instanceof JetStreamApiError) throw new StorageError(`natsmq: cannot create topic "${name}": ${error.message}`);
      throw error;
    });
  }

  async dropTopic(name: string): Promise<void> {
    await this.#api(name, (s) => this.#jsm.streams.delete(s));
  }

  async listTopics(): Promise<string[]> {
    this.#check();
    const topics: string[] = [];
    for await (const stream of this.#jsm.streams.names()) {
      const topic = topicOfStream(stream);
      if (topic !== null) topics.push(topic);
    }
    return topics;
  }

  async topicStats(name: string): Promise<TopicStats> {
    const { state } = await this.#api(name, (s) => this.#jsm.streams.info(s));
    return {
      messages: state.messages,
      bytes: Math.max(0, state.bytes - state.messages * recordOverhead(name)),
      firstId: state.messages > 0 ? new MessageId(name, BigInt(state.first_seq)) : null,
      lastId: state.last_seq > 0 ? new MessageId(name, BigInt(state.last_seq)) : null,
    };
  }

  producer(topic: string): Producer {
    return producerOf(topic, async (payloads) => {
      this.#check();
      checkTopic(topic);
      return this.#publisher.send(topic, payloads.map(joinParts));
    });
  }

  /** The first sequence a cursor starting at `start` reads. */
  #startOf(topic: string, start: StartPosition): Promise<bigint> {
    return startSequence(topic, start, async () => BigInt((await this.#api(topic, (s) => this.#jsm.streams.info(s))).state.last_seq));
  }

  #track<T extends NatsGroupConsumer | NatsReader>(cursor: T): T {
    this.#cursors.add(cursor);
    const close = cursor.close.bind(cursor);
    cursor.close = async () => {
      this.#cursors.delete(cursor);
      await close();
    };
    return cursor;
  }

  async consumer(topic: string, group: string, options: { start?: StartPosition } = {}): Promise<Consumer> {
    if (typeof group !== 'string' || group === '') throw new InvalidArgumentError('a group needs a non-empty name');
    const start = options.start ?? 'earliest';
    if (start instanceof MessageId && start.topic !== topic) throw new ForeignMessageIdError(`${start} is not of topic "${topic}"`);
    return this.#track(await this.#api(topic, () => NatsGroupConsumer.open(topic, group, () => this.#startOf(topic, start), this.#context)));
  }

  async reader(topic: string, options: { start?: StartPosition } = {}): Promise<Reader> {
    const { state } = await this.#api(topic, (s) => this.#jsm.streams.info(s));
    const start = await this.#startOf(topic, options.start ?? 'earliest');
    return this.#track(new NatsReader(topic, start, BigInt(state.last_seq) >= start, this.#context));
  }

  /** Closes every consumer and reader, the connection, and nats-server if QuiverDB started it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#nc.drain().catch(() => this.#nc.close());
    await this.#server?.stop();
    // Last, as rocksmq does: a receive waiting until now rejects with ClosedError.
    for (const cursor of [...this.#cursors]) await cursor.close();
  }
}
