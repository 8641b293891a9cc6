/**
 * `quiverdb serve [--config quiverdb.yaml]`: runs the standalone server until SIGINT or SIGTERM,
 * then shuts down gracefully (in-flight requests finish, the database closes) within SHUTDOWN_MS.
 */
import { parseArgs } from 'node:util';

import { describeKeys } from '../config/config.js';
import { configFromFile, envName } from '../config/config-file.js';
import { QuiverServer } from '../server/server.js';

const SHUTDOWN_MS = 30_000;

export function serveHelp(): string {
  const keys = describeKeys()
    .filter(({ key }) => !key.startsWith('natsmq.server.'))
    .map(({ key, default: value, doc }) => `  ${key}${value === undefined ? '' : ` [${JSON.stringify(value)}]`}\n      ${doc} (env ${envName(key)})`);
  return `Usage: quiverdb serve [--config FILE]

Runs the database of localStorage.path behind Milvus's RESTful API v2 on proxy.ip:proxy.port
(127.0.0.1:19530 unless configured), until SIGINT or SIGTERM.

  --config FILE   a milvus.yaml-shaped file; environment variables override its keys
  --help          this text

Configuration keys [default]:
${keys.join('\n')}`;
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(serveHelp());
    return;
  }
  const config = await configFromFile(values.config);
  // The handlers go in before the start, so that a signal sent as soon as the start line is
  // out (or during the start) closes the server gracefully rather than killing the process.
  const starting = QuiverServer.start({ config });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1); // a second signal: do not wait
    stopping = true;
    const server = await starting.catch(() => undefined);
    if (!server) return; // the start failed, and says so
    server.log(`quiverdb: ${signal}: finishing requests in flight, then closing the database`);
    setTimeout(() => {
      server.log(`quiverdb: not closed within ${SHUTDOWN_MS / 1000} s; exiting`, 'error');
      process.exit(1);
    }, SHUTDOWN_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: Error) => {
        server.log(`quiverdb: closing failed: ${error.message}`, 'error');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await starting;
}
