/**
 * Every error QuiverDB throws or rejects with is a QuiverError whose `code` is stable:
 * match on `code` (or on the class), never on the message.
 */
export type ErrorCode =
  | 'QV_INVALID_ARGUMENT'
  | 'QV_DIMENSION_MISMATCH'
  | 'QV_NON_FINITE'
  | 'QV_INVALID_K'
  | 'QV_DUPLICATE_ID'
  | 'QV_NOT_TRAINED'
  | 'QV_TRAINING_TOO_SMALL'
  | 'QV_INVALID_FILE'
  | 'QV_VERSION_MISMATCH'
  | 'QV_IO'
  | 'QV_TOPIC_NOT_FOUND'
  | 'QV_TOPIC_EXISTS'
  | 'QV_INVALID_TOPIC'
  | 'QV_PAYLOAD_TOO_LARGE'
  | 'QV_GROUP_NOT_FOUND'
  | 'QV_FOREIGN_MESSAGE_ID'
  | 'QV_CLOSED'
  | 'QV_STORAGE'
  | 'QV_NATS_SERVER'
  | 'QV_BROKER_UNAVAILABLE'
  | 'QV_UNREACHABLE'
  | 'QV_UNAUTHENTICATED'
  | 'QV_NATIVE_LOAD'
  | 'QV_LOCKED'
  | 'QV_INDEX_NOT_FOUND'
  | 'QV_COLLECTION_NOT_FOUND'
  | 'QV_COLLECTION_EXISTS'
  | 'QV_ALIAS_NOT_FOUND'
  | 'QV_ALIAS_EXISTS'
  | 'QV_PARTITION_NOT_FOUND'
  | 'QV_PARTITION_EXISTS'
  | 'QV_INVALID_SCHEMA'
  | 'QV_INVALID_ROW'
  | 'QV_INVALID_FILTER'
  | 'QV_DUPLICATE_KEY'
  | 'QV_NOT_LOADED'
  | 'QV_UNSUPPORTED'
  | 'QV_TIMEOUT'
  | 'QV_INTERNAL';

export class QuiverError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The call's arguments are wrong; nothing was changed. */
export class InvalidArgumentError extends QuiverError {
  constructor(message: string, code: ErrorCode = 'QV_INVALID_ARGUMENT') {
    super(code, message);
  }
}

/** A vector or batch does not fit the index's dimension. */
export class DimensionMismatchError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_DIMENSION_MISMATCH');
  }
}

/** A vector or query holds NaN or ±Infinity. */
export class NonFiniteValueError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_NON_FINITE');
  }
}

/** k is not an integer from 1 to 16384. */
export class InvalidKError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_INVALID_K');
  }
}

/** An id being added is already present, or repeated within the batch. */
export class DuplicateIdError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_DUPLICATE_ID');
  }
}

/** Fewer training vectors than the index needs (nlist, or 256 for IVF_PQ's codebooks). */
export class TrainingSetTooSmallError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_TRAINING_TOO_SMALL');
  }
}

/** An IVF index was asked to add or search before it was trained. */
export class NotTrainedError extends QuiverError {
  constructor(message: string) {
    super('QV_NOT_TRAINED', message);
  }
}

/** A file is not a QuiverDB index, or is truncated or damaged. */
export class InvalidFileError extends QuiverError {
  constructor(message: string) {
    super('QV_INVALID_FILE', message);
  }
}

/** An index file was written by a QuiverDB with another file format version. */
export class VersionMismatchError extends QuiverError {
  constructor(message: string) {
    super('QV_VERSION_MISMATCH', message);
  }
}

/** Reading or writing a file failed (missing, no permission, disk full). */
export class IoError extends QuiverError {
  constructor(message: string) {
    super('QV_IO', message);
  }
}

/** A log broker topic does not exist. */
export class TopicNotFoundError extends QuiverError {
  constructor(message: string) {
    super('QV_TOPIC_NOT_FOUND', message);
  }
}

/** createTopic of a name that is taken. */
export class TopicExistsError extends QuiverError {
  constructor(message: string) {
    super('QV_TOPIC_EXISTS', message);
  }
}

/** A topic name outside 1 to 255 of [A-Za-z0-9_.-]. */
export class InvalidTopicError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_INVALID_TOPIC');
  }
}

/** A message over the broker's maximum payload (8 MiB by default). */
export class PayloadTooLargeError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_PAYLOAD_TOO_LARGE');
  }
}

/** A MessageId of another topic was given to a topic's consumer or reader. */
export class ForeignMessageIdError extends InvalidArgumentError {
  constructor(message: string) {
    super(message, 'QV_FOREIGN_MESSAGE_ID');
  }
}

/** A consumer group that does not exist. */
export class GroupNotFoundError extends QuiverError {
  constructor(message: string) {
    super('QV_GROUP_NOT_FOUND', message);
  }
}

/** The broker (or consumer) was closed. */
export class ClosedError extends QuiverError {
  constructor(message: string) {
    super('QV_CLOSED', message);
  }
}

