// Timing helpers: every figure is measured here, in this process, on this run.
import { cpus, totalmem } from 'node:os';

/** Calls `run` (one query or one batch per call) until `minSeconds` have passed; returns calls per second. */
export async function rate(run: (i: number) => unknown | Promise<unknown>, calls: number, minSeconds = 1): Promise<number> {
  await run(0); // warm-up: page faults, caches, lazy initialisation
  let done = 0;
  const start = performance.now();
  while (done < calls || performance.now() - start < minSeconds * 1000) {
    await run(done % calls);
    done++;
    if (performance.now() - start > minSeconds * 4000) break;
  }
  return done / ((performance.now() - start) / 1000);
}

/**
 * Queries per second of `run`, which answers every query once per call: the best of three
 * windows of at least 0.3 s, as ann-benchmarks takes the best of its runs, so that a noisy
 * neighbour's burst in one window does not decide a system's figure.
 */
export async function throughput(nq: number, run: () => unknown | Promise<unknown>): Promise<number> {
  await run();
  let best = 0;
  for (let window = 0; window < 3; window++) {
    let calls = 0;
    const start = performance.now();
    do {
      await run();
      calls++;
    } while (performance.now() - start < 300);
    best = Math.max(best, (calls * nq) / ((performance.now() - start) / 1000));
  }
  return best;
}

/**
 * a and b measured in turns, `rounds` times: each round measures a, b, b, a, so that a drift
 * of the machine's speed during the round falls on both alike (measured a, b only, the later
 * of the two gained from a machine speeding up). Returns the median over rounds of each one's
 * mean and of the rounds' ratios a / b.
 */
export async function turns(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number; b: number; ratio: number }> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = await a();
    const second = await b();
    const third = await b();
    as.push((first + (await a())) / 2);
    bs.push((second + third) / 2);
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];
  return { a: median(as), b: median(bs), ratio: median(as.map((x, i) => x / bs[i])) };
}

/**
 * Queries per second of a and b, and their ratio, from turns of about `turnMs` each (a, b, b,
 * a, ...) for `seconds` in all, every turn a whole number of calls. Each figure is over all of
 * its turns. On a shared 2-vCPU VM the speed of a call that hands work to a pool thread changes
 * from one half-second to the next (the scheduler moves the two threads between vCPUs, and a
 * call costs a quarter more when they are apart): turns much shorter than that fall on both
 * alike, where turns of a second or more gave each side a different machine.
 */
export async function alternating(
  nq: number,
  seconds: number,
  a: () => unknown | Promise<unknown>,
  b: () => unknown | Promise<unknown>,
  turnMs = 50,
): Promise<{ a: number; b: number; ratio: number }> {
  const calls = [0, 0];
  const ms = [0, 0];
  await a();
  await b();
  const end = performance.now() + seconds * 1000;
  for (let turn = 0; turn % 4 !== 0 || performance.now() < end; turn++) {
    const side = (turn + (turn >> 1)) & 1; // 0, 1, 1, 0, 0, 1, 1, 0, ...
    const run = side === 0 ? a : b;
    const start = performance.now();
    do {
      await run();
      calls[side]++;
    } while (performance.now() - start < turnMs);
    ms[side] += performance.now() - start;
  }
  const [qpsA, qpsB] = [0, 1].map((side) => (calls[side] * nq) / (ms[side] / 1000));
  return { a: qpsA, b: qpsB, ratio: qpsA / qpsB };
}

export function machine(): string {
  const cpu = cpus();
  return (
    `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${process.platform}-${process.arch}, Node ${process.version}`
  );
}

/** A GitHub-flavoured Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fixed(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}
