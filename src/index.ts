export {
  DimensionMismatchError,
  DuplicateIdError,
  type ErrorCode,
  InternalError,
  InvalidArgumentError,
  InvalidFileError,
  InvalidKError,
  IoError,
  NativeLoadError,
  NonFiniteValueError,
  NotTrainedError,
  QuiverError,
  TrainingSetTooSmallError,
  VersionMismatchError,
} from './errors.js';
export { FlatIndex, type FlatIndexOptions, type SearchOptions } from './flat-index.js';
export { IvfIndex, type IvfIndexOptions, type IvfSearchOptions, type IvfType, type ProgressOptions } from './ivf-index.js';
export { type Metric } from './metric.js';
export { type Hits, SearchResults } from './results.js';
export { getThreads, mergeResults, setThreads, simd, versions } from './runtime.js';
export { type IdsInput, MAX_K, type VectorsInput } from './vectors.js';
