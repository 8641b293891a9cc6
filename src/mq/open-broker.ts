/**
 * `mq.type` chooses the log broker: rocksmq (embedded, the default) or natsmq. The choice
 * is logged before the broker opens, so that a start-up failure says which one failed.
 */
import { InvalidArgumentError } from '../errors.js';
import type { LogBroker } from './broker.js';
import { NatsMq } from './natsmq/natsmq.js';
import { RocksMq } from './rocksmq/rocksmq.js';

/** How much a log line matters: warn marks something that failed and is being retried or worked around. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Where QuiverDB's lines go: each starts "quiverdb: <component>: ". */
export type LogLine = (line: string, level?: LogLevel) => void;

/** Opens the broker that `config['mq.type']` names, from the rest of `config` (rocksmq.* or natsmq.* keys). */
export async function openLogBroker(config: Record<string, unknown>, log: LogLine = (line) => console.info(line)): Promise<LogBroker> {
  const type = config['mq.type'] ?? 'rocksmq';
  if (type === 'rocksmq') {
    log(`quiverdb: mq.type=rocksmq (embedded, rocksmq.path=${String(config['rocksmq.path'])})`);
    return RocksMq.openConfig(config);
  }
  if (type === 'natsmq') {
    const where = config['natsmq.url'] ? `external nats-server at ${String(config['natsmq.url'])}` : 'nats-server started by QuiverDB';
    log(`quiverdb: mq.type=natsmq (${where})`);
    return NatsMq.openConfig(config, log);
  }
  throw new InvalidArgumentError(`mq.type must be 'rocksmq' or 'natsmq', got ${JSON.stringify(type)}`);
}
