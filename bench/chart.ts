/**
 * A dependency-free SVG grouped bar chart for the benchmark table: one panel per unit (GFLOP/s,
 * higher is better; ms/MP, lower is better), one group of bars per workload, one bar per implementation.
 */
export interface ChartPanel {
  title: string;
  /** Workload names, in order. */
  groups: string[];
  /** Implementation name -> one value per group (undefined: not measured). */
  series: Record<string, (number | undefined)[]>;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** @returns an SVG document with the panels stacked vertically. */
export function barChartSvg(panels: ChartPanel[], width = 900): string {
  const names = [...new Set(panels.flatMap((p) => Object.keys(p.series)))];
  const color = (n: string) => COLORS[names.indexOf(n) % COLORS.length]!;
  const panelH = 260, top = 40, left = 60, right = 20, bottom = 70;
  const parts: string[] = [];
  let y0 = 0;
  for (const p of panels) {
    const values = Object.values(p.series).flat().filter((v): v is number => v !== undefined && Number.isFinite(v));
    const max = Math.max(1e-9, ...values) * 1.1;
    const plotW = width - left - right, plotH = panelH - top - bottom;
    const groupW = plotW / Math.max(1, p.groups.length);
    const series = Object.entries(p.series);
    const barW = (groupW * 0.8) / Math.max(1, series.length);
    const yOf = (v: number) => y0 + top + plotH - (v / max) * plotH;
    parts.push(`<text x="${left}" y="${y0 + 24}" font-size="15" font-weight="bold">${esc(p.title)}</text>`);
    for (let t = 0; t <= 4; t++) {
      const v = (max / 4) * t, y = yOf(v);
      parts.push(`<line x1="${left}" x2="${width - right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`,
        `<text x="${left - 6}" y="${(y + 4).toFixed(1)}" font-size="10" text-anchor="end">${v.toPrecision(3)}</text>`);
    }
    p.groups.forEach((g, gi) => {
      const gx = left + gi * groupW + groupW * 0.1;
      series.forEach(([name, vals], si) => {
        const v = vals[gi];
        if (v === undefined || !Number.isFinite(v)) return;
        const x = gx + si * barW, y = yOf(v);
        parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(y0 + top + plotH - y).toFixed(1)}" fill="${color(name)}"><title>${esc(`${name}: ${v.toFixed(2)}`)}</title></rect>`);
      });
      parts.push(`<text x="${(gx + groupW * 0.4).toFixed(1)}" y="${y0 + top + plotH + 16}" font-size="11" text-anchor="middle">${esc(g)}</text>`);
    });
    y0 += panelH;
  }
  const legendY = y0 + 10;
  names.forEach((n, i) => {
    const x = left + i * 140;
    parts.push(`<rect x="${x}" y="${legendY}" width="12" height="12" fill="${color(n)}"/>`, `<text x="${x + 16}" y="${legendY + 11}" font-size="12">${esc(n)}</text>`);
  });
  const height = legendY + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
