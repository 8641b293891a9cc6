/**
 * natsmq's sends: pipelined JetStream publishes, each with a dedupe id (Nats-Msg-Id), so
 * that a publish retried after a lost ack or a server restart is stored once. Up to a
 * window of messages and bytes is in flight; sends are not awaited one by one.
 *
 * A publish that times out or finds no JetStream (restarting) is retried with the same id
 * until publishTimeout, which stays inside the streams' dedupe window. Retries go in the
 * batch's order, one at a time. An answer from JetStream itself (store full, stream gone)
 * is final.
 */
import { JetStreamApiError, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { nuid } from '@nats-io/transport-node';

import { BrokerUnavailableError, ClosedError, PayloadTooLargeError, StorageError, TopicNotFoundError } from '../../errors.js';
import { streamName, subjectOf } from './names.js';

const WINDOW_MESSAGES = 4096;
const WINDOW_BYTES = 64 << 20;
const ATTEMPT_TIMEOUT_MS = 10_000;
const RETRY_MS = 250;

/** JetStream API error codes natsmq turns into its own errors. */
const INSUFFICIENT_RESOURCES = 10023;
const STREAM_NOT_FOUND = 10059;
const MESSAGE_TOO_LARGE = 10054;

export interface PublishContext {
  js: JetStreamClient;
  jsm: JetStreamManager;
  maxPayload: number;
  publishTimeout: number;
  isClosed(): boolean;
}

/** A JetStream answer as a QuiverDB error; null when the publish may be retried. */
function finalError(error: unknown, topic: string): Error | null {
  if (error instanceof JetStreamApiError) {
    if (error.code === INSUFFICIENT_RESOURCES) {
      return new StorageError(
        `natsmq: JetStream storage is full (natsmq.server.maxFileStore reached): writes are refused until retention frees space; raise natsmq.server.maxFileStore or lower retention. Reads still work. (${error.message})`,
      );
    }
    if (error.code === STREAM_NOT_FOUND) return new TopicNotFoundError(`topic "${topic}" does not exist`);
    if (error.code === MESSAGE_TOO_LARGE) return new PayloadTooLargeError(`natsmq: ${error.message}`);
    return new StorageError(`natsmq: JetStream refused the message: ${error.message}`);
  }
  return null;
}

/**
 * The connection as publishes see it. An attempt in flight when the connection drops, or
 * when it comes back, may never be answered (the client buffers across the gap), so it is
 * abandoned and retried at once instead of at its timeout; retries wait for the connection.
 */
class Connection {
  readonly #inFlight = new Set<(error: Error) => void>();
  #up: Promise<void> = Promise.resolve();
  #wentUp: () => void = () => {};

  /** `attempt`, rejected early if the connection drops or comes back before it settles. */
  track<T>(attempt: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#inFlight.add(reject);
      attempt.then(resolve, reject).finally(() => this.#inFlight.delete(reject));
    });
  }

  /** Resolves once connected. */
  get up(): Promise<void> {
    return this.#up;
  }

  down(): void {
    this.#up = new Promise((resolve) => (this.#wentUp = resolve));
    this.#abandon('disconnected from nats-server');
  }

  back(): void {
    this.#wentUp();
    this.#abandon('reconnected to nats-server');
  }

  #abandon(why: string): void {
    for (const reject of this.#inFlight) reject(new Error(why));
    this.#inFlight.clear();
  }
}

export class NatsPublisher {
  readonly connection = new Connection();

  constructor(private readonly context: PublishContext) {}

  /** Publishes the payloads of one topic in order; resolves with their stream sequences. */
  async send(topic: string, payloads: Uint8Array[]): Promise<bigint[]> {
    const { maxPayload } = this.context;
    for (const p of payloads) {
      if (p.length > maxPayload) throw new PayloadTooLargeError(`a payload of ${p.length} bytes is over natsmq's maxPayload (${maxPayload} bytes)`);
    }
    const ids = payloads.map(() => nuid.next());
    const sequences: bigint[] = new Array(payloads.length);
    const retry: number[] = [];
    let fatal: Error | null = null;
    const inFlight: Promise<void>[] = [];
    let bytesInFlight = 0;
    for (let i = 0; i < payloads.length && !fatal; i++) {
      this.#checkOpen();
      const size = payloads[i].length;
      bytesInFlight += size;
      inFlight.push(
        this.#publish(topic, payloads[i], ids[i]).then(
          (ack) => {
            sequences[i] = BigInt(ack.seq);
            bytesInFlight -= size;
          },
          (error) => {
            bytesInFlight -= size;
            fatal ??= finalError(error, topic);
            retry.push(i);
          },
        ),
      );
      // Keep the window: wait for the oldest before going past it.
      while (inFlight.length >= WINDOW_MESSAGES || (inFlight.length > 0 && bytesInFlight > WINDOW_BYTES)) {
        await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
    if (fatal) throw fatal;
    retry.sort((a, b) => a - b);
    for (const i of retry) sequences[i] = BigInt((await this.#retry(topic, payloads[i], ids[i])).seq);
    return sequences;
  }

  #publish(topic: string, payload: Uint8Array, msgID: string): Promise<PubAck> {
    return this.connection.track(this.context.js.publish(subjectOf(topic), payload, { msgID, timeout: ATTEMPT_TIMEOUT_MS }));
  }

  /** The same publish again (the same id, so it is stored once) until it is answered. */
  async #retry(topic: string, payload: Uint8Array, msgID: string): Promise<PubAck> {
    const deadline = Date.now() + this.context.publishTimeout;
    for (;;) {
      this.#checkOpen();
      try {
        await this.#connected(deadline);
        return await this.#publish(topic, payload, msgID);
      } catch (error) {
        const final = finalError(error, topic);
        if (final) throw final;
        // No JetStream answers on the topic's subject: the topic is gone, or the server restarts.
        if ((error as Error).name === 'JetStreamNotEnabled' && !(await this.#streamExists(topic))) {
          throw new TopicNotFoundError(`topic "${topic}" does not exist`);
        }
        if (Date.now() > deadline) {
          throw new BrokerUnavailableError(
            `natsmq: nats-server did not store a message of "${topic}" within publishTimeout (${this.context.publishTimeout} ms): ${(error as Error).message}`,
          );
        }
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  /** Resolves once connected, or at the deadline (the attempt then fails and says why). */
  async #connected(deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
    await Promise.race([this.connection.up, timeUp]);
    clearTimeout(timer);
  }

  /** False only when JetStream says the stream does not exist. */
  async #streamExists(topic: string): Promise<boolean> {
    try {
      await this.context.jsm.streams.info(streamName(topic));
      return true;
    } catch (error) {
      return !(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND);
    }
  }

  #checkOpen(): void {
    if (this.context.isClosed()) throw new ClosedError('the broker is closed');
  }
}
