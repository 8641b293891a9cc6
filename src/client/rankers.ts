/** Rerankers for hybridSearch, in the official SDK's shapes (its own RRFRanker and WeightedRanker work too). */

/** Reciprocal rank fusion: a row scores Σ 1/(k + rank) over the lists it is in. */
export function RRFRanker(k = 60): { strategy: 'rrf'; params: { k: number } } {
  return { strategy: 'rrf', params: { k } };
}

/** A weighted sum of each list's scores (mapped into [0, 1]), one weight from 0 to 1 per search. */
export function WeightedRanker(weights: number[]): { strategy: 'weighted'; params: { weights: number[] } } {
  return { strategy: 'weighted', params: { weights } };
}
