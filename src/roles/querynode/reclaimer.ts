/**
 * Native memory given back as soon as nothing can use it. The query node retires what it
 * stops using (the segments of a released or dropped collection or partition, those that
 * compaction replaced, an index another replaced), and each is closed once every task that
 * began before it was retired has ended: reads, and the query node's own work on the log and
 * on indexes. A task that begins later cannot reach it. Left to the garbage collector, that
 * memory came back only when V8 collected the small JavaScript objects holding it, which an
 * idle process may not do for a long time.
 */
export class Reclaimer {
  /** Grows by one at each retirement: a task's epoch is the count when it began. */
  #epoch = 0;
  /** Tasks running, per epoch; in ascending order of epoch, since epochs only grow. */
  readonly #tasks = new Map<number, number>();
  readonly #retired: { epoch: number; close: () => void }[] = [];

  constructor(
    /** Called after closing some: the allocator may give the memory back to the system now. */
    private readonly closed: () => void = () => {},
  ) {}

  /** A task begins: nothing retired from now on is closed before end(epoch). */
  begin(): number {
    const epoch = this.#epoch;
    this.#tasks.set(epoch, (this.#tasks.get(epoch) ?? 0) + 1);
    return epoch;
  }

  end(epoch: number): void {
    const left = (this.#tasks.get(epoch) ?? 1) - 1;
    if (left > 0) {
      this.#tasks.set(epoch, left);
      return;
    }
    this.#tasks.delete(epoch);
    this.#sweep();
  }

  /** Runs `task` between begin() and end(). */
  async during<T>(task: () => Promise<T>): Promise<T> {
    const epoch = this.begin();
    try {
      return await task();
    } finally {
      this.end(epoch);
    }
  }

  /** `close` runs once no task that began before now is running (at once when none is). */
  retire(close: () => void): void {
    this.#retired.push({ epoch: this.#epoch, close });
    this.#epoch++;
    this.#sweep();
  }

  /** Things retired and not closed yet. */
  get pending(): number {
    return this.#retired.length;
  }

  #sweep(): void {
    if (this.#retired.length === 0) return;
    const oldest = this.#tasks.size > 0 ? (this.#tasks.keys().next().value as number) : Number.POSITIVE_INFINITY;
    let closed = 0;
    while (this.#retired.length > 0 && this.#retired[0].epoch < oldest) {
      const { close } = this.#retired.shift() as { close: () => void };
      try {
        close();
      } catch {
        // Closing only lets go of memory: nothing to report, and the next ones still close.
      }
      closed++;
    }
    if (closed > 0) this.closed();
  }
}
