/**
 * rocksmq: the embedded log broker, in C++ on RocksDB (native/mq/rocksmq.cpp), behind the
 * LogBroker interface. Consumers wait for new messages through commit notifications from
 * the native writer: an idle broker does no work, and nothing polls.
 */
import { mkdir } from 'node:fs/promises';

import { ClosedError, ForeignMessageIdError, InvalidArgumentError, native } from '../../errors.js';
import type { NativeRocksMq, RocksMqOptions } from '../../native/binding.js';
import { loadNative } from '../../native/load.js';

export type { RocksMqOptions };

import { optionsObject, readArguments } from '../../arguments.js';
import {
  type Consumer,
  type LogBroker,
  type Message,
  MessageId,
  type Producer,
  producerOf,
  type Reader,
  type ReceiveOptions,
  receiveOptions,
  type StartPosition,
  startSequence,
  type TopicOptions,
  type TopicStats,
} from '../broker.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Each numeric option's range: outside it the value is refused, never wrapped around. */
const RANGES: Record<string, [number, number]> = {
  retentionTimeInMinutes: [-1, MAX_SAFE],
  retentionSizeInMB: [-1, MAX_SAFE],
  compactionInterval: [1, MAX_SAFE],
  maxPayload: [1, 2 ** 30],
};

function checkRange(options: Record<string, unknown>, key: string, prefix: string): void {
  const value = options[key];
  if (value === undefined) return;
  const [min, max] = RANGES[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${prefix}${key} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

function checkOptions(options: RocksMqOptions): RocksMqOptions {
  if (!options || typeof options !== 'object' || typeof options.path !== 'string' || options.path === '') {
    throw new InvalidArgumentError('rocksmq.path must be a non-empty string');
  }
  const o = options as unknown as Record<string, unknown>;
  for (const key of ['retentionTimeInMinutes', 'retentionSizeInMB', 'compactionInterval', 'maxPayload']) checkRange(o, key, 'rocksmq.');
  const ratio = options.lrucacheratio;
  if (ratio !== undefined && !(typeof ratio === 'number' && ratio > 0 && ratio <= 1)) {
    throw new InvalidArgumentError(`rocksmq.lrucacheratio must be a number above 0 and at most 1, got ${String(ratio)}`);
  }
  const types = options.compressionTypes;
  if (types !== undefined && !(Array.isArray(types) && types.every((t) => t === 0 || t === 7))) {
    throw new InvalidArgumentError('rocksmq.compressionTypes must be an array of 0 (none) and 7 (zstd)');
  }
  return options;
}

/** Waiters for messages past an id, per topic, woken by commit notifications. */
class Arrivals {
  readonly #last = new Map<string, bigint>();
  readonly #waiters = new Map<string, Set<{ after: bigint; wake: (arrived: boolean) => void }>>();

  /** Wakes every waiter: on close, so that each one's next read reports the closed broker. */
  wakeAll(): void {
    for (const set of this.#waiters.values()) for (const waiter of [...set]) waiter.wake(true);
  }

  /** The topic is gone: forget its last id (a new topic of that name starts again at 1) and
   * wake its waiters, whose next read reports the missing topic. */
  dropped(topic: string): void {
    this.#last.delete(topic);
    for (const waiter of [...(this.#waiters.get(topic) ?? [])]) waiter.wake(true);
  }

  last(topic: string): bigint | undefined {
    return this.#last.get(topic);
  }

  committed(topic: string, last: bigint): void {
    if ((this.#last.get(topic) ?? 0n) < last) this.#last.set(topic, last);
    for (const waiter of this.#waiters.get(topic) ?? []) if (last > waiter.after) waiter.wake(true);
  }

  /** Resolves true once a message with id > after exists in topic, false on timeout or cancel. */
  wait(topic: string, after: bigint, timeoutMs: number | undefined, cancel: AbortSignal): Promise<boolean> {
    if ((this.#last.get(topic) ?? 0n) > after) return Promise.resolve(true);
    // Closed while its read was in flight: an aborted signal never fires 'abort' again.
    if (cancel.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const set = this.#waiters.get(topic) ?? new Set();
      this.#waiters.set(topic, set);
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        after,
        wake: (arrived: boolean) => {
          set.delete(waiter);
          clearTimeout(timer);
          cancel.removeEventListener('abort', onAbort);
          resolve(arrived);
        },
      };
      const onAbort = () => waiter.wake(false);
      set.add(waiter);
      cancel.addEventListener('abort', onAbort);
      if (timeoutMs !== undefined) timer = setTimeout(() => waiter.wake(false), timeoutMs);
    });
  }
}

/** Delivery from a cursor: shared by consumers (which also acknowledge) and readers. */
class Cursor {
  readonly #closing = new AbortController();

  constructor(
    readonly topic: string,
    protected next: bigint,
    protected readonly store: NativeRocksMq,
    private readonly arrivals: Arrivals,
  ) {}

  async receive(options?: ReceiveOptions): Promise<Message[]> {
    const { max, timeoutMs } = receiveOptions(options);
    // One deadline for the whole call, however often it wakes for nothing.
    const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    for (;;) {
      if (this.#closing.signal.aborted) throw new ClosedError(`the ${this.kind()} of "${this.topic}" is closed`);
      const batch = await native(() => this.store.read(this.topic, this.next, max));
      if (batch.ids.length > 0) {
        this.next = batch.ids[batch.ids.length - 1] + 1n;
        return batch.payloads.map((payload, i) => ({ id: new MessageId(this.topic, batch.ids[i]), payload, publishTime: batch.times[i] }));
      }
      const left = deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
      if (left === 0 || !(await this.arrivals.wait(this.topic, this.next - 1n, left, this.#closing.signal))) return [];
    }
  }

  protected own(id: MessageId): bigint {
    if (!(id instanceof MessageId)) throw new InvalidArgumentError('expected a MessageId');
    if (id.topic !== this.topic) throw new ForeignMessageIdError(`${id} is not of topic "${this.topic}"`);
    return id.sequence;
  }

  protected kind(): string {
    return 'reader';
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }
}

class RocksMqConsumer extends Cursor implements Consumer {
  constructor(
    topic: string,
    readonly group: string,
    next: bigint,
    store: NativeRocksMq,
    arrivals: Arrivals,
  ) {
    super(topic, next, store, arrivals);
  }

  async ack(id: MessageId): Promise<void> {
    const sequence = this.own(id);
    await native(() => this.store.ack(this.topic, this.group, sequence));
  }

  protected override kind(): string {
    return `consumer (group "${this.group}")`;
  }
}

class RocksMqReader extends Cursor implements Reader {
  seek(id: MessageId): void {
    this.next = this.own(id);
  }
}

export class RocksMq implements LogBroker {
  readonly type = 'rocksmq' as const;
  readonly #store: NativeRocksMq;
  readonly #arrivals = new Arrivals();
  #closed = false;

  private constructor(store: NativeRocksMq) {
    this.#store = store;
    store.onCommit((topic, last) => this.#arrivals.committed(topic, last));
  }

  /** Opens (or creates) the broker's database at options.path. */
  static async open(options: RocksMqOptions): Promise<RocksMq> {
    readArguments(() => checkOptions(options));
    await mkdir(options.path, { recursive: true }).catch(() => undefined); // RocksDB makes only the last folder; it reports what fails
    const store = await native(() => loadNative().RocksMq.open(options));
    return new RocksMq(store);
  }

  #check(): NativeRocksMq {
    if (this.#closed) throw new ClosedError('the broker is closed');
    return this.#store;
  }

  async createTopic(name: string, options?: TopicOptions): Promise<void> {
    const o = readArguments(() => {
      const o = optionsObject(options, 'topic options') as Record<string, unknown>;
      for (const key of ['retentionTimeInMinutes', 'retentionSizeInMB']) checkRange(o, key, '');
      return { retentionTimeInMinutes: o.retentionTimeInMinutes as number | undefined, retentionSizeInMB: o.retentionSizeInMB as number | undefined };
    });
    await native(() => this.#check().createTopic(name, o));
  }

  async dropTopic(name: string): Promise<void> {
    await native(() => this.#check().dropTopic(name));
    this.#arrivals.dropped(name);
  }

  async listTopics(): Promise<string[]> {
    return native(() => this.#check().listTopics());
  }

  async topicStats(name: string): Promise<TopicStats> {
    const s = await native(() => this.#check().topicStats(name));
    this.#arrivals.committed(name, s.lastId); // from now on knownEnd answers for this topic
    return {
      messages: s.messages,
      bytes: s.bytes,
      firstId: s.messages > 0 ? new MessageId(name, s.firstId) : null,
      lastId: s.lastId > 0n ? new MessageId(name, s.lastId) : null,
    };
  }

  knownEnd(name: string): bigint | undefined {
    return this.#arrivals.last(name);
  }

  producer(topic: string): Producer {
    return producerOf(topic, (payloads) => native(() => this.#check().send(topic, payloads)));
  }

  /** The first id a cursor starting at `start` reads. */
  #startOf(topic: string, start: StartPosition): Promise<bigint> {
    return startSequence(topic, start, async () => (await native(() => this.#check().topicStats(topic))).lastId);
  }

  async consumer(topic: string, group: string, options: { start?: StartPosition } = {}): Promise<Consumer> {
    if (typeof group !== 'string' || group === '') throw new InvalidArgumentError('a group needs a non-empty name');
    const store = this.#check();
    let acked = await native(() => store.groupPosition(topic, group));
    if (acked === null) {
      acked = (await this.#startOf(topic, options.start ?? 'earliest')) - 1n;
      await native(() => store.createGroup(topic, group, acked as bigint));
    }
    return new RocksMqConsumer(topic, group, acked + 1n, store, this.#arrivals);
  }

  async reader(topic: string, options: { start?: StartPosition } = {}): Promise<Reader> {
    const store = this.#check();
    await native(() => store.topicStats(topic)); // the topic must exist
    return new RocksMqReader(topic, await this.#startOf(topic, options.start ?? 'earliest'), store, this.#arrivals);
  }

  /**
   * Opens the broker from configuration in Milvus's form: `rocksmq.path`,
   * `rocksmq.retentionTimeInMinutes`, `rocksmq.retentionSizeInMB`, `rocksmq.compactionInterval`,
   * `rocksmq.lrucacheratio`, `rocksmq.compressionTypes` (and `rocksmq.maxPayload`). Unknown
   * `rocksmq.*` keys are refused, so a typo does not go unnoticed.
   */
  static async openConfig(config: Record<string, unknown>): Promise<RocksMq> {
    const keys: (keyof RocksMqOptions)[] = [
      'path',
      'retentionTimeInMinutes',
      'retentionSizeInMB',
      'compactionInterval',
      'lrucacheratio',
      'compressionTypes',
      'maxPayload',
    ];
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (!key.startsWith('rocksmq.')) continue;
      const name = key.slice('rocksmq.'.length) as keyof RocksMqOptions;
      if (!keys.includes(name)) throw new InvalidArgumentError(`unknown configuration key ${key}`);
      options[name] = value;
    }
    return RocksMq.open(options as unknown as RocksMqOptions);
  }

  /** Runs retention now (it also runs every compactionInterval); resolves to messages deleted. */
  async enforceRetention(): Promise<number> {
    return native(() => this.#check().enforceRetention());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await native(() => this.#store.close());
    this.#arrivals.wakeAll();
  }
}
