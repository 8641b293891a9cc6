// Shared by the database tests: a temporary folder per file, an opened database, and
// seeded rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

import { DataType, QuiverDB } from '../../src/index.js';
import { randomVectors } from '../helpers.js';

/** A fresh folder under the system's temp folder, removed when the test file ends. */
export function workFolder(name: string): (sub: string) => string {
  const work = mkdtempSync(join(tmpdir(), `quiverdb-${name}-`));
  after(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;
  return (sub: string) => join(work, `${sub}-${n++}`);
}

/** Opens a database and closes it when the test file ends. */
export async function openDb(dir: string, config?: Record<string, unknown>): Promise<QuiverDB> {
  const db = await QuiverDB.open(dir, config);
  after(() => db.close());
  return db;
}

export const DIM = 8;

/** id Int64 key, vector, an Int32, a VarChar, a Float, and the dynamic field. */
export function docsSchema(name: string, metric = 'L2', extra: Record<string, unknown> = {}) {
  return {
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
      { name: 'n', data_type: DataType.Int32 },
      { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      { name: 'price', data_type: DataType.Float },
    ],
    index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: metric }],
    enable_dynamic_field: true,
    ...extra,
  };
}

export interface Doc {
  id: number;
  vector: number[];
  n: number;
  tag: string;
  price: number;
}

/** count rows with ids from `start`, seeded vectors. */
export function docs(count: number, start = 0, seed = 1): Doc[] {
  const vectors = randomVectors(count, DIM, seed + start);
  return Array.from({ length: count }, (_, i) => ({
    id: start + i,
    vector: Array.from(vectors.subarray(i * DIM, i * DIM + DIM)),
    n: (start + i) % 10,
    tag: `t${(start + i) % 3}`,
    price: (start + i) / 4,
  }));
}

/** Brute force over rows, ties by the smaller id: the expected ids of a search. */
export function expectedIds(rows: Doc[], query: number[], k: number, metric: 'L2' | 'IP' | 'COSINE'): string[] {
  const scored = rows.map((row) => {
    let s = 0;
    let xx = 0;
    let qq = 0;
    for (let d = 0; d < query.length; d++) {
      const x = Math.fround(row.vector[d]);
      const q = Math.fround(query[d]);
      s += metric === 'L2' ? (x - q) * (x - q) : x * q;
      xx += x * x;
      qq += q * q;
    }
    if (metric === 'COSINE') s /= Math.sqrt(xx * qq);
    return { id: row.id, score: metric === 'L2' ? s : -s };
  });
  scored.sort((a, b) => a.score - b.score || a.id - b.id);
  return scored.slice(0, k).map((s) => String(s.id));
}
