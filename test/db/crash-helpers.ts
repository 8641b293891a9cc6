// The SIGKILL crash test, shared by the recovery and compaction suites: a writer process
// (test/fixtures/db-writer.ts) inserts, upserts, deletes and flushes at random and is
// killed at random moments; then every acknowledged write must be there once, with its
// latest value, and no deleted row.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { DataType, QuiverDB } from '../../src/index.js';
import { root } from '../helpers.js';

type Op = { kind: 'insert' | 'upsert' | 'delete' | 'flush'; ids: number[]; tag: string };

export interface CrashState {
  /** Per key: its value after the last acknowledged write (null: deleted). */
  last: Map<number, string | null>;
  /** Per key: the values of writes cut short after it (either outcome is right). */
  pending: Map<number, (string | null)[]>;
  acknowledged: number;
}

export function spawnTs(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The crash test's collection, with keys 0..999 written before the first kill; `prepare` may add to it (an index). */
export async function createCrashCollection(dir: string, config?: Record<string, unknown>, prepare?: (db: QuiverDB) => Promise<void>): Promise<void> {
  const db = await QuiverDB.open(dir, config);
  await db.createCollection({
    collection_name: 'c',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
    ],
  });
  await db.insert({ collection_name: 'c', data: Array.from({ length: 1000 }, (_, id) => ({ id, tag: 'start', vector: [0, 0, 0, 1] })) });
  await prepare?.(db);
  await db.close();
}

/** Runs the writer `rounds` times, each killed (SIGKILL) after a random 0.1-0.8 s of writing; `mode` is passed to it. */
export async function killWriterAtRandom(dir: string, rounds: number, mode = 'plain'): Promise<CrashState> {
  const state: CrashState = { last: new Map(Array.from({ length: 1000 }, (_, id) => [id, 'start'])), pending: new Map(), acknowledged: 0 };
  const stateAfter = (op: Op) => (op.kind === 'delete' ? null : op.tag);
  for (let round = 1; round <= rounds; round++) {
    const child = spawnTs(join(root, 'test/fixtures/db-writer.ts'), [dir, String(round), String(round * 7919), mode]);
    let buffered = '';
    let begun: Op | undefined;
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        ready = true;
        if (line.startsWith('B ')) begun = JSON.parse(line.slice(2)) as Op;
        else if (line === 'A' && begun) {
          for (const id of begun.ids) {
            state.last.set(id, stateAfter(begun));
            state.pending.delete(id);
          }
          state.acknowledged++;
          begun = undefined;
        }
      }
    });
    const started = Date.now();
    while (!ready && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 700));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    if (begun) for (const id of begun.ids) state.pending.set(id, [...(state.pending.get(id) ?? []), stateAfter(begun)]);
  }
  return state;
}

/** Reopens the database and checks every key against what was acknowledged; returns how many rows were found. */
export async function checkAfterCrashes(dir: string, state: CrashState, config?: Record<string, unknown>): Promise<number> {
  const reopened = await QuiverDB.open(dir, config);
  try {
    // Keys of an insert cut short are in `pending` only: there or not, either is right.
    const keys = [...new Set([...state.last.keys(), ...state.pending.keys()])];
    const found = new Map<number, string>();
    for (let i = 0; i < keys.length; i += 5000) {
      const rows = (await reopened.get({ collection_name: 'c', ids: keys.slice(i, i + 5000), output_fields: ['tag'] })).data;
      for (const row of rows) {
        assert.ok(!found.has(Number(row.id)), `key ${row.id} came back twice`);
        found.set(Number(row.id), row.tag as string);
      }
    }
    for (const id of keys) {
      const allowed = [state.last.get(id) ?? null, ...(state.pending.get(id) ?? [])];
      const got = found.get(id) ?? null;
      assert.ok(allowed.includes(got), `key ${id}: ${JSON.stringify(got)}, expected one of ${JSON.stringify(allowed)}`);
    }
    // Nothing else: the count matches the rows found, and search finds only live keys.
    assert.equal((await reopened.count({ collection_name: 'c' })).data, found.size);
    const hits = (await reopened.search({ collection_name: 'c', data: [0, 0, 0, 1], limit: 100 })).results;
    for (const hit of hits) assert.ok(found.has(Number(hit.id)), `search found ${hit.id}, which get did not`);
    return found.size;
  } finally {
    await reopened.close();
  }
}
