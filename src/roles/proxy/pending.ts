/**
 * Writes of a collection that the query node may not have applied yet, and the range of
 * keys each touched. Checking a batch's keys for uniqueness then asks the query node what it
 * has applied now, without waiting, unless the batch's keys overlap those of such a write,
 * or the query node has not caught up with the log once since it loaded the collection:
 * only then does the check wait for the log's end (Strong). The proxy is the collection's
 * only writer, so what it has not seen applied is all here. Ranges, not sets: a bulk load's
 * batches of increasing keys never overlap, and a range costs nothing to keep.
 */
import type { Key, QueryService } from '../query-service.js';

interface Range {
  low: Key;
  high: Key;
}

function rangeOf(keys: Key[]): Range | undefined {
  if (keys.length === 0) return undefined;
  let low = keys[0];
  let high = keys[0];
  for (const key of keys) {
    if (key < low) low = key;
    if (key > high) high = key;
  }
  return { low, high };
}

function overlap(a: Range, b: Range): boolean {
  return !(a.high < b.low || b.high < a.low);
}

export class PendingWrites {
  #load = -1;
  #caughtUp = false;
  /** Per channel, in log order: the last sequence of a write on it, and its keys' range. */
  readonly #queues = new Map<string, { seq: bigint; range: Range }[]>();

  constructor(
    private readonly reads: QueryService,
    private readonly collectionId: number,
  ) {}

  /** The keys of the batch that have a live row. */
  async existing(keys: Key[]): Promise<Set<Key>> {
    const applied = await this.reads.applied(this.collectionId);
    if (applied && applied.load !== this.#load) this.#reset(applied.load);
    if (applied) this.#forgetApplied(applied.channels);
    const range = rangeOf(keys);
    const touched = range !== undefined && [...this.#queues.values()].some((queue) => queue.some((write) => overlap(write.range, range)));
    const strong = !applied || !this.#caughtUp || touched;
    const found = await this.reads.existingKeys(this.collectionId, keys, strong ? 'Strong' : 'Eventually');
    if (strong && applied) {
      // Everything sent before the check is applied now.
      this.#reset(applied.load);
      this.#caughtUp = true;
    }
    return found;
  }

  /** A write's messages on a channel are in the log, up to seq. */
  record(channel: string, seq: bigint, keys: Key[]): void {
    const range = rangeOf(keys);
    if (!range) return;
    const queue = this.#queues.get(channel) ?? [];
    this.#queues.set(channel, queue);
    queue.push({ seq, range });
  }

  #forgetApplied(next: Record<string, bigint>): void {
    for (const [channel, queue] of this.#queues) {
      const applied = next[channel] ?? 0n;
      let done = 0;
      while (done < queue.length && queue[done].seq < applied) done++;
      queue.splice(0, done);
    }
  }

  #reset(load: number): void {
    this.#load = load;
    this.#caughtUp = false;
    this.#queues.clear();
  }
}
