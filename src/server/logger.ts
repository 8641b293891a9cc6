/**
 * The server's log lines, as `log.format` and `log.level` say. text: the line as QuiverDB
 * wrote it. json: one object per line, for log collectors:
 *
 *   {"time":"2026-12-02T19:40:00.000Z","level":"warn","component":"datanode","msg":"channel …"}
 *
 * Every line starts "quiverdb: <component>: " (or "quiverdb: " for the server's own), which
 * is where the component comes from.
 */
import type { Config } from '../config/config.js';
import type { LogLevel, LogLine } from '../mq/open-broker.js';

const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };
const PREFIX = /^quiverdb: (?:([a-z]+): )?/;

export function serverLogger(config: Config, write: (text: string) => void): LogLine {
  const least = RANK[config['log.level'] as LogLevel];
  const json = config['log.format'] === 'json';
  return (line, level = 'info') => {
    if (RANK[level] < least) return;
    if (!json) return write(line);
    const prefix = PREFIX.exec(line);
    const component = prefix?.[1] ?? 'server';
    write(JSON.stringify({ time: new Date().toISOString(), level, component, msg: prefix ? line.slice(prefix[0].length) : line }));
  };
}
