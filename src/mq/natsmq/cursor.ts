/**
 * Delivery for natsmq consumers and readers: pulls from a JetStream consumer into a small
 * buffer and hands messages out in stream order, each once.
 *
 * A JetStream fetch waits until its whole batch is there or it expires, while receive()
 * must return as soon as anything arrives. So a fetch runs in the background while someone
 * waits; what it brings is buffered (at most one batch) and waiting receives are woken
 * once per socket read. Messages before `tail` (redeliveries) are dropped, so a consumer
 * can be re-pointed (after a reconnect, say) without handing anything out twice.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

import { ClosedError, ForeignMessageIdError, InvalidArgumentError } from '../../errors.js';
import { type Message, MessageId, type ReceiveOptions, receiveOptions } from '../broker.js';

/** How long one pull waits on the server before the next is sent (the client's minimum is 1 s). */
const FETCH_EXPIRES_MS = 5000;
/** Pause before pulling again after a failed pull (server restarting, say). */
const RETRY_MS = 250;
/** How long a receive with a timeout still waits for messages the topic holds. */
const PENDING_WAIT_MS = 5000;
/** How long a receive waits for the next of the messages still pending before it returns what it has. */
const GATHER_MS = 5;
/** About what one pull brings, so about what one cursor buffers. */
const PULL_BYTES = 16 << 20;

/**
 * One pull's size. The client cannot bound a pull by bytes on nats-server 2.9 (it waits for
 * an end-of-pull status that server does not send), so it is bounded by count: what the
 * receive asked for, but no more than PULL_BYTES' worth at the last message size seen.
 */
export type PullOptions = { max_messages: number; expires: number };

export abstract class NatsCursor {
  #buffer: Message[] = [];
  readonly #waiters = new Set<(arrived: boolean) => void>();
  #bufferBytes = 0;
  /** The max of the receive waiting: enough to wake it. */
  #wanted = 1;
  #wakePending: null | 'now' | 'soon' = null;
  #gatherTimer: NodeJS.Timeout | undefined;
  #pumping = false;
  #fetch: ConsumerMessages | null = null;
  /** Bumped whenever the source is replaced: what an older fetch brings is not used. */
  #generation = 0;
  #closed = false;
  /** The size of the last message delivered, which sizes the next pull. */
  #messageBytes = 1;
  /** Whether the source had more after the last message delivered. */
  #behind: boolean;
  /** The sequence the next delivered message must have. */
  protected tail: bigint;

  /** `behind`: the topic holds messages from `start` on (so the first receive waits for them). */
  constructor(
    readonly topic: string,
    start: bigint,
    behind: boolean,
  ) {
    this.tail = start;
    this.#behind = behind;
  }

  /** Starts a pull from the current source. */
  protected abstract pull(options: PullOptions): Promise<ConsumerMessages>;

  /** Runs before each pull; a group re-points its durable consumer here when it must. */
  protected async prepare(): Promise<void> {}

  /** Called for a message past `tail`: true to take it (the ones between are gone). */
  protected async gap(_sequence: bigint): Promise<boolean> {
    return true;
  }

  /** Called after a pull failed (server away, consumer gone): the next pull starts afresh. */
  protected failed(): void {}

  /** Called for every message taken or dropped as a redelivery (groups keep its ack handle). */
  protected delivered(_message: JsMsg): void {}

  protected abstract kind(): string;

  /** True while nothing can arrive until the caller acknowledges (a group at maxAckPending). */
  protected stalled(): boolean {
    return false;
  }

