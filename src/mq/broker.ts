/**
 * The log broker interface. Every write goes through a broker first (it is the
 * write-ahead log) and it is the only channel between roles. Two implementations share
 * it: rocksmq (embedded, on RocksDB) and natsmq (NATS JetStream). One conformance suite
 * (test/mq-conformance.ts) runs against both.
 */
import { optionsObject } from '../arguments.js';
import { ForeignMessageIdError, InvalidArgumentError } from '../errors.js';

/** A message's place in its topic. Ordered within a topic; serialisable as "topic@sequence". */
export class MessageId {
  constructor(
    readonly topic: string,
    readonly sequence: bigint,
  ) {}

  toString(): string {
    return `${this.topic}@${this.sequence}`;
  }

  static parse(text: string): MessageId {
    const at = text.lastIndexOf('@');
    if (at <= 0 || !/^\d+$/.test(text.slice(at + 1))) throw new InvalidArgumentError(`"${text}" is not a MessageId`);
    return new MessageId(text.slice(0, at), BigInt(text.slice(at + 1)));
  }

  /** Negative, zero or positive as this comes before, at or after `other` (same topic only). */
  compare(other: MessageId): number {
    if (other.topic !== this.topic) throw new ForeignMessageIdError(`${other} is not of topic "${this.topic}"`);
    return this.sequence < other.sequence ? -1 : this.sequence > other.sequence ? 1 : 0;
  }

  equals(other: MessageId): boolean {
    return other.topic === this.topic && other.sequence === this.sequence;
  }
}

export interface Message {
  id: MessageId;
  payload: Uint8Array;
  /** Milliseconds since the epoch when the broker stored it. */
  publishTime: number;
}

export interface TopicStats {
  messages: number;
  bytes: number;
  /** The oldest message still held, or null when the topic is empty. */
  firstId: MessageId | null;
  /** The newest message ever sent, or null when none was. */
  lastId: MessageId | null;
}

/** Where a new consumer group or a reader starts: the oldest message held, only new ones, or a given message (inclusive). */
export type StartPosition = 'earliest' | 'latest' | MessageId;

export interface ReceiveOptions {
  /** At most this many messages (default 100). */
  max?: number;
  /** Resolve with [] after this long without a message (default: wait until one arrives or the consumer closes). */
  timeoutMs?: number;
}

/** receive()'s options, checked: max defaults to 100; timeoutMs is a finite number of ms or absent. */
export function receiveOptions(options: ReceiveOptions | undefined): { max: number; timeoutMs: number | undefined } {
  const o = optionsObject(options, 'receive options');
  const max = o.max ?? 100;
  if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentError(`max must be a positive integer, got ${String(max)}`);
  const timeoutMs = o.timeoutMs;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0 && timeoutMs <= 2 ** 31 - 1)) {
    throw new InvalidArgumentError(`timeoutMs must be a number of milliseconds from 0 to 2^31 - 1, got ${String(timeoutMs)}`);
  }
  return { max, timeoutMs };
}

/**
 * A message: bytes, a string (sent as UTF-8), or bytes in parts, stored as their
 * concatenation (so a caller with a header and columns never joins them itself).
 */
export type Payload = Uint8Array | string | readonly Uint8Array[];

export interface Producer {
  readonly topic: string;
  /** Resolves once the message is durable, with its id. */
  send(payload: Payload): Promise<MessageId>;
  /** Stores the payloads in order, atomically; resolves once they are durable. */
  sendBatch(payloads: Payload[]): Promise<MessageId[]>;
}

/** A member of a named group. The group's position (its last acknowledged message) is kept
 * by the broker; a new consumer of the group starts after it. Delivery is at least once:
 * messages received but not acknowledged come again after a restart. */
export interface Consumer {
  readonly topic: string;
  readonly group: string;
  /** The next messages in order; waits for new ones without polling. */
  receive(options?: ReceiveOptions): Promise<Message[]>;
  /** Acknowledges this message and every one before it (cumulative). */
  ack(id: MessageId): Promise<void>;
  close(): Promise<void>;
}

/** Reads a topic without a group: nothing is acknowledged or remembered. */
export interface Reader {
  readonly topic: string;
  receive(options?: ReceiveOptions): Promise<Message[]>;
  /** The next receive starts at this message (inclusive). */
  seek(id: MessageId): void;
  close(): Promise<void>;
}

export interface TopicOptions {
  /** Overrides the broker's retention for this topic (-1: keep forever). */
  retentionTimeInMinutes?: number;
  retentionSizeInMB?: number;
}

export interface LogBroker {
  readonly type: 'rocksmq' | 'natsmq';
  createTopic(name: string, options?: TopicOptions): Promise<void>;
  dropTopic(name: string): Promise<void>;
  listTopics(): Promise<string[]>;
  topicStats(name: string): Promise<TopicStats>;
  /**
   * The last sequence of the topic known to be committed, without asking the store, or
   * undefined. rocksmq learns it from its own commit notifications, which reach JavaScript
   * before the sends they commit resolve: a write that resolved is at or below it.
   */
  knownEnd?(name: string): bigint | undefined;
  producer(topic: string): Producer;
  consumer(topic: string, group: string, options?: { start?: StartPosition }): Promise<Consumer>;
  reader(topic: string, options?: { start?: StartPosition }): Promise<Reader>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** A payload as the parts it is the concatenation of. */
export function partsOf(payload: Payload): Uint8Array[] {
  if (typeof payload === 'string') return [encoder.encode(payload)];
  if (payload instanceof Uint8Array) return [payload];
  if (Array.isArray(payload) && payload.every((part) => part instanceof Uint8Array)) return payload as Uint8Array[];
  throw new InvalidArgumentError('a payload must be a Uint8Array, a string or an array of Uint8Array');
}

/** The parts of a payload as one buffer (the first part itself when it is the only one). */
export function joinParts(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A Producer over a broker's `store` (payloads, each in parts, in order; resolving with their sequences). */
export function producerOf(topic: string, store: (payloads: Uint8Array[][]) => Promise<Iterable<bigint>>): Producer {
  const send = async (payloads: Payload[]): Promise<MessageId[]> => {
    const parts = payloads.map(partsOf);
    return Array.from(await store(parts), (sequence) => new MessageId(topic, sequence));
  };
  return {
    topic,
    send: async (payload) => (await send([payload]))[0],
    sendBatch: async (payloads) => {
      if (!Array.isArray(payloads)) throw new InvalidArgumentError('sendBatch takes an array of payloads');
      return payloads.length === 0 ? [] : send(payloads);
    },
  };
}

/** The first sequence a cursor starting at `start` reads; `latest` gives the topic's last sequence. */
export async function startSequence(topic: string, start: StartPosition, latest: () => Promise<bigint>): Promise<bigint> {
  if (start === 'earliest') return 1n;
  if (start === 'latest') return (await latest()) + 1n;
  if (!(start instanceof MessageId)) throw new InvalidArgumentError(`start must be 'earliest', 'latest' or a MessageId`);
  if (start.topic !== topic) throw new ForeignMessageIdError(`${start} is not of topic "${topic}"`);
  return start.sequence;
}
