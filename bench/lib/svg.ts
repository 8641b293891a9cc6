// A recall-against-QPS chart as a standalone SVG (log QPS axis), one line per series.

export interface Series {
  name: string;
  points: { recall: number; qps: number }[];
}

const COLOURS = ['#d62728', '#ff7f0e', '#e377c2', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f', '#bcbd22'];

export function recallQpsChart(title: string, series: Series[]): string {
  const width = 760,
    height = 460,
    left = 70,
    right = 220,
    top = 40,
    bottom = 50;
  const all = series.flatMap((s) => s.points).filter((p) => p.qps > 0 && Number.isFinite(p.qps));
  const minRecall = Math.max(0, Math.floor(Math.min(...all.map((p) => p.recall)) * 10) / 10);
  const lo = Math.floor(Math.log10(Math.min(...all.map((p) => p.qps))));
  const hi = Math.ceil(Math.log10(Math.max(...all.map((p) => p.qps))));
  const x = (r: number) => left + ((r - minRecall) / (1 - minRecall)) * (width - left - right);
  const y = (q: number) => top + (1 - (Math.log10(q) - lo) / Math.max(1, hi - lo)) * (height - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="24" font-size="15">${title}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 8}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e}</text>`);
  }
  for (let r = minRecall; r <= 1.0001; r += 0.1) {
    out.push(`<line x1="${x(r)}" x2="${x(r)}" y1="${top}" y2="${height - bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x(r)}" y="${height - bottom + 18}" text-anchor="middle">${r.toFixed(1)}</text>`);
  }
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle">recall@10</text>`);
  out.push(
    `<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">queries per second (one thread)</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = s.points.filter((p) => p.qps > 0 && p.recall >= minRecall).sort((a, b) => a.recall - b.recall);
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((p) => `${x(p.recall).toFixed(1)},${y(p.qps).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of pts) out.push(`<circle cx="${x(p.recall).toFixed(1)}" cy="${y(p.qps).toFixed(1)}" r="3" fill="${colour}"/>`);
    out.push(`<rect x="${width - right + 14}" y="${top + i * 20}" width="12" height="12" fill="${colour}"/>`);
    out.push(`<text x="${width - right + 32}" y="${top + i * 20 + 10}">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
