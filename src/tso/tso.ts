/**
 * Hybrid timestamps and ids that never go backwards, also across restarts and clock steps.
 *
 * A timestamp is (milliseconds << 18) + a logical counter, as in Milvus. The oracle persists
 * a window end in the meta store before handing out anything inside it, and starts after
 * the saved end on open; so a restart, or a clock set back, never repeats or reorders a
 * timestamp. Ids (collections, segments, autoID keys) come from a persisted counter the same
 * way.
 */
import type { MetaStore } from '../meta/meta-store.js';

export const LOGICAL_BITS = 18n;
const MAX_LOGICAL = 1n << LOGICAL_BITS;
/** How far ahead of the clock the saved window reaches (Milvus: 3 s). */
const WINDOW_MS = 3000;

export function composeTs(ms: number, logical = 0): bigint {
  return (BigInt(ms) << LOGICAL_BITS) + BigInt(logical);
}

export class Tso {
  #physical = 0;
  #logical = 0n;
  #savedUntil = 0;
  #saving: Promise<void> | undefined;

  private constructor(
    private readonly meta: MetaStore,
    private readonly key: string,
  ) {}

  static async open(meta: MetaStore, key = 'tso'): Promise<Tso> {
    const tso = new Tso(meta, key);
    const saved = (await meta.get<number>(key)) ?? 0;
    // Start past everything a previous process may have handed out.
    tso.#physical = Math.max(Date.now(), saved + 1);
    tso.#savedUntil = saved;
    await tso.#save();
    return tso;
  }

  /** A new timestamp, greater than every one given before. */
  async next(): Promise<bigint> {
    const now = Date.now();
    if (now > this.#physical) {
      this.#physical = now;
      this.#logical = 0n;
    } else if (++this.#logical >= MAX_LOGICAL) {
      this.#physical += 1; // the clock is behind (or stepped back): run ahead of it
      this.#logical = 0n;
    }
    if (this.#physical >= this.#savedUntil) await this.#save();
    else if (this.#physical + WINDOW_MS / 2 >= this.#savedUntil) void this.#save().catch(() => {}); // the next next() retries
    return composeTs(this.#physical, Number(this.#logical));
  }

  async #save(): Promise<void> {
    while (this.#saving) await this.#saving;
    if (this.#physical < this.#savedUntil - WINDOW_MS / 2) return;
    const until = this.#physical + WINDOW_MS;
    this.#saving = this.meta.write({ [this.key]: until }).then(() => {
      this.#savedUntil = until;
    });
    try {
      await this.#saving;
    } finally {
      this.#saving = undefined;
    }
  }
}

/** Ids from a persisted counter: ranges are reserved in the meta store before use. */
export class IdAllocator {
  #next = 0n;
  #reservedUntil = 0n;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly meta: MetaStore,
    private readonly key: string,
    private readonly block: bigint,
  ) {}

  /** `first` is where a new counter starts (autoID keys start at a timestamp, like Milvus's). */
  static async open(meta: MetaStore, key: string, first: bigint, block = 1n << 16n): Promise<IdAllocator> {
    const ids = new IdAllocator(meta, key, block);
    const saved = await meta.get<string>(key);
    ids.#next = saved === undefined ? first : BigInt(saved);
    ids.#reservedUntil = ids.#next;
    return ids;
  }

  /** n consecutive ids; the first is returned. */
  alloc(n: number): Promise<bigint> {
    const result = this.#queue.then(async () => {
      const count = BigInt(n);
      if (this.#next + count > this.#reservedUntil) {
        const until = this.#next + count + this.block;
        await this.meta.write({ [this.key]: until.toString() });
        this.#reservedUntil = until;
      }
      const first = this.#next;
      this.#next += count;
      return first;
    });
    this.#queue = result.catch(() => {});
    return result;
  }
}
