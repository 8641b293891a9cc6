/**
 * The HTTP side of the RESTful API v2: POST /v2/vectordb/<category>/<action> with a JSON body
 * of at most `maxBodyBytes`; every answer is an envelope (envelope.ts). QuiverDB's own remote
 * client calls POST /quiverdb/v1/<task> (../rpc.ts) through the same checks. A malformed or hostile
 * request gets an error envelope, never a crash: nothing of a request reaches the database
 * before it parsed as a JSON object.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { QuiverDB } from '../../client/embedded.js';
import { RPC_PREFIX } from '../../client/remote.js';
import { DataType } from '../../schema/data-type.js';
import type { Authorize } from '../auth.js';
import type { Metrics } from '../metrics.js';
import { answerRpc } from '../rpc.js';
import { DATABASE_NOT_FOUND, type Envelope, FORMAT_ERROR, failure, INVALID_PARAMETER, MISSING_PARAMS, NEED_AUTHENTICATE, success, toJson } from './envelope.js';
import { type Route, routes } from './routes.js';

const PREFIX = '/v2/vectordb/';

class BodyTooLarge extends Error {}

/** The request body, refused past `limit` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The Int64 fields of the collection a request names, for Accept-Type-Allow-Int64 (none when it has none or does not exist). */
async function int64Fields(db: QuiverDB, name: unknown): Promise<{ fields: Set<string>; ids: boolean }> {
  try {
    const { schema } = (await db.describeCollection({ collection_name: name })) as unknown as {
      schema: { fields: { name: string; dataType: DataType; is_primary_key: boolean }[] };
    };
    const fields = schema.fields.filter((f) => f.dataType === DataType.Int64);
    const ids = fields.some((f) => f.is_primary_key);
    // Hits and rows carry an Int64 key as `id` too.
    return { fields: new Set([...fields.map((f) => f.name), ...(ids ? ['id'] : [])]), ids };
  } catch {
    return { fields: new Set(), ids: false };
  }
}

export interface RestOptions {
  maxBodyBytes: number;
  /** Whether a request's Authorization header lets it in. */
  authorize: Authorize;
  metrics: Metrics;
}

/** Answers one HTTP request against the database. */
export async function handleRest(db: QuiverDB, req: IncomingMessage, res: ServerResponse, options: RestOptions): Promise<void> {
  const started = performance.now();
  const path = (req.url ?? '').split('?')[0];
  const route = path.startsWith(PREFIX) ? routes[path.slice(PREFIX.length)] : undefined;
  const rpc = path.startsWith(RPC_PREFIX) ? path.slice(RPC_PREFIX.length) : undefined;
  const operation = route ? path.slice(PREFIX.length) : rpc !== undefined ? `rpc/${rpc}` : 'unknown';
  const sendText = (status: number, code: number, text: string) => {
    options.metrics.observe(operation, code, (performance.now() - started) / 1000);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const send = (status: number, envelope: Envelope, int64?: { fields: Set<string>; ids: boolean }) => sendText(status, envelope.code, toJson(envelope, int64));
  if (!options.authorize(req.headers.authorization)) {
    req.resume();
    send(200, { code: NEED_AUTHENTICATE, message: 'authentication needed: Authorization: Bearer root:<password>', quiverCode: 'QV_UNAUTHENTICATED' });
    return;
  }
  const rpcCall = rpc !== undefined && req.method === 'POST';
  if (!route && !rpcCall) {
    req.resume();
    send(404, { code: INVALID_PARAMETER, message: `no such endpoint: ${req.method} ${path}` });
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    send(405, { code: INVALID_PARAMETER, message: `${path} takes POST` });
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await readBody(req, options.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      send(413, { code: FORMAT_ERROR, message: `the request body is larger than proxy.http.maxBodyBytes (${options.maxBodyBytes} bytes)` });
      req.destroy();
      return;
    }
    send(200, { code: FORMAT_ERROR, message: 'can only accept json format request' });
    return;
  }
  if (rpcCall) {
    const { code, text } = await answerRpc(db, rpc, bytes.toString('utf8'));
    sendText(200, code, text);
    return;
  }
  let body: unknown;
  try {
    body = bytes.byteLength === 0 ? undefined : JSON.parse(bytes.toString('utf8'));
  } catch {
    send(200, { code: FORMAT_ERROR, message: 'can only accept json format request' });
    return;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    send(200, { code: body === undefined ? FORMAT_ERROR : MISSING_PARAMS, message: 'the request body must be a JSON object' });
    return;
  }
  const request = body as Record<string, unknown>;
  const dbName = request.dbName ?? req.headers['db-name'] ?? 'default';
  if (dbName !== 'default' && dbName !== '') {
    send(200, { code: DATABASE_NOT_FOUND, message: `database not found: ${String(dbName)} (QuiverDB has one database, "default")` });
    return;
  }
  try {
    const data = await (route as Route)(db, request);
    const int64 = String(req.headers['accept-type-allow-int64']).toLowerCase() === 'true' ? await int64Fields(db, request.collectionName) : undefined;
    send(200, success(data), int64);
  } catch (error) {
    send(200, failure(error));
  }
}
