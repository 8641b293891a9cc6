/**
 * Readers for the texmex vector formats the ANN benchmarks use: .fvecs (per vector an
 * int32 dimension then that many float32) and .ivecs (the same with int32), little-endian.
 * Gzipped files are unpacked once into a cache folder.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { InvalidArgumentError } from './errors.js';

export interface VectorFile<T extends Float32Array | Int32Array> {
  count: number;
  dim: number;
  /** count x dim values, row-major. */
  data: T;
}

function readVecs<T extends Float32Array | Int32Array>(path: string, make: (b: ArrayBuffer, o: number, n: number) => T): VectorFile<T> {
  const bytes = readFileSync(path);
  if (bytes.length < 4) throw new InvalidArgumentError(`${path} is empty`);
  const dim = bytes.readInt32LE(0);
  const rowBytes = 4 + 4 * dim;
  if (dim <= 0 || bytes.length % rowBytes !== 0) throw new InvalidArgumentError(`${path} is not a texmex vector file`);
  const count = bytes.length / rowBytes;
  const data = make(new ArrayBuffer(count * dim * 4), 0, count * dim);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    if (view.getInt32(i * rowBytes, true) !== dim) throw new InvalidArgumentError(`${path}: row ${i} has another dimension`);
    data.set(make(bytes.buffer.slice(bytes.byteOffset + i * rowBytes + 4, bytes.byteOffset + (i + 1) * rowBytes), 0, dim), i * dim);
  }
  return { count, dim, data };
}

export function readFvecs(path: string): VectorFile<Float32Array> {
  return readVecs(path, (b, o, n) => new Float32Array(b, o, n));
}

export function readIvecs(path: string): VectorFile<Int32Array> {
  return readVecs(path, (b, o, n) => new Int32Array(b, o, n));
}

/** The path of `file`, gunzipping `file`.gz into `cacheDir` first when only that exists. */
export async function ungzipped(file: string, cacheDir: string): Promise<string> {
  if (existsSync(file)) return file;
  const gz = `${file}.gz`;
  if (!existsSync(gz)) throw new InvalidArgumentError(`neither ${file} nor ${gz} exists`);
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, basename(file));
  if (!existsSync(out)) {
    const partial = `${out}.partial-${process.pid}`;
    await pipeline(createReadStream(gz), createGunzip(), createWriteStream(partial));
    renameSync(partial, out);
  }
  return out;
}

/**
 * recall@k of results against ground truth: |found ∩ truth[:k]| / k, averaged over queries.
 * `found` holds foundK ids per query; `truth` holds truth.dim ids per query, best first.
 */
export function recallAtK(found: ArrayLike<bigint | number>, foundK: number, truth: { dim: number; data: ArrayLike<number> }, k: number): number {
  const nq = found.length / foundK;
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const want = new Set<number>();
    for (let i = 0; i < k; i++) want.add(truth.data[q * truth.dim + i]);
    for (let i = 0; i < k; i++) if (want.has(Number(found[q * foundK + i]))) hits++;
  }
  return hits / (nq * k);
}

/** The shared datasets folder: QUIVERDB_DATA, or ../shared/data beside the checkout. */
export function dataDir(root: string): string {
  return process.env.QUIVERDB_DATA ?? join(root, '..', 'shared', 'data');
}
