/**
 * The remote transport: each call a POST of the SDK-shaped request to a `quiverdb serve`'s RPC
 * endpoint (`/quiverdb/v1/<task>`), in the wire encoding (wire.ts); a failure comes back as the
 * same QuiverError class the server's database threw. Not Milvus's REST API: that one is for
 * Milvus's tools; this one carries every argument and result of QuiverDB's client exactly.
 */
import { InvalidArgumentError, ServerUnreachableError } from '../errors.js';
import type { ProxyMethod, Transport } from './transport.js';
import { encode, resultOf } from './wire.js';

export const RPC_PREFIX = '/quiverdb/v1/';

export function httpTransport(url: string, options: { token?: string; timeout?: number }): Transport {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new InvalidArgumentError(`QuiverDB.connect needs a URL such as http://127.0.0.1:19530, got ${JSON.stringify(url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InvalidArgumentError(`QuiverDB.connect takes http:// or https:// URLs, got ${url}`);
  const origin = base.origin;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const timeout = options.timeout ?? 60_000;
  return {
    where: origin,
    async call(method: ProxyMethod, request: Record<string, unknown>) {
      let text: string;
      try {
        const response = await fetch(`${origin}${RPC_PREFIX}${method}`, {
          method: 'POST',
          headers,
          body: encode(request),
          signal: AbortSignal.timeout(timeout),
        });
        text = await response.text();
      } catch (error) {
        throw new ServerUnreachableError(`no answer from the server at ${origin}: ${(error as Error).message}`);
      }
      return resultOf(text);
    },
    async close() {},
  };
}