  async receive(options?: ReceiveOptions): Promise<Message[]> {
    const { max, timeoutMs } = receiveOptions(options);
    for (let arrived = true; ; arrived = await this.#wait(max, timeoutMs)) {
      if (this.#closed) throw new ClosedError(`the ${this.kind()} of "${this.topic}" is closed`);
      if (this.#buffer.length > 0) return this.#take(max);
      if (!arrived) return [];
    }
  }

  /** Forgets what is buffered and delivers from `sequence` on. */
  protected restart(sequence: bigint): void {
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#behind = false;
    this.tail = sequence;
    this.interrupt();
  }

  /** Ends the pull in flight; the next one goes to the (possibly new) source. */
  protected interrupt(): void {
    this.#generation++;
    this.#fetch?.stop();
  }

  protected own(id: MessageId): bigint {
    if (!(id instanceof MessageId)) throw new InvalidArgumentError('expected a MessageId');
    if (id.topic !== this.topic) throw new ForeignMessageIdError(`${id} is not of topic "${this.topic}"`);
    return id.sequence;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.interrupt();
    for (const waiter of [...this.#waiters]) waiter(false);
  }

  #wait(max: number, timeoutMs: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (arrived: boolean) => {
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(arrived);
      };
      this.#waiters.add(waiter);
      this.#wanted = max;
      // The timeout counts while nothing is pending. Messages the topic holds are on their
      // way (a 5 MB one can take longer than a short timeout through a busy client), so
      // they are waited for, up to PENDING_WAIT_MS.
      const giveUp = Date.now() + PENDING_WAIT_MS;
      const expire = () => {
        if (this.#behind && !this.stalled() && Date.now() < giveUp) timer = setTimeout(expire, timeoutMs);
        else waiter(false);
      };
      if (timeoutMs !== undefined) timer = setTimeout(expire, timeoutMs);
      void this.#pump(max);
    });
  }

  /**
   * Pulls while someone waits, and reads ahead while the source has more and less than
   * PULL_BYTES is buffered, so that a pull's round trip overlaps the caller's work. One
   * pump at a time; errors are retried after a pause.
   */
  async #pump(max: number): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#closed && (this.#waiters.size > 0 || (this.#behind && this.#bufferBytes < PULL_BYTES))) {
        const generation = this.#generation;
        try {
          await this.prepare();
          if (generation !== this.#generation) continue;
          const count = Math.max(1, Math.min(max, Math.floor(PULL_BYTES / this.#messageBytes)));
          this.#fetch = await this.pull({ max_messages: count, expires: FETCH_EXPIRES_MS });
          if (generation !== this.#generation) this.#fetch.stop();
          for await (const m of this.#fetch) {
            if (generation !== this.#generation) break;
            await this.#accept(m);
          }
        } catch {
          // The server is away or restarting: the client reconnects on its own; pull again soon.
          if (this.#closed) break;
          this.failed();
          await new Promise((r) => setTimeout(r, RETRY_MS));
        } finally {
          this.#fetch = null;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #accept(m: JsMsg): Promise<void> {
    const sequence = BigInt(m.seq);
    if (sequence < this.tail) return this.delivered(m);
    if (sequence > this.tail && !(await this.gap(sequence))) return;
    this.tail = sequence + 1n;
    this.#messageBytes = Math.max(1, m.data.length);
    this.#behind = m.info.pending > 0;
    this.delivered(m);
    this.#buffer.push({ id: new MessageId(this.topic, sequence), payload: m.data, publishTime: Math.floor(m.info.timestampNanos / 1e6) });
    this.#bufferBytes += m.data.length;
    // A receive takes all that is there, up to its max: so wake it once nothing more is
    // pending, or it has enough, or after a moment; and after the rest of this socket read.
    const enough = m.info.pending === 0 || this.#buffer.length >= this.#wanted || this.#bufferBytes >= PULL_BYTES;
    this.#wake(enough);
  }

  /** Wakes the waiting receives now (after this socket read), or once messages stop coming for GATHER_MS. */
  #wake(now: boolean): void {
    if (this.#wakePending === 'now') return;
    clearTimeout(this.#gatherTimer); // while messages keep coming, gather on
    this.#wakePending = now ? 'now' : 'soon';
    const wake = () => {
      this.#wakePending = null;
      for (const waiter of [...this.#waiters]) waiter(true);
    };
    if (now) setImmediate(wake);
    else this.#gatherTimer = setTimeout(wake, GATHER_MS);
  }

  #take(max: number): Message[] {
    const taken = this.#buffer.splice(0, max);
    for (const m of taken) this.#bufferBytes -= m.payload.length;
    return taken;
  }
}
