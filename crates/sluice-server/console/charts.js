// Small SVG line charts: no library, one polyline per series, the time on the x axis.

const COLORS = ['#3056d3', '#e07b00', '#2e7d32', '#c62828', '#7b1fa2', '#00838f', '#6d4c41', '#ad1457'];
const NS = 'http://www.w3.org/2000/svg';

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toFixed(2);
}

function clock(ms) {
  const d = new Date(ms);
  return d.toISOString().slice(11, 19);
}

/**
 * Draws `series` ([{name, points: [[x, y], ...]}]) into `svg` (replacing what it held).
 * `x` is milliseconds since the epoch unless `xLabel` formats it otherwise.
 */
export function lineChart(svg, series, { title = '', unit = '', xLabel = clock } = {}) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', '0 0 600 160');
  svg.setAttribute('role', 'img');
  const el = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  const all = series.flatMap((s) => s.points).filter((p) => p[1] !== null && p[1] !== undefined && !Number.isNaN(p[1]));
  svg.setAttribute('aria-label', `${title}: ${all.length ? `latest ${fmt(all[all.length - 1][1])}${unit}` : 'no data yet'}`);
  const [left, right, top, bottom] = [44, 590, 18, 140];
  el('text', { x: left, y: 12, 'font-size': 11, fill: '#4a5266', 'font-weight': 600 }, title);
  el('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: '#c3c9d4' });
  el('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: '#c3c9d4' });
  if (!all.length) {
    el('text', { x: 300, y: 85, 'font-size': 12, fill: '#8c96aa', 'text-anchor': 'middle' }, 'no data yet');
    return;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const sx = (x) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const sy = (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  el('text', { x: left - 4, y: top + 4, 'font-size': 10, fill: '#6b7386', 'text-anchor': 'end' }, fmt(y1) + unit);
  el('text', { x: left - 4, y: bottom, 'font-size': 10, fill: '#6b7386', 'text-anchor': 'end' }, fmt(y0) + unit);
  el('text', { x: left, y: 154, 'font-size': 10, fill: '#6b7386' }, xLabel(x0));
  el('text', { x: right, y: 154, 'font-size': 10, fill: '#6b7386', 'text-anchor': 'end' }, xLabel(x1));
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[1] !== null && p[1] !== undefined && !Number.isNaN(p[1]));
    const color = COLORS[i % COLORS.length];
    if (pts.length === 1) el('circle', { cx: sx(pts[0][0]), cy: sy(pts[0][1]), r: 3, fill: color });
    if (pts.length > 1) el('polyline', { points: pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' });
    if (series.length > 1 && i < 8) el('text', { x: right - 4, y: top + 10 + i * 12, 'font-size': 10, fill: color, 'text-anchor': 'end' }, s.name);
  });
}
