/**
 * Giving freed memory back to the system. A segment's worth of log messages passes through
 * the process as large blocks (read natively, then as JavaScript buffers); once freed, glibc
 * keeps them in its arenas, and the process stays that much bigger. After a flush the data
 * node asks for a trim now and after each of the next few full garbage collections, which
 * is when V8 lets go of the buffers.
 */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

import { loadNative } from './load.js';

const TRIMS_AFTER_GC = 3;
let trimsLeft = 0;
let observer: PerformanceObserver | undefined;

function isMajor(entry: PerformanceEntry): boolean {
  return (entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
}

export async function releaseMemory(): Promise<void> {
  await loadNative().trimMemory();
  trimsLeft = TRIMS_AFTER_GC;
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isMajor)) return;
    if (--trimsLeft <= 0) {
      observer?.disconnect();
      observer = undefined;
    }
    void loadNative()
      .trimMemory()
      .catch(() => {});
  });
  observer.observe({ entryTypes: ['gc'] });
}
