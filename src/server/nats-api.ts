/**
 * The NATS API of `quiverdb serve` (proxy.nats.url): the remote client's calls as
 * request-reply on `quiverdb.v1.<task>` (queue group `quiverdb`, so several servers could
 * share the load), answered as the HTTP RPC endpoint answers them, and NATS's service
 * discovery ($SRV.PING, $SRV.INFO, $SRV.STATS: the `nats micro` protocol).
 */
import { randomBytes } from 'node:crypto';

import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';

import type { QuiverDB } from '../client/embedded.js';
import { NATS_SUBJECT_PREFIX } from '../client/nats-transport.js';
import { encode } from '../client/wire.js';
import { ServerUnreachableError } from '../errors.js';
import type { Authorize } from './auth.js';
import type { Metrics } from './metrics.js';
import { answerRpc } from './rpc.js';

const NAME = 'quiverdb';
const VERSION = '0.1.0';
const QUEUE = 'quiverdb';

export class NatsApi {
  readonly #id = randomBytes(8).toString('hex');
  readonly #started = new Date().toISOString();
  #requests = 0;
  #errors = 0;
  #nanos = 0;

  private constructor(private readonly nc: NatsConnection) {}

  static async start(db: QuiverDB, url: string, authorize: Authorize, metrics: Metrics): Promise<NatsApi> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url, maxReconnectAttempts: -1 });
    } catch (error) {
      throw new ServerUnreachableError(`proxy.nats.url: cannot reach NATS at ${url}: ${(error as Error).message}`);
    }
    const api = new NatsApi(nc);
    nc.subscribe(`${NATS_SUBJECT_PREFIX}*`, { queue: QUEUE, callback: (_error, msg) => void api.#answer(db, msg, authorize, metrics) });
    for (const verb of ['PING', 'INFO', 'STATS'] as const) {
      for (const subject of [`$SRV.${verb}`, `$SRV.${verb}.${NAME}`, `$SRV.${verb}.${NAME}.${api.#id}`]) {
        nc.subscribe(subject, {
          callback: (_error, msg) => {
            msg.respond(JSON.stringify(api.#discovery(verb)));
          },
        });
      }
    }
    await nc.flush();
    return api;
  }

  async #answer(db: QuiverDB, msg: Msg, authorize: Authorize, metrics: Metrics): Promise<void> {
    const started = process.hrtime.bigint();
    const task = msg.subject.slice(NATS_SUBJECT_PREFIX.length);
    let code: number;
    let text: string;
    if (!authorize(msg.headers?.get('Authorization') || undefined)) {
      code = 1800;
      text = encode({
        code,
        quiverCode: 'QV_UNAUTHENTICATED',
        message: 'authentication needed: an Authorization header with Bearer root:<password>',
        detail: {},
      });
    } else {
      ({ code, text } = await answerRpc(db, task, msg.string()));
    }
    msg.respond(text);
    const nanos = Number(process.hrtime.bigint() - started);
    this.#requests++;
    if (code !== 0) this.#errors++;
    this.#nanos += nanos;
    metrics.observe(`nats/${task}`, code, nanos / 1e9);
  }

  #discovery(verb: 'PING' | 'INFO' | 'STATS'): Record<string, unknown> {
    const base = { name: NAME, id: this.#id, version: VERSION, metadata: {} };
    const endpoint = { name: 'rpc', subject: `${NATS_SUBJECT_PREFIX}*`, queue_group: QUEUE };
    if (verb === 'PING') return { type: 'io.nats.micro.v1.ping_response', ...base };
    if (verb === 'INFO') return { type: 'io.nats.micro.v1.info_response', ...base, description: 'QuiverDB: the remote client API', endpoints: [endpoint] };
    return {
      type: 'io.nats.micro.v1.stats_response',
      ...base,
      started: this.#started,
      endpoints: [
        {
          ...endpoint,
          num_requests: this.#requests,
          num_errors: this.#errors,
          processing_time: this.#nanos,
          average_processing_time: this.#requests === 0 ? 0 : Math.round(this.#nanos / this.#requests),
        },
      ],
    };
  }

  /** Stops taking requests once those in flight are answered. */
  async close(): Promise<void> {
    await this.nc.drain();
  }
}
