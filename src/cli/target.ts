/**
 * Which database a command other than `serve` works on: a running server (`--url`, the default
 * being a `quiverdb serve` on this machine), or a folder opened in this process (`--dir`).
 */
import { QuiverDB } from '../client/embedded.js';

export const DEFAULT_URL = 'http://127.0.0.1:19530';

export const TARGET_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  dir: { type: 'string' },
} as const;

export const TARGET_HELP = `  --url URL       the server: http(s)://host:port, or nats://host:port when it serves its NATS API
                  (default: $QUIVERDB_URL, else ${DEFAULT_URL})
  --token TOKEN   root:<password>, when the server has authorization on (default: $QUIVERDB_TOKEN)
  --dir DIR       open the database folder in this process instead (no server may have it open)`;

export interface Target {
  db: QuiverDB;
  /** The server's URL or the folder, for messages. */
  where: string;
  /** Over NATS, a request is at most the server's max payload (1 MiB by default). */
  smallRequests: boolean;
}

export async function openTarget(values: { url?: string; token?: string; dir?: string }): Promise<Target> {
  if (values.dir !== undefined) {
    const db = await QuiverDB.open(values.dir);
    return { db, where: db.dir, smallRequests: false };
  }
  const url = values.url ?? process.env.QUIVERDB_URL ?? DEFAULT_URL;
  const db = await QuiverDB.connect(url, { token: values.token ?? process.env.QUIVERDB_TOKEN });
  return { db, where: url, smallRequests: /^(nats|tls):/.test(url) };
}
