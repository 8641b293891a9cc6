/**
 * Configuration in milvus.yaml's shape: every key QuiverDB reads is declared once here, with
 * its default, its check and what it does. `readConfig` takes flat dotted keys
 * (`{ 'mq.type': 'rocksmq' }`) or nested objects (`{ mq: { type: 'rocksmq' } }`), refuses
 * unknown keys and bad values with an error naming the key, and fills in the defaults.
 */
import { InvalidArgumentError } from '../errors.js';

type Check = (value: unknown) => boolean;

interface KeySpec {
  /** undefined: the reader (a broker) applies its own default. */
  default?: unknown;
  check: Check;
  /** What a good value is, for the error message. */
  expects: string;
  doc: string;
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const number =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && v >= min && v <= max;
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const text: Check = (v) => typeof v === 'string' && v.length > 0;
const anything: Check = () => true; // checked by its reader

const KEYS: Record<string, KeySpec> = {
  'mq.type': { default: 'rocksmq', check: oneOf('rocksmq', 'natsmq'), expects: "'rocksmq' or 'natsmq'", doc: 'the log broker' },

  'rocksmq.path': { check: text, expects: 'a folder', doc: "rocksmq's folder (default: <data folder>/rocksmq)" },
  'rocksmq.retentionTimeInMinutes': { check: anything, expects: '', doc: 'messages older than this are deleted (-1 keeps them)' },
  'rocksmq.retentionSizeInMB': { check: anything, expects: '', doc: 'per topic, the oldest messages past this size are deleted' },
  'rocksmq.compactionInterval': { check: anything, expects: '', doc: 'seconds between retention runs' },
  'rocksmq.lrucacheratio': { check: anything, expects: '', doc: 'block cache as a share of memory' },
  'rocksmq.compressionTypes': { check: anything, expects: '', doc: 'per level: 0 none, 7 zstd' },
  'rocksmq.maxPayload': { check: anything, expects: '', doc: 'largest message in bytes (QuiverDB)' },

  'natsmq.url': { check: anything, expects: '', doc: 'an external nats-server (else QuiverDB starts one)' },
  'natsmq.publishTimeout': { check: anything, expects: '', doc: 'ms a send retries while nats-server is away' },
  'natsmq.maxAckPending': { check: anything, expects: '', doc: 'unacknowledged deliveries per group' },
  ...Object.fromEntries(
    [
      'binary',
      'host',
      'port',
      'storeDir',
      'maxFileStore',
      'maxPayload',
      'maxPending',
      'initializeTimeout',
      'monitor.trace',
      'monitor.debug',
      'monitor.logTime',
      'monitor.logFile',
      'monitor.logSizeLimit',
      'retention.maxAge',
      'retention.maxBytes',
      'retention.maxMsgs',
    ].map((name) => [`natsmq.server.${name}`, { check: anything, expects: '', doc: 'see the natsmq section of the README' }]),
  ),

  'dataCoord.segment.maxSize': { default: 1024, check: integer(1, 1 << 20), expects: 'MiB from 1', doc: 'the largest segment, in MiB' },
  'dataCoord.segment.sealProportion': {
    default: 0.12,
    check: number(0.0001, 1),
    expects: 'a number above 0 and at most 1',
    doc: 'a growing segment is sealed at this share of maxSize',
  },
  'dataCoord.segment.maxRows': { default: 0, check: integer(0), expects: 'rows (0: no limit)', doc: 'seal at this many rows too (QuiverDB)' },
  'dataCoord.segment.maxIdleTime': { default: 600, check: number(0.001, 1e9), expects: 'seconds', doc: 'seal a segment that got no rows for this long' },
  'dataCoord.segment.maxLife': { default: 86400, check: number(0.001, 1e9), expects: 'seconds', doc: 'seal a segment this old, whatever its size' },
  'dataCoord.segment.smallProportion': {
    default: 0.5,
    check: number(0.0001, 1),
    expects: 'a number above 0 and at most 1',
    doc: 'sealed segments under this share of maxSize (and of maxRows) are merged by compaction',
  },
  'dataCoord.segment.compactableProportion': {
    default: 0.85,
    check: number(0.0001, 1),
    expects: 'a number above 0 and at most 1',
    doc: 'compaction merges small segments into one of at most this share of maxSize',
  },
  'dataCoord.compaction.enableAutoCompaction': { default: true, check: oneOf(true, false), expects: 'true or false', doc: 'compact in the background' },
  'dataCoord.compaction.single.ratio.threshold': {
    default: 0.2,
    check: number(0.0001, 1),
    expects: 'a number above 0 and at most 1',
    doc: 'a segment with this share of its rows deleted is rewritten without them',
  },
  'dataCoord.compaction.interval': { default: 10, check: number(0.001, 1e9), expects: 'seconds', doc: 'how often automatic compaction looks (QuiverDB)' },
  'dataCoord.gc.dropTolerance': {
    default: 60,
    check: number(0, 1e9),
    expects: 'seconds',
    doc: 'files of compacted segments are deleted this long after (QuiverDB 60; Milvus 10800)',
  },

  'queryNode.mmap.mmapEnabled': {
    default: false,
    check: oneOf(true, false),
    expects: 'true or false',
    doc: "sealed segments' vectors and indexes stay in their files, mapped (a collection's mmap.enabled property overrides it)",
  },

  'localStorage.path': {
    default: 'quiverdb-data',
    check: text,
    expects: 'a folder',
    doc: '`quiverdb serve`: the data folder, relative to the working directory (QuiverDB; Milvus: /var/lib/milvus/data)',
  },
  'proxy.ip': {
    default: '127.0.0.1',
    check: text,
    expects: 'an address',
    doc: '`quiverdb serve` listens here (QuiverDB: this machine only unless set; 0.0.0.0 for every interface)',
  },
  'proxy.port': { default: 19530, check: integer(0, 65535), expects: 'a port (0: any free one)', doc: '`quiverdb serve`: the RESTful API v2' },
  'proxy.http.maxBodyBytes': {
    default: 64 << 20,
    check: integer(1024),
    expects: 'bytes from 1024',
    doc: '`quiverdb serve`: the largest request body; larger ones are refused (QuiverDB)',
  },
  'proxy.nats.url': {
    check: (v) => typeof v === 'string' && /^(nats|tls):\/\//.test(v),
    expects: 'a nats:// URL',
    doc: "`quiverdb serve`: also serve the API on this NATS server, as quiverdb.v1.<task> (QuiverDB; on natsmq, the log's server by default)",
  },
  'metrics.port': {
    default: 9091,
    check: integer(0, 65535),
    expects: 'a port (0: any free one)',
    doc: '`quiverdb serve`: /healthz and Prometheus /metrics, on proxy.ip (QuiverDB; Milvus also uses 9091)',
  },
  'log.level': {
    default: 'info',
    check: oneOf('info', 'warn', 'error'),
    expects: 'info, warn or error',
    doc: '`quiverdb serve`: the least important lines written (warn: only failures that are retried or worked around)',
  },
  'log.format': {
    default: 'text',
    check: oneOf('text', 'json'),
    expects: 'text or json',
    doc: '`quiverdb serve`: json writes one object per line (time, level, component, msg), for log collectors',
  },
  'common.security.authorizationEnabled': {
    default: false,
    check: oneOf(true, false),
    expects: 'true or false',
    doc: '`quiverdb serve`: every request needs Authorization: Bearer root:<password>',
  },
  'common.security.defaultRootPassword': {
    check: (v) => typeof v === 'string' && v.length >= 8 && v !== 'Milvus',
    expects: "a password of 8 characters or more (Milvus's default, 'Milvus', is refused)",
    doc: "`quiverdb serve`: root's password; required with authorizationEnabled (QuiverDB has no default password)",
  },
  'common.security.tlsMode': { default: 0, check: oneOf(0, 1), expects: '0 (plain HTTP) or 1 (TLS)', doc: '`quiverdb serve`: 1 serves HTTPS' },
  'tls.serverPemPath': { check: text, expects: 'a file', doc: "`quiverdb serve` with tlsMode 1: the server's certificate (PEM)" },
  'tls.serverKeyPath': { check: text, expects: 'a file', doc: "`quiverdb serve` with tlsMode 1: the certificate's private key (PEM)" },
  'proxy.timeTickInterval': { default: 200, check: integer(1, 60_000), expects: 'ms from 1 to 60000', doc: 'time ticks on written channels' },
  'common.gracefulTime': { default: 5000, check: integer(0), expects: 'ms', doc: 'how stale a Bounded read may be' },
  'common.retentionDuration': {
    default: 600,
    check: number(0, 1e9),
    expects: 'seconds',
    doc: 'compaction keeps rows deleted or expired this recently, so that iterators still find them (QuiverDB 600; Milvus 432000, for time travel)',
  },
  'common.consistencyLevel': {
    default: 'Strong',
    check: oneOf('Strong', 'Session', 'Bounded', 'Eventually'),
    expects: "'Strong', 'Session', 'Bounded' or 'Eventually'",
    doc: 'the default of new collections (QuiverDB: Strong; Milvus: Bounded)',
  },
  'common.readTimeout': { default: 30_000, check: integer(1), expects: 'ms', doc: 'how long a read waits for its consistency level (QuiverDB)' },
};

export type Config = Readonly<Record<string, unknown>>;

/** Nested objects become dotted keys (a declared key's object value stays whole); arrays and other values are leaves. */
export function flatten(input: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, value] of Object.entries(input)) {
    const name = prefix + key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(name in KEYS)) flatten(value as Record<string, unknown>, `${name}.`, out);
    else out[name] = value;
  }
  return out;
}

