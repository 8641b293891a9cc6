import { InvalidArgumentError, native } from './errors.js';
import { loadNative } from './native.js';
import { SearchResults } from './results.js';
import { checkK } from './vectors.js';

/**
 * Sets how many native threads run searches and index work (default: one per core, or
 * QUIVERDB_THREADS). Takes effect for work that starts afterwards.
 */
export function setThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new InvalidArgumentError(`threads must be an integer from 1 to 1024, got ${threads}`);
  }
  loadNative().setThreads(threads);
}

export function getThreads(): number {
  return loadNative().getThreads();
}

/** The SIMD kernels in use and every variant this CPU supports. */
export function simd(): { active: string; supported: string[] } {
  return loadNative().simd();
}

/** Versions of the native parts. */
export function versions(): { napi: number; rocksdb: string } {
  return loadNative().versions();
}

/**
 * Merges the results of the same queries over several indexes (segments) into the k best
 * per query, each id once (its best hit), ties by the smaller id.
 */
export async function mergeResults(parts: readonly SearchResults[], k: number): Promise<SearchResults> {
  checkK(k);
  if (parts.length === 0) throw new InvalidArgumentError('mergeResults needs at least one result');
  const { metric, nq } = parts[0];
  for (const part of parts) {
    if (!(part instanceof SearchResults)) throw new InvalidArgumentError('mergeResults takes SearchResults');
    if (part.metric !== metric) throw new InvalidArgumentError('cannot merge results of different metrics');
    if (part.nq !== nq) throw new InvalidArgumentError('cannot merge results of different numbers of queries');
  }
  const raw = await native(() => loadNative().mergeResults(parts.map((p) => p.toNative()), k, metric));
  return new SearchResults(raw, metric);
}
