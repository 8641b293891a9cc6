import { InvalidArgumentError } from '../errors.js';
import { loadNative } from './load.js';

/**
 * Sets how many native threads run searches and index work (default: one per core the
 * process may run on, or QUIVERDB_THREADS). Takes effect for work that starts afterwards.
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
