/**
 * The MetaStore: the database's catalog and the roles' shared state, as string keys and JSON
 * values. One of the three seams a cluster will swap (a NATS KV bucket later); today it is
 * RocksDB under the data folder, where every write is atomic and synced.
 */
import { native } from '../errors.js';
import type { NativeMetaStore } from '../native/binding.js';
import { loadNative } from '../native/load.js';

export interface MetaStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Every value whose key starts with prefix, in key order. */
  scan<T>(prefix: string): Promise<T[]>;
  /** The same as key-value pairs, read at one point in time. */
  entries(prefix: string): Promise<[string, unknown][]>;
  /** Puts, then deletes, atomically; resolves once durable. */
  write(puts: Record<string, unknown>, deletes?: string[]): Promise<void>;
  close(): Promise<void>;
}

export class RocksDbMetaStore implements MetaStore {
  readonly #store: NativeMetaStore;

  private constructor(store: NativeMetaStore) {
    this.#store = store;
  }

  /** Opens (or creates) the store at path; QV_LOCKED if another process holds it. */
  static async open(path: string): Promise<RocksDbMetaStore> {
    return new RocksDbMetaStore(await native(() => loadNative().MetaStore.open(path)));
  }

  async get<T>(key: string): Promise<T | undefined> {
    const value = await native(() => this.#store.get(key));
    return value === null ? undefined : (JSON.parse(value) as T);
  }

  async scan<T>(prefix: string): Promise<T[]> {
    return (await this.entries(prefix)).map(([, value]) => value as T);
  }

  async entries(prefix: string): Promise<[string, unknown][]> {
    const entries = await native(() => this.#store.scan(prefix));
    return entries.map(([key, value]) => [key, JSON.parse(value)]);
  }

  async write(puts: Record<string, unknown>, deletes: string[] = []): Promise<void> {
    const entries = Object.entries(puts).map(([key, value]) => [key, JSON.stringify(value)] as [string, string]);
    await native(() => this.#store.write(entries, deletes));
  }

  async close(): Promise<void> {
    await native(() => this.#store.close());
  }
}
