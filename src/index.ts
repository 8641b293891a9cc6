export { QuiverDB, type OpenOptions } from './client/embedded.js';
export type { SearchHit, SearchResponse } from './client/types.js';
export { DataType } from './schema/data-type.js';
export { describeKeys } from './config/config.js';
export {
  CollectionExistsError,
  CollectionNotFoundError,
  DatabaseLockedError,
  DuplicateKeyError,
  NotLoadedError,
  PartitionExistsError,
  PartitionNotFoundError,
  RowError,
  SchemaError,
  TimeoutError,
  UnsupportedError,
  DimensionMismatchError,
  DuplicateIdError,
  type ErrorCode,
  InternalError,
  ClosedError,
  ForeignMessageIdError,
  GroupNotFoundError,
  InvalidArgumentError,
  InvalidFileError,
  InvalidTopicError,
  InvalidKError,
  IoError,
  NativeLoadError,
  NatsServerError,
  BrokerUnavailableError,
  NonFiniteValueError,
  NotTrainedError,
  PayloadTooLargeError,
  QuiverError,
  StorageError,
  TopicExistsError,
  TopicNotFoundError,
  TrainingSetTooSmallError,
  VersionMismatchError,
} from './errors.js';
export { FlatIndex, type FlatIndexOptions, type SearchOptions } from './indexes/flat-index.js';
export { IvfIndex, type IvfIndexOptions, type IvfSearchOptions, type IvfType, type ProgressOptions } from './indexes/ivf-index.js';
export type { Metric } from './indexes/metric.js';
export { type Hits, mergeResults, SearchResults } from './indexes/results.js';
export { getThreads, setThreads, simd, versions } from './native/runtime.js';
export { type IdsInput, MAX_K, type VectorsInput } from './indexes/vectors.js';
export {
  type Consumer,
  type LogBroker,
  type Message,
  MessageId,
  type Payload,
  type Producer,
  type Reader,
  type ReceiveOptions,
  type StartPosition,
  type TopicOptions,
  type TopicStats,
} from './mq/broker.js';
export { RocksMq, type RocksMqOptions } from './mq/rocksmq/rocksmq.js';
export { NatsServer, type NatsServerOptions } from './mq/natsmq/server.js';
export { NatsMq, type NatsMqOptions } from './mq/natsmq/natsmq.js';
export { type LogLine, openLogBroker } from './mq/open-broker.js';
