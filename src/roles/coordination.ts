/**
 * Following the coordination topic (DDL notices, flush events), as the data node and the
 * query node both do: each message in order, until the reader closes; a failure is logged
 * and the reader is read again a second later, so a role never stops listening.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { ClosedError } from '../errors.js';
import type { Reader } from '../mq/broker.js';
import type { LogLine } from '../mq/open-broker.js';
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
      options.log(`quiverdb: ${options.role}: coordination topic: ${(error as Error).message}; retrying in 1 s`);
      await delay(1000);
    }
  }
}