/** The configuration with defaults filled in; `dir` is the data folder (rocksmq.path defaults under it). */
export function readConfig(input: Record<string, unknown> | undefined, dir: string): Config {
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new InvalidArgumentError('the configuration must be an object of milvus.yaml keys');
  }
  const given = flatten(input ?? {});
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(KEYS)) if (spec.default !== undefined) config[key] = spec.default;
  config['rocksmq.path'] = `${dir}/rocksmq`;
  for (const [key, value] of Object.entries(given)) {
    const spec = KEYS[key];
    if (!spec) throw new InvalidArgumentError(`unknown configuration key ${key}`);
    if (value === undefined) continue;
    if (!spec.check(value)) throw new InvalidArgumentError(`configuration key ${key} must be ${spec.expects}, got ${JSON.stringify(value)}`);
    config[key] = value;
  }
  return Object.freeze(config);
}

/** The keys of one section (`rocksmq.`, `natsmq.`), for the reader that owns it. */
export function section(config: Config, prefix: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => key.startsWith(prefix) || key === 'mq.type'));
}

/** Every declared key with its default and meaning (for docs and `--help`). */
export function describeKeys(): { key: string; default: unknown; doc: string }[] {
  return Object.entries(KEYS).map(([key, spec]) => ({ key, default: spec.default, doc: spec.doc }));
}
