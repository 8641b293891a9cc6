// Recall/QPS sweeps: the points a system reaches and the QPS it gets at a target recall.

export interface SweepPoint {
  setting: string;
  recall: number;
  qps1: number;
  /** NaN where the system cannot run a batch on two threads. */
  qps2: number;
}

/**
 * QPS (single thread) at `target` recall@10, interpolated on the sweep: between the two
 * points around the target, log(QPS) is taken as linear in recall. Points past the
 * frontier (slower and no more accurate than another) are ignored. NaN when the sweep
 * never reaches the target.
 */
export function qpsAtRecall(points: SweepPoint[], target: number): number {
  const byRecall = [...points].sort((a, b) => a.recall - b.recall || b.qps1 - a.qps1);
  // Pareto frontier: going down in recall, QPS must rise.
  const frontier: SweepPoint[] = [];
  for (let i = byRecall.length - 1; i >= 0; i--) {
    if (frontier.length === 0 || byRecall[i].qps1 > frontier[frontier.length - 1].qps1) frontier.push(byRecall[i]);
  }
  frontier.reverse();
  if (frontier.length === 0 || frontier[frontier.length - 1].recall < target) return NaN;
  const above = frontier.findIndex((p) => p.recall >= target);
  if (above === 0) return frontier[0].qps1;
  const a = frontier[above - 1];
  const b = frontier[above];
  const t = (target - a.recall) / (b.recall - a.recall);
  return Math.exp(Math.log(a.qps1) + t * (Math.log(b.qps1) - Math.log(a.qps1)));
}
