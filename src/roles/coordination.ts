/**
 * Following the coordination topic (DDL notices; flush, index and compaction events), as the
 * data, query and index nodes do: each message in order, until the reader closes; a failure
 * is logged and the reader is read again a second later, so a role never stops listening.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { ClosedError } from '../errors.js';
import type { LogBroker, Reader } from '../mq/broker.js';
import type { LogLine } from '../mq/open-broker.js';
import { COORD_TOPIC } from '../msg/channels.js';
import { type CoordMessage, decodeCoord } from '../msg/messages.js';

export async function followCoordination(
  reader: Reader,
  handle: (event: CoordMessage) => Promise<void>,
  options: { role: string; stopped: () => boolean; log: LogLine },
): Promise<void> {
  while (!options.stopped()) {
    try {
      for (const message of await reader.receive({ max: 256 })) await handle(decodeCoord(message.payload));
    } catch (error) {
      if (options.stopped() || error instanceof ClosedError) return;
      options.log(`quiverdb: ${options.role}: coordination topic: ${(error as Error).message}; retrying in 1 s`, 'warn');
      await delay(1000);
    }
  }
}

/**
 * A role's following of the coordination topic. open() places a reader at the topic's end
 * before the role reads the catalog, so that no notice sent in between is missed; follow()
 * then handles each notice in order; close() marks the role stopped and waits for the loop.
 */
export class CoordinationFollower {
  #reader: Reader | undefined;
  #following: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly broker: LogBroker,
    private readonly role: string,
    private readonly log: LogLine,
  ) {}

  /** Whether close() was called: a role's long work checks it between steps. */
  get stopped(): boolean {
    return this.#stopped;
  }

  async open(): Promise<void> {
    this.#reader = await this.broker.reader(COORD_TOPIC, { start: 'latest' });
  }

  follow(handle: (event: CoordMessage) => Promise<void> | void): void {
    if (!this.#reader) throw new Error('open() the follower first');
    this.#following = followCoordination(this.#reader, async (event) => handle(event), {
      role: this.role,
      stopped: () => this.#stopped,
      log: this.log,
    });
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.#reader?.close();
    await this.#following;
  }
}
