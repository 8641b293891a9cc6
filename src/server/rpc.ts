/**
 * The RPC endpoint of QuiverDB's own remote client (`POST /quiverdb/v1/<task>`): the request
 * and the result exactly as the embedded client has them, in the wire encoding, and failures
 * as their QuiverError code, message and fields (client/wire.ts).
 */
import { QuiverDB } from '../client/embedded.js';
import { decode, encode, errorToWire } from '../client/wire.js';
import { failure } from './rest/envelope.js';

/** The answer to one call, as JSON text, and its Milvus code (for the metrics). */
export async function answerRpc(db: QuiverDB, method: string, body: string): Promise<{ code: number; text: string }> {
  let request: unknown;
  try {
    request = body === '' ? {} : decode(body);
  } catch {
    return { code: 1801, text: encode({ code: 1801, message: 'the request is not JSON', quiverCode: 'QV_INVALID_ARGUMENT', detail: {} }) };
  }
  try {
    const result = await QuiverDB.rpc(db, method, request);
    return { code: 0, text: `{"code":0,"data":${encode(result ?? null)}}` };
  } catch (error) {
    const { code } = failure(error);
    return { code, text: encode({ code, ...errorToWire(error) }) };
  }
}
