/**
 * Result types where the SDK's shapes depend on the request: a search of one vector gets
 * one list of hits, a search of several gets a list per vector (as MilvusClient types it).
 */
import type { Status } from '../roles/proxy/responses.js';

export type VectorData = number[] | Float32Array;

/** One hit: the primary key (a string, Int64 in decimal), the score, and the output fields. */
export interface SearchHit {
  id: string;
  /** L2: squared distance (smaller is better); IP: inner product; COSINE: cosine similarity. */
  score: number;
  // biome-ignore lint/suspicious/noExplicitAny: output fields of any type, as in the SDK
  [field: string]: any;
}

export type SearchResultsOf<T> = T extends { data: VectorData } | { vector: VectorData }
  ? SearchHit[]
  : T extends { data: VectorData[] } | { vectors: VectorData[] }
    ? SearchHit[][]
    : SearchHit[];

export interface SearchResponse<T> {
  status: Status;
  results: SearchResultsOf<T>;
  recalls: number[];
  session_ts: number;
  collection_name: string;
}
