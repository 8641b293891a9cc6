/**
 * natsmq's consumers (groups) and readers.
 *
 * A group is a durable JetStream consumer with AckPolicy.All, so its position (the ack
 * floor) lives on the server. JetStream keeps messages it delivered but nobody
 * acknowledged as pending until ack_wait ends, while a group member that starts (or
 * reconnects) must get them again at once, in order. So the member re-points the group:
 * it creates the next generation of the durable consumer at the ack floor + 1, then
 * deletes the older one. The new one is made before the old is removed, so a crash in
 * between leaves two, and the next start keeps the one further on.
 *
 * A reader is a JetStream ordered consumer (the client recreates it after gaps and
 * server restarts); seek starts a new one.
 */
import {
  AckPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

import { BrokerUnavailableError } from '../../errors.js';
import type { Consumer, Reader } from '../broker.js';
import { NatsCursor, type PullOptions } from './cursor.js';
import { groupPrefix, streamName } from './names.js';

/** What consumers and readers share with their broker. */
export interface NatsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** How long a send or an ack keeps retrying while the server is away, in ms. */
  publishTimeout: number;
  /** A group member's unacknowledged deliveries at most (the durable's max_ack_pending). */
  maxAckPending: number;
}

const nanos = (ms: number) => ms * 1_000_000;
/** Redelivery is handled by re-pointing (above), not by timers; this only bounds a stuck member. */
const ACK_WAIT_MS = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The last message a durable consumer's group has acknowledged. */
function position(info: ConsumerInfo): bigint {
  return info.ack_floor.stream_seq > 0 ? BigInt(info.ack_floor.stream_seq) : BigInt(info.config.opt_start_seq ?? 1) - 1n;
}

export class NatsGroupConsumer extends NatsCursor implements Consumer {
  readonly #context: NatsContext;
  readonly #stream: string;
  #durable = '';
  #generation = -1;
  #acked: bigint;
  /** Ack subjects of delivered messages not yet acknowledged, in order, from the current durable. */
  #handles: { sequence: bigint; reply: string }[] = [];
  #repoint = false;
  #source: { name: string; consumer: JsConsumer } | null = null;

  private constructor(
    topic: string,
    readonly group: string,
    acked: bigint,
    behind: boolean,
    context: NatsContext,
  ) {
    super(topic, acked + 1n, behind);
    this.#context = context;
    this.#stream = streamName(topic);
    this.#acked = acked;
  }

