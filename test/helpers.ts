// Shared by the test files: paths, seeded data, bitsets and child processes.
import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Seeded uniform numbers in [0, 1) (mulberry32): the same sequence on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded uniform values in [-1, 1): the same data on every run. */
export function randomVectors(count: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = random() * 2 - 1;
  return out;
}

export function sequentialIds(count: number, start = 0): BigInt64Array {
  return BigInt64Array.from({ length: count }, (_, i) => BigInt(start + i));
}

/** A bitset over `rows` rows with the given rows set. */
export function bitset(rows: number, set: (row: number) => boolean): Uint8Array {
  const bits = new Uint8Array(Math.ceil(rows / 8));
  for (let r = 0; r < rows; r++) if (set(r)) bits[r >> 3] |= 1 << (r & 7);
  return bits;
}

/** Brute force in double precision, ties by smaller id: the expected ranking. */
export function bruteForce(
  base: Float32Array,
  ids: BigInt64Array,
  query: Float32Array,
  k: number,
  metric: 'L2' | 'IP' | 'COSINE',
  skip: (row: number) => boolean = () => false,
): bigint[] {
  const dim = query.length;
  const scored: [number, bigint][] = [];
  for (let r = 0; r < ids.length; r++) {
    if (skip(r)) continue;
    let s = 0;
    let xx = 0;
    let qq = 0;
    for (let d = 0; d < dim; d++) {
      const x = base[r * dim + d];
      const q = query[d];
      s += metric === 'L2' ? (x - q) * (x - q) : x * q;
      xx += x * x;
      qq += q * q;
    }
    if (metric === 'COSINE') s /= Math.sqrt(xx * qq);
    scored.push([metric === 'L2' ? s : -s, ids[r]]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return scored.slice(0, k).map(([, id]) => id);
}

/** Runs node with the given arguments and returns its standard output. */
export function runNode(args: string[], options: ExecFileSyncOptions = {}): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }) as string;
}
