// The server's log lines: text as written, or one JSON object per line (log.format), and
// lines under log.level left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readConfig } from '../../src/config/config.js';
import { serverLogger } from '../../src/server/logger.js';

function lines(config: Record<string, unknown>, write: (log: ReturnType<typeof serverLogger>) => void): string[] {
  const out: string[] = [];
  write(serverLogger(readConfig(config, '.'), (text) => out.push(text)));
  return out;
}

test('text: lines as written; json: time, level, component and message', () => {
  const say = (log: ReturnType<typeof serverLogger>) => {
    log('quiverdb: datanode: channel c: disk full; replaying from the checkpoint in 1 s', 'warn');
    log('quiverdb: serving /data on http://127.0.0.1:19530');
  };
  assert.deepEqual(lines({}, say), [
    'quiverdb: datanode: channel c: disk full; replaying from the checkpoint in 1 s',
    'quiverdb: serving /data on http://127.0.0.1:19530',
  ]);
  const [warning, serving] = lines({ 'log.format': 'json' }, say).map((line) => JSON.parse(line));
  assert.deepEqual(
    { ...warning, time: undefined },
    { time: undefined, level: 'warn', component: 'datanode', msg: 'channel c: disk full; replaying from the checkpoint in 1 s' },
  );
  assert.ok(!Number.isNaN(Date.parse(warning.time)));
  assert.deepEqual([serving.level, serving.component, serving.msg], ['info', 'server', 'serving /data on http://127.0.0.1:19530']);
});

test('log.level leaves out the less important lines; a bad level or format is refused naming the key', () => {
  const out = lines({ 'log.level': 'warn' }, (log) => {
    log('quiverdb: started');
    log('quiverdb: indexnode: collection 1: no space', 'warn');
    log('quiverdb: not closed within 30 s; exiting', 'error');
  });
  assert.deepEqual(out, ['quiverdb: indexnode: collection 1: no space', 'quiverdb: not closed within 30 s; exiting']);
  assert.throws(() => readConfig({ 'log.level': 'debug' }, '.'), /log.level/);
  assert.throws(() => readConfig({ 'log.format': 'xml' }, '.'), /log.format/);
});
