import { InvalidArgumentError } from '../errors.js';

/** Distance metrics, named as Milvus names them. */
export type Metric = 'L2' | 'IP' | 'COSINE';

export const METRICS: readonly Metric[] = ['L2', 'IP', 'COSINE'];

/** Accepts any letter case ('cosine' → 'COSINE'). */
export function parseMetric(value: unknown): Metric {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (!METRICS.includes(upper as Metric)) {
    throw new InvalidArgumentError(`metric must be one of ${METRICS.join(', ')}, got ${String(value)}`);
  }
  return upper as Metric;
}
