/**
 * Progress of a long command on stderr. On a terminal, one line redrawn in place (at most ten
 * times a second): a bar, the share done, rows, rows per second and the time left. Elsewhere
 * (a log file, CI), a plain line at every tenth of the way, and nothing redrawn.
 */
const WIDTH = 24;
const REDRAW_MS = 100;

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export class Progress {
  readonly #started = performance.now();
  #drawnAt = 0;
  #tenths = 0;

  constructor(
    /** What is being done, e.g. "import docs". */
    private readonly label: string,
    /** The amount of work (bytes of the file): the share done is done / total. */
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  /** `done` of `total` so far, `rows` of them handed over. Reading runs ahead of the work: 100% is finish()'s. */
  update(done: number, rows: number): void {
    const share = this.total > 0 ? Math.min(0.99, done / this.total) : 0;
    if (this.stream.isTTY) {
      const now = performance.now();
      if (now - this.#drawnAt < REDRAW_MS) return;
      this.#drawnAt = now;
      this.stream.write(`\r${this.#line(share, rows)}\u001b[K`);
      return;
    }
    const tenths = Math.floor(share * 10);
    if (tenths <= this.#tenths) return;
    this.#tenths = tenths;
    this.stream.write(`${this.label}: ${this.#status(share, rows)}\n`);
  }

  /** Ends the progress display at 100% (on a terminal, the line is kept, followed by a new line). */
  finish(rows: number): void {
    if (this.stream.isTTY) this.stream.write(`\r${this.#line(1, rows)}\u001b[K\n`);
    else this.stream.write(`${this.label}: ${this.#status(1, rows)}\n`);
  }

  #line(share: number, rows: number): string {
    const filled = Math.round(share * WIDTH);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${this.#status(share, rows)}`;
  }

  #status(share: number, rows: number): string {
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = seconds > 0 ? rows / seconds : 0;
    const left = share > 0 && share < 1 ? `, ${Math.ceil((seconds * (1 - share)) / share)} s left` : '';
    return `${Math.floor(share * 100)}% ${count(rows)} rows, ${count(rate)} rows/s${left}`;
  }
}