  /** Joins `group`, creating it at `start` (the first message it will read) if it is new. */
  static async open(topic: string, group: string, start: () => Promise<bigint>, context: NatsContext): Promise<NatsGroupConsumer> {
    const prefix = groupPrefix(group);
    const generations: ConsumerInfo[] = [];
    for await (const info of context.jsm.consumers.list(streamName(topic))) {
      if (info.name.startsWith(prefix) && /^\d+$/.test(info.name.slice(prefix.length))) generations.push(info);
    }
    const generationOf = (info: ConsumerInfo) => Number(info.name.slice(prefix.length));
    generations.sort((a, b) => (position(b) > position(a) ? 1 : position(b) < position(a) ? -1 : generationOf(b) - generationOf(a)));
    const best = generations[0];
    const acked = best ? position(best) : (await start()) - 1n;
    const { state } = await context.jsm.streams.info(streamName(topic));
    const consumer = new NatsGroupConsumer(topic, group, acked, state.last_seq > acked, context);
    consumer.#generation = best ? Math.max(...generations.map(generationOf)) : -1;
    // Always a fresh generation: whatever the last member was given and did not acknowledge
    // comes again now, not after ack_wait.
    await consumer.#point(
      acked + 1n,
      generations.map((info) => info.name),
    );
    return consumer;
  }

  /** Makes the next generation of the durable consumer, starting at `first`, then deletes `older` (the ones before it). */
  async #point(first: bigint, older: string[] = [this.#durable]): Promise<void> {
    const { jsm } = this.#context;
    const name = `${groupPrefix(this.group)}${this.#generation + 1}`;
    await jsm.consumers.add(this.#stream, {
      durable_name: name,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Number(first),
      // Bounded: nats-server holds state for every delivered, unacknowledged message, and
      // so do we (its ack subject); a member past the bound waits for its own ack.
      max_ack_pending: this.#context.maxAckPending,
      ack_wait: nanos(ACK_WAIT_MS),
    });
    this.#generation++;
    this.#durable = name;
    this.#handles = [];
    // Gone already is fine; one that cannot be deleted now (server away) is deleted by the next open.
    for (const old of older) await jsm.consumers.delete(this.#stream, old).catch(() => undefined);
    this.interrupt();
  }

  /** After a reconnect, deliveries in flight may be lost: re-point before the next pull. */
  reconnected(): void {
    this.#repoint = true;
    this.interrupt();
  }

  protected override failed(): void {
    this.#repoint = true;
  }

  protected override async prepare(): Promise<void> {
    if (!this.#repoint) return;
    await this.#point(this.#acked + 1n);
    this.#repoint = false;
  }

  protected override async pull(options: PullOptions): Promise<ConsumerMessages> {
    if (this.#source?.name !== this.#durable) {
      this.#source = { name: this.#durable, consumer: await this.#context.js.consumers.get(this.#stream, this.#durable) };
    }
    return this.#source.consumer.fetch(options);
  }

  protected override async gap(sequence: bigint): Promise<boolean> {
    // Messages removed by retention leave a gap; anything else was lost on the way.
    const info = await this.#context.jsm.streams.info(this.#stream);
    if (BigInt(info.state.first_seq) >= sequence) return true;
    this.reconnected();
    return false;
  }

  protected override delivered(m: JsMsg): void {
    const sequence = BigInt(m.seq);
    const last = this.#handles[this.#handles.length - 1];
    if (sequence <= this.#acked || (last && last.sequence >= sequence)) return;
    if (m.info.consumer !== this.#durable) return;
    // The ack subject (JsMsgImpl's reply), not the message: holding it would hold the payload.
    this.#handles.push({ sequence, reply: (m as JsMsg & { reply: string }).reply });
  }

  protected override stalled(): boolean {
    return this.#handles.length >= this.#context.maxAckPending;
  }

  protected override kind(): string {
    return `consumer (group "${this.group}")`;
  }

  async ack(id: MessageIdLike): Promise<void> {
    const sequence = this.own(id);
    if (sequence <= this.#acked) return;
    const deadline = Date.now() + this.#context.publishTimeout;
    for (;;) {
      let handle: { sequence: bigint; reply: string } | undefined;
      for (const h of this.#handles) if (h.sequence <= sequence) handle = h;
      try {
        if (handle?.sequence === sequence) {
          await this.#context.nc.request(handle.reply, '+ACK', { timeout: 5000 });
        } else {
          // Not delivered by the current durable (acknowledged ahead, or delivered before a
          // re-point): making the next generation start after it acknowledges it all the same.
          await this.#point(sequence + 1n);
          if (this.tail <= sequence) this.restart(sequence + 1n);
        }
        this.#acked = sequence;
        this.#handles = this.#handles.filter((h) => h.sequence > sequence);
        return;
      } catch (error) {
        if (this.closed) throw error;
        if (Date.now() > deadline) {
          throw new BrokerUnavailableError(`natsmq: could not acknowledge ${id} for ${this.#context.publishTimeout} ms: ${(error as Error).message}`);
        }
        this.#handles = []; // the durable may be gone; the next try re-points
        await sleep(250);
      }
    }
  }
}

type MessageIdLike = Parameters<Consumer['ack']>[0];
type JsConsumer = Awaited<ReturnType<JetStreamClient['consumers']['get']>>;

export class NatsReader extends NatsCursor implements Reader {
  readonly #context: NatsContext;
  readonly #stream: string;
  #source: Promise<JsConsumer> | null = null;

  constructor(topic: string, start: bigint, behind: boolean, context: NatsContext) {
    super(topic, start, behind);
    this.#context = context;
    this.#stream = streamName(topic);
  }

  seek(id: MessageIdLike): void {
    this.restart(this.own(id));
    this.#source = null;
  }

  /** A new ordered consumer at `tail` after a reconnect or a failed pull: the server may have lost the old one. */
  reconnected(): void {
    this.#source = null;
    this.interrupt();
  }

  protected override failed(): void {
    this.#source = null;
  }

  protected override async pull(options: PullOptions): Promise<ConsumerMessages> {
    this.#source ??= this.#context.js.consumers.get(this.#stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Number(this.tail) });
    return (await this.#source).fetch(options);
  }

  protected override kind(): string {
    return 'reader';
  }
}
