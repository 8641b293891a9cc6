// The benchmark datasets: real ones from ../shared/data (or --data DIR) and seeded
// synthetic ones generated in code.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dataDir, readFvecs, readIvecs, ungzipped } from '../../src/datasets.js';

export interface Dataset {
  name: string;
  dim: number;
  count: number;
  base: Float32Array;
  queries: Float32Array;
  queryCount: number;
  /** Exact top-100 ids per query, when the dataset ships them. */
  truth?: { k: number; ids: Int32Array };
}

export const root = fileURLToPath(new URL('../..', import.meta.url));

export async function texmex(name: string, folder: string, dir = dataDir(root)): Promise<Dataset> {
  const path = join(dir, folder);
  const cache = join(root, 'bench', '.cache', folder);
  const base = readFvecs(await ungzipped(join(path, 'base.fvecs'), cache));
  const queries = readFvecs(await ungzipped(join(path, 'query.fvecs'), cache));
  const truth = readIvecs(await ungzipped(join(path, 'groundtruth.ivecs'), cache));
  return {
    name,
    dim: base.dim,
    count: base.count,
    base: base.data,
    queries: queries.data,
    queryCount: queries.count,
    truth: { k: truth.dim, ids: truth.data },
  };
}

/** Seeded Gaussian clusters (a mixture of `clusters` centres), the same on every run. */
export function synthetic(name: string, count: number, dim: number, queryCount: number, seed = 42, clusters = 256): Dataset {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = gaussian() * 4;
  const draw = (n: number) => {
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(uniform() * clusters);
      for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c * dim + d] + gaussian();
    }
    return out;
  };
  return { name, dim, count, base: draw(count), queries: draw(queryCount), queryCount };
}

export function query(ds: Dataset, i: number): Float32Array {
  return ds.queries.subarray(i * ds.dim, (i + 1) * ds.dim);
}
