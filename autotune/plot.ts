/**
 * The tuning curve as SVG: the best throughput found so far against the number of trials measured
 * (the plot Ansor and MetaSchedule show for a tuning run), with every measured candidate as a dot and
 * optional horizontal reference lines (the hand schedule, a peer). Scales, ticks and the path come
 * from d3-scale and d3-shape; the document is assembled here.
 */
import { scaleLinear } from 'd3-scale';
import { line, curveStepAfter } from 'd3-shape';

export interface CurvePoint {
  /** 1-based trial index. */
  readonly trial: number;
  /** Throughput of this trial's candidate (undefined: it failed). */
  readonly value?: number;
  /** Best throughput so far. */
  readonly best?: number;
}

export interface CurveOptions {
  readonly title: string;
  /** The throughput's unit, for the y axis ('GFLOP/s', 'calls/s'). */
  readonly unit: string;
  /** Horizontal reference lines, e.g. { label: 'hand schedule', value: 31.2 }. */
  readonly references?: readonly { readonly label: string; readonly value: number }[];
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#d62728', '#2ca02c', '#9467bd', '#8c564b'];

/**
 * @param points one per trial, in trial order
 * @returns an SVG document (UTF-8 text)
 * @throws RangeError for a width or height under 200 pixels
 */
export function tuningCurveSvg(points: readonly CurvePoint[], o: CurveOptions): string {
  const width = o.width ?? 720, height = o.height ?? 400;
  if (width < 200 || height < 200) throw new RangeError(`tuningCurveSvg: the plot needs at least 200 x 200 pixels, got ${width} x ${height}`);
  const m = { top: 40, right: 160, bottom: 45, left: 65 };
  const values = [...points.flatMap((p) => [p.value, p.best]), ...(o.references ?? []).map((r) => r.value)]
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const x = scaleLinear().domain([0, Math.max(1, ...points.map((p) => p.trial))]).range([m.left, width - m.right]).nice();
  const y = scaleLinear().domain([0, Math.max(1e-9, ...values) * 1.05]).range([height - m.bottom, m.top]).nice();
  const best = points.filter((p) => p.best !== undefined);
  const path = line<CurvePoint>().x((p) => x(p.trial)).y((p) => y(p.best!)).curve(curveStepAfter)(best) ?? '';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  for (const t of x.ticks(8)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${height - m.bottom}" y2="${height - m.bottom + 5}" stroke="#333"/>`,
      `<text x="${x(t)}" y="${height - m.bottom + 18}" text-anchor="middle">${t}</text>`);
  }
  for (const t of y.ticks(6)) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`,
      `<text x="${m.left - 8}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 8}" text-anchor="middle">trials measured</text>`,
    `<text transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.unit)}</text>`,
  );
  for (const p of points) if (p.value !== undefined && Number.isFinite(p.value)) parts.push(`<circle cx="${x(p.trial)}" cy="${y(p.value)}" r="2" fill="#9ab"/>`);
  if (path) parts.push(`<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  const legend: [string, string, boolean][] = [['best so far', '#1f77b4', false], ['each trial', '#9ab', true]];
  (o.references ?? []).forEach((r, k) => {
    const c = COLORS[k % COLORS.length]!;
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(r.value)}" y2="${y(r.value)}" stroke="${c}" stroke-dasharray="6 4"/>`);
    legend.push([`${r.label} (${Number(r.value.toPrecision(3))})`, c, false]);
  });
  legend.forEach(([label, c, dot], k) => {
    const ly = m.top + 10 + k * 18, lx = width - m.right + 12;
    parts.push(dot ? `<circle cx="${lx + 9}" cy="${ly - 4}" r="3" fill="${c}"/>` : `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"/>`,
      `<text x="${lx + 24}" y="${ly}">${esc(label)}</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