/** The storage engine failed (disk full, I/O error); nothing acknowledged is lost. */
export class StorageError extends QuiverError {
  constructor(message: string) {
    super('QV_STORAGE', message);
  }
}

/**
 * The nats-server process could not be started or stopped. `reason` says why, so that a
 * program can react: 'missing' (no binary), 'port-in-use', 'store-dir' (not a writable
 * folder), 'timeout' (not ready within initializeTimeout) or 'exited' (it stopped on its own).
 */
export class NatsServerError extends QuiverError {
  constructor(
    message: string,
    readonly reason: 'missing' | 'port-in-use' | 'store-dir' | 'timeout' | 'exited',
  ) {
    super('QV_NATS_SERVER', message);
  }
}

/**
 * The log broker's server did not answer in time (natsmq: nats-server down or restarting for
 * longer than publishTimeout). A send that fails so may or may not have been stored; sending
 * it again with the same producer is safe only within the dedupe window.
 */
export class BrokerUnavailableError extends QuiverError {
  constructor(message: string) {
    super('QV_BROKER_UNAVAILABLE', message);
  }
}

/** The native addon could not be found or loaded. */
/** A remote client (QuiverDB.connect) could not reach its server, or got no answer in time. */
export class ServerUnreachableError extends QuiverError {
  constructor(message: string) {
    super('QV_UNREACHABLE', message);
  }
}

/** A request to a server with authorization on came without the right token (`root:<password>`). */
export class AuthenticationError extends QuiverError {
  constructor(message: string) {
    super('QV_UNAUTHENTICATED', message);
  }
}

export class NativeLoadError extends QuiverError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QV_NATIVE_LOAD', message, options);
  }
}

/**
 * The database folder is open in another process (or another QuiverDB.open in this one).
 * `holder` names it as it recorded itself: pid, host and when it opened.
 */
export class DatabaseLockedError extends QuiverError {
  constructor(
    message: string,
    readonly holder: { pid: number; host: string; since: string } | null,
  ) {
    super('QV_LOCKED', message);
  }
}

/** No collection of that name. */
export class CollectionNotFoundError extends QuiverError {
  constructor(message: string) {
    super('QV_COLLECTION_NOT_FOUND', message);
  }
}

/** createCollection or renameCollection to a name that is taken. */
export class CollectionExistsError extends QuiverError {
  constructor(message: string) {
    super('QV_COLLECTION_EXISTS', message);
  }
}

/** No collection alias of that name. */
export class AliasNotFoundError extends QuiverError {
  constructor(message: string) {
    super('QV_ALIAS_NOT_FOUND', message);
  }
}

/** createAlias of a name that is taken, by an alias or a collection. */
export class AliasExistsError extends QuiverError {
  constructor(message: string) {
    super('QV_ALIAS_EXISTS', message);
  }
}

/** No partition of that name in the collection. */
export class PartitionNotFoundError extends QuiverError {
  constructor(message: string) {
    super('QV_PARTITION_NOT_FOUND', message);
  }
}

/** createPartition of a name that is taken. */
export class PartitionExistsError extends QuiverError {
  constructor(message: string) {
    super('QV_PARTITION_EXISTS', message);
  }
}

/** describeIndex or dropIndex of an index the collection does not have. */
export class IndexNotFoundError extends QuiverError {
  constructor(message: string) {
    super('QV_INDEX_NOT_FOUND', message);
  }
}

/** A collection schema that cannot be made: `field` names the field at fault, when one is. */
export class SchemaError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message, 'QV_INVALID_SCHEMA');
  }
}

/**
 * A row that does not fit the schema. `row` is its index in the batch and `field` the field
 * at fault; the whole batch was refused and nothing was written.
 */
export class RowError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly row: number,
    readonly field: string,
  ) {
    super(message, 'QV_INVALID_ROW');
  }
}

/**
 * A filter expression that does not parse or does not fit the schema. `position` is the
 * offset in the filter where the trouble is (0-based, in UTF-16 units, as JavaScript
 * strings count); `expected` lists what would have been accepted there, when that is known.
 */
export class FilterError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly position: number,
    readonly expected: string[] = [],
  ) {
    super(message, 'QV_INVALID_FILTER');
  }
}

/**
 * insert of a primary key that the collection already holds (or twice in one batch). `keys`
 * lists them (at most 16); nothing was written. Use upsert to replace rows.
 */
export class DuplicateKeyError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly keys: (string | number | bigint)[],
  ) {
    super(message, 'QV_DUPLICATE_KEY');
  }
}

/** search, query, get or count on a collection that is not loaded (see loadCollection). */
export class NotLoadedError extends QuiverError {
  constructor(message: string) {
    super('QV_NOT_LOADED', message);
  }
}

/** A Milvus feature QuiverDB does not have (yet); the message says which. */
export class UnsupportedError extends QuiverError {
  constructor(message: string) {
    super('QV_UNSUPPORTED', message);
  }
}

