export { type OpenOptions, QuiverDB } from './client/embedded.js';
export { RRFRanker, WeightedRanker } from './client/rankers.js';
export type { SearchHit, SearchResponse } from './client/types.js';
export { describeKeys } from './config/config.js';
export {
  AliasExistsError,
  AliasNotFoundError,
  AuthenticationError,
  BrokerUnavailableError,
  ClosedError,
  CollectionExistsError,
  CollectionNotFoundError,
  DatabaseLockedError,
  DimensionMismatchError,
  DuplicateIdError,
  DuplicateKeyError,
  type ErrorCode,
  FilterError,
  ForeignMessageIdError,
  GroupNotFoundError,
  IndexNotFoundError,
  InternalError,
  InvalidArgumentError,
  InvalidFileError,
  InvalidKError,
  InvalidTopicError,
  IoError,
  NativeLoadError,
  NatsServerError,
  NonFiniteValueError,
  NotLoadedError,
  NotTrainedError,
  PartitionExistsError,
  PartitionNotFoundError,
  PayloadTooLargeError,
  QuiverError,
  RowError,
  SchemaError,
  ServerUnreachableError,
  StorageError,
  TimeoutError,
  TopicExistsError,
  TopicNotFoundError,
  TrainingSetTooSmallError,
  UnsupportedError,
  VersionMismatchError,
} from './errors.js';
export { FlatIndex, type FlatIndexOptions, type SearchOptions } from './indexes/flat-index.js';
export { IvfIndex, type IvfIndexOptions, type IvfSearchOptions, type IvfType, type ProgressOptions } from './indexes/ivf-index.js';
export type { Metric } from './indexes/metric.js';
export { type Hits, mergeResults, SearchResults } from './indexes/results.js';
export type { VectorIndex } from './indexes/vector-index.js';
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
export { NatsMq, type NatsMqOptions } from './mq/natsmq/natsmq.js';
export { NatsServer, type NatsServerOptions } from './mq/natsmq/server.js';
export { type LogLine, openLogBroker } from './mq/open-broker.js';
export { RocksMq, type RocksMqOptions } from './mq/rocksmq/rocksmq.js';
export { getThreads, setThreads, simd, versions } from './native/runtime.js';
export { DataType } from './schema/data-type.js';
