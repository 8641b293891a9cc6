/**
 * Which index a sealed segment gets, in Milvus's vocabulary. The proxy checks createIndex
 * with it, the index node builds by it, the query node picks search defaults from it.
 *
 * AUTOINDEX: a segment under 100,000 rows is searched exactly (a scan of it costs about as
 * much as probing an index, and misses nothing); a larger one gets IVF_FLAT with nlist the
 * power of two nearest 4 × √rows (64 to 4,096), searched with nprobe = nlist / 32 (at least 8)
 * unless the search names one. Explicit IVF types are built for segments of at least
 * 1,024 rows and 4 × nlist rows (256 for IVF_PQ's codebooks); smaller ones stay exact.
 * Milvus's other vector index types (HNSW, DISKANN, SCANN, ...) are accepted, as Milvus Lite
 * accepts them, and built as AUTOINDEX; describeIndex shows the type that was asked for.
 */
import { InvalidArgumentError } from '../errors.js';
import type { IndexInfo } from '../meta/catalog.js';
import type { IvfType } from './ivf-index.js';

export const VECTOR_INDEX_TYPES = ['FLAT', 'IVF_FLAT', 'IVF_SQ8', 'IVF_PQ', 'AUTOINDEX'] as const;
export type VectorIndexType = (typeof VECTOR_INDEX_TYPES)[number];

/** Milvus vector index types QuiverDB does not build: accepted, and built as AUTOINDEX. */
const AS_AUTOINDEX = ['HNSW', 'HNSW_SQ', 'HNSW_PQ', 'HNSW_PRQ', 'DISKANN', 'SCANN', 'IVF_RABITQ', 'GPU_CAGRA', 'GPU_IVF_FLAT', 'GPU_IVF_PQ', 'GPU_BRUTE_FORCE'];

const AUTO_EXACT_BELOW = 100_000;
const MIN_INDEXED_ROWS = 1024;
const DEFAULT_NLIST = 128;
const DEFAULT_NPROBE = 8;
const MAX_NLIST = 65_536;
/** Scans every list of any index. */
export const MAX_NPROBE = MAX_NLIST;

/** What the index node builds for one segment. */
export interface SegmentBuild {
  type: IvfType;
  nlist: number;
  m?: number;
}

function positiveInt(value: unknown, name: string, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw new InvalidArgumentError(`params.${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** IVF_PQ's default m: a quarter of the dimensions if that divides them, else the largest divisor at most that. */
function defaultM(dim: number): number {
  for (let m = Math.max(1, Math.floor(dim / 4)); m > 1; m--) if (dim % m === 0) return m;
  return 1;
}

/** A createIndex's type and params for a vector field of `dim` dimensions, checked; returns what the catalog records. */
export function checkVectorIndex(indexType: unknown, params: unknown, dim: number): { index_type: string; params: Record<string, unknown> } {
  const type = String(indexType ?? 'AUTOINDEX').toUpperCase() as VectorIndexType;
  if (AS_AUTOINDEX.includes(type)) return { index_type: type, params: {} };
  if (!VECTOR_INDEX_TYPES.includes(type)) {
    throw new InvalidArgumentError(
      `index_type must be one of ${VECTOR_INDEX_TYPES.join(', ')} (or a Milvus type built as AUTOINDEX: ${AS_AUTOINDEX.join(', ')}), got ${JSON.stringify(indexType)}`,
    );
  }
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw new InvalidArgumentError('params must be an object of index parameters');
  }
  const given = (params ?? {}) as Record<string, unknown>;
  if (type === 'FLAT' || type === 'AUTOINDEX') return { index_type: type, params: {} };
  const out: Record<string, unknown> = { nlist: given.nlist === undefined ? DEFAULT_NLIST : positiveInt(given.nlist, 'nlist', MAX_NLIST) };
  if (type === 'IVF_PQ') {
    const m = given.m === undefined ? defaultM(dim) : positiveInt(given.m, 'm', dim);
    if (dim % m !== 0) throw new InvalidArgumentError(`params.m (${m}) must divide the field's dimension (${dim})`);
    if (given.nbits !== undefined && Number(given.nbits) !== 8) throw new InvalidArgumentError(`params.nbits must be 8, got ${JSON.stringify(given.nbits)}`);
    out.m = m;
    out.nbits = 8;
  }
  return { index_type: type, params: out };
}

function nearestPowerOfTwo(x: number): number {
  return 2 ** Math.round(Math.log2(x));
}

/** What a sealed segment of `rows` rows gets under this index, or undefined: it is searched exactly. */
export function segmentBuild(index: IndexInfo, rows: number): SegmentBuild | undefined {
  if (index.dropped) return undefined;
  switch (AS_AUTOINDEX.includes(index.index_type) ? 'AUTOINDEX' : index.index_type) {
    case 'AUTOINDEX':
      if (rows < AUTO_EXACT_BELOW) return undefined;
      return { type: 'IVF_FLAT', nlist: Math.min(4096, Math.max(64, nearestPowerOfTwo(4 * Math.sqrt(rows)))) };
    case 'IVF_FLAT':
    case 'IVF_SQ8':
    case 'IVF_PQ': {
      const type = index.index_type as IvfType;
      const nlist = Number(index.params.nlist ?? DEFAULT_NLIST);
      const needed = Math.max(MIN_INDEXED_ROWS, 4 * nlist, type === 'IVF_PQ' ? 256 : 0);
      if (rows < needed) return undefined;
      return { type, nlist, ...(type === 'IVF_PQ' ? { m: Number(index.params.m) } : {}) };
    }
    default:
      return undefined;
  }
}

/** nprobe for a search that names none, over segments whose largest nlist is this. */
export function defaultNprobe(index: IndexInfo, nlist: number): number {
  return index.index_type === 'AUTOINDEX' || AS_AUTOINDEX.includes(index.index_type) ? Math.max(DEFAULT_NPROBE, Math.round(nlist / 32)) : DEFAULT_NPROBE;
}
