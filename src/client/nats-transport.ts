/**
 * The remote transport over NATS: each call a request on `quiverdb.v1.<task>` to a
 * `quiverdb serve` that serves its API on the same NATS network, in the wire encoding of the
 * HTTP transport; the token travels in an `Authorization` header. The connection is made on
 * the first call and closed with the client.
 */
import { connect, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';

import { ServerUnreachableError } from '../errors.js';
import type { ProxyMethod, Transport } from './transport.js';
import { encode, resultOf } from './wire.js';

export const NATS_SUBJECT_PREFIX = 'quiverdb.v1.';

export function natsTransport(url: string, options: { token?: string; timeout?: number }): Transport {
  const timeout = options.timeout ?? 60_000;
  let connection: Promise<NatsConnection> | undefined;
  const connection_ = () => {
    connection ??= connect({ servers: url, timeout: Math.min(timeout, 10_000) }).catch((error) => {
      connection = undefined; // the next call tries again
      throw new ServerUnreachableError(`cannot reach NATS at ${url}: ${(error as Error).message}`);
    });
    return connection;
  };
  return {
    where: url,
    async call(method: ProxyMethod, request: Record<string, unknown>) {
      const nc = await connection_();
      const h = natsHeaders();
      if (options.token !== undefined) h.set('Authorization', `Bearer ${options.token}`);
      let text: string;
      try {
        const reply = await nc.request(`${NATS_SUBJECT_PREFIX}${method}`, encode(request), { timeout, headers: h });
        text = reply.string();
      } catch (error) {
        throw new ServerUnreachableError(`no answer on ${NATS_SUBJECT_PREFIX}${method} at ${url}: ${(error as Error).message}`);
      }
      return resultOf(text);
    },
    async close() {
      const nc = await connection?.catch(() => undefined);
      await nc?.close();
    },
  };
}