/** A read waited longer than common.readTimeout for its consistency level (the log is behind). */
export class TimeoutError extends QuiverError {
  constructor(message: string) {
    super('QV_TIMEOUT', message);
  }
}

/** A fault inside QuiverDB (including running out of memory); please report it. */
export class InternalError extends QuiverError {
  constructor(message: string) {
    super('QV_INTERNAL', message);
  }
}

const byCode: Record<string, (message: string) => QuiverError> = {
  QV_INVALID_ARGUMENT: (m) => new InvalidArgumentError(m),
  QV_DIMENSION_MISMATCH: (m) => new DimensionMismatchError(m),
  QV_NON_FINITE: (m) => new NonFiniteValueError(m),
  QV_INVALID_K: (m) => new InvalidKError(m),
  QV_DUPLICATE_ID: (m) => new DuplicateIdError(m),
  QV_NOT_TRAINED: (m) => new NotTrainedError(m),
  QV_TRAINING_TOO_SMALL: (m) => new TrainingSetTooSmallError(m),
  QV_INVALID_FILE: (m) => new InvalidFileError(m),
  QV_VERSION_MISMATCH: (m) => new VersionMismatchError(m),
  QV_IO: (m) => new IoError(m),
  QV_TOPIC_NOT_FOUND: (m) => new TopicNotFoundError(m),
  QV_TOPIC_EXISTS: (m) => new TopicExistsError(m),
  QV_INVALID_TOPIC: (m) => new InvalidTopicError(m),
  QV_PAYLOAD_TOO_LARGE: (m) => new PayloadTooLargeError(m),
  QV_GROUP_NOT_FOUND: (m) => new GroupNotFoundError(m),
  QV_CLOSED: (m) => new ClosedError(m),
  QV_STORAGE: (m) => new StorageError(m),
  QV_LOCKED: (m) => new DatabaseLockedError(m, null),
  QV_INTERNAL: (m) => new InternalError(m),
};

/** Turns an error from the addon (a plain Error with a `code`) into its typed class. */
export function fromNative(error: unknown): unknown {
  if (error instanceof QuiverError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const make = typeof code === 'string' ? byCode[code] : undefined;
  return make ? make(error.message) : error;
}

/** Runs a call into the addon, rethrowing its errors as typed ones. */
export async function native<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromNative(error);
  }
}

/** The classes byCode does not make, from a message and the error's own fields (for errors that crossed a wire). */
const fromWire: Partial<Record<ErrorCode, (message: string, detail: Record<string, unknown>) => QuiverError>> = {
  QV_FOREIGN_MESSAGE_ID: (m) => new ForeignMessageIdError(m),
  QV_NATS_SERVER: (m, d) => new NatsServerError(m, d.reason as NatsServerError['reason']),
  QV_BROKER_UNAVAILABLE: (m) => new BrokerUnavailableError(m),
  QV_UNREACHABLE: (m) => new ServerUnreachableError(m),
  QV_UNAUTHENTICATED: (m) => new AuthenticationError(m),
  QV_NATIVE_LOAD: (m) => new NativeLoadError(m),
  QV_LOCKED: (m, d) => new DatabaseLockedError(m, (d.holder ?? null) as DatabaseLockedError['holder']),
  QV_INDEX_NOT_FOUND: (m) => new IndexNotFoundError(m),
  QV_COLLECTION_NOT_FOUND: (m) => new CollectionNotFoundError(m),
  QV_COLLECTION_EXISTS: (m) => new CollectionExistsError(m),
  QV_ALIAS_NOT_FOUND: (m) => new AliasNotFoundError(m),
  QV_ALIAS_EXISTS: (m) => new AliasExistsError(m),
  QV_PARTITION_NOT_FOUND: (m) => new PartitionNotFoundError(m),
  QV_PARTITION_EXISTS: (m) => new PartitionExistsError(m),
  QV_INVALID_SCHEMA: (m, d) => new SchemaError(m, d.field as string | undefined),
  QV_INVALID_ROW: (m, d) => new RowError(m, d.row as number, d.field as string),
  QV_INVALID_FILTER: (m, d) => new FilterError(m, d.position as number, (d.expected as string[] | undefined) ?? []),
  QV_DUPLICATE_KEY: (m, d) => new DuplicateKeyError(m, (d.keys as (string | number | bigint)[] | undefined) ?? []),
  QV_NOT_LOADED: (m) => new NotLoadedError(m),
  QV_UNSUPPORTED: (m) => new UnsupportedError(m),
  QV_TIMEOUT: (m) => new TimeoutError(m),
};

/** The QuiverError a remote server answered with: the same class and fields (an unknown code: InternalError). */
export function errorFromWire(code: string, message: string, detail: Record<string, unknown>): QuiverError {
  const make = fromWire[code as ErrorCode] ?? byCode[code];
  return make ? make(message, detail) : new InternalError(`${code}: ${message}`);
}
