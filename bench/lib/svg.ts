// Line charts as standalone SVGs, one line per series, with a log y axis: recall against QPS
// (bench/ann) and latency against rows, log-log (bench/db-scale).

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export interface ChartAxes {
  x: { label: string; log: boolean };
  y: { label: string };
}

const COLOURS = ['#d62728', '#ff7f0e', '#e377c2', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f', '#bcbd22'];

/** 1500000 as 1.5M, 20000 as 20k: tick labels of row counts and QPS stay short. */
const short = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : `${n}`);

/** A log axis over whole decades: where each value lands (0 to 1) and the decades to mark. */
function logScale(values: number[]): { at: (v: number) => number; ticks: number[] } {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return { at: (v) => (Math.log10(v) - lo) / Math.max(1, hi - lo), ticks };
}

/** A linear axis in tenths, ending at 1 or above (recall). */
function tenthsScale(values: number[]): { at: (v: number) => number; ticks: number[] } {
  const lo = Math.max(0, Math.floor(Math.min(...values) * 10) / 10);
  const hi = Math.max(1, Math.ceil(Math.max(...values) * 10) / 10);
  const ticks = Array.from({ length: Math.round((hi - lo) * 10) + 1 }, (_, i) => lo + i / 10);
  return { at: (v) => (v - lo) / (hi - lo), ticks };
}

export function lineChart(title: string, axes: ChartAxes, series: Series[]): string {
  const width = 760,
    height = 460,
    left = 70,
    right = 220,
    top = 40,
    bottom = 50;
  const shown = series.map((s) => ({ ...s, points: s.points.filter((p) => p.y > 0 && Number.isFinite(p.y)).sort((a, b) => a.x - b.x) }));
  const all = shown.flatMap((s) => s.points);
  const xs = axes.x.log ? logScale(all.map((p) => p.x)) : tenthsScale(all.map((p) => p.x));
  const ys = logScale(all.map((p) => p.y));
  const x = (v: number) => left + xs.at(v) * (width - left - right);
  const y = (v: number) => top + (1 - ys.at(v)) * (height - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="24" font-size="15">${title}</text>`,
  ];
  for (const t of ys.ticks) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 8}" y="${y(t) + 4}" text-anchor="end">${short(t)}</text>`);
  }
  for (const t of xs.ticks) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${height - bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x(t)}" y="${height - bottom + 18}" text-anchor="middle">${axes.x.log ? short(t) : t.toFixed(1)}</text>`);
  }
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle">${axes.x.label}</text>`);
  out.push(
    `<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">${axes.y.label}</text>`,
  );
  shown.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const at = (p: { x: number; y: number }) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${s.points.map(at).join(' ')}"/>`);
    for (const p of s.points) out.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${colour}"/>`);
    out.push(`<rect x="${width - right + 14}" y="${top + i * 20}" width="12" height="12" fill="${colour}"/>`);
    out.push(`<text x="${width - right + 32}" y="${top + i * 20 + 10}">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Recall@10 against queries per second (one thread), a line per system and index. */
export function recallQpsChart(title: string, series: { name: string; points: { recall: number; qps: number }[] }[]): string {
  return lineChart(
    title,
    { x: { label: 'recall@10', log: false }, y: { label: 'queries per second (one thread)' } },
    series.map((s) => ({ name: s.name, points: s.points.map((p) => ({ x: p.recall, y: p.qps })) })),
  );
}
