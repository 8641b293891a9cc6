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

/** Queries per second of `run`, which answers every query once per call. */
export async function throughput(nq: number, run: () => unknown | Promise<unknown>): Promise<number> {
  await run();
  let calls = 0;
  const start = performance.now();
  do {
    await run();
    calls++;
  } while (performance.now() - start < 700);
  return (calls * nq) / ((performance.now() - start) / 1000);
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
