// Small SVG charts drawn by hand: a horizontal bar chart and a line chart.
// Colours come from CSS classes, so both follow the theme.

import { s } from './dom.js';

function niceMax(value) {
  if (value <= 4) return 4;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * exp >= value) return step * exp;
  }
  return 10 * exp;
}

/**
 * bars: [{label, value, className}] → <svg>. Each bar has a <title> and the
 * value printed beside it; the chart has role="img" and an aria-label summary.
 */
export function barChart(bars, { title = 'Bar chart', width = 520 } = {}) {
  const rowH = 30;
  const labelW = 92;
  const valueW = 56;
  const top = 6;
  const height = top * 2 + bars.length * rowH;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = width - labelW - valueW;
  const summary = bars.map((b) => `${b.label} ${b.value}`).join(', ');
  const svg = s('svg', {
    class: 'chart bar-chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${title}: ${summary}`, preserveAspectRatio: 'xMinYMin meet',
  });
  bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const w = bar.value > 0 ? Math.max(3, (bar.value / max) * plotW) : 0;
    svg.appendChild(s('text', { class: 'chart-label', x: labelW - 10, y: y + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'central' }, bar.label));
    svg.appendChild(s('rect', { class: 'chart-track', x: labelW, y: y + 6, width: plotW, height: rowH - 12, rx: 4 }));
    svg.appendChild(s('rect', { class: `chart-bar ${bar.className || ''}`, x: labelW, y: y + 6, width: w, height: rowH - 12, rx: 4 },
      s('title', null, `${bar.label}: ${bar.value}`)));
    svg.appendChild(s('text', { class: 'chart-value', x: labelW + w + 8, y: y + rowH / 2, 'dominant-baseline': 'central' }, String(bar.value)));
  });
  return svg;
}

const hhmm = new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', hour12: false });

/**
 * points: [{t (ms, start of the bucket), v}] evenly spaced → line chart with
 * an area fill, horizontal grid lines and time labels.
 */
export function lineChart(points, { title = 'Line chart', width = 520, height = 220, unit = '' } = {}) {
  const pad = { left: 40, right: 14, top: 14, bottom: 28 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(0, ...points.map((p) => p.v)));
  const n = Math.max(1, points.length - 1);
  const x = (i) => pad.left + (i / n) * plotW;
  const y = (v) => pad.top + plotH - (v / max) * plotH;
  const total = points.reduce((sum, p) => sum + p.v, 0);
  const svg = s('svg', {
    class: 'chart line-chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${title}: ${total} in the last ${points.length} minutes, peak ${Math.max(0, ...points.map((p) => p.v))}${unit}`,
    preserveAspectRatio: 'xMinYMin meet',
  });
  for (let g = 0; g <= 4; g += 1) {
    const v = (max / 4) * g;
    const gy = y(v);
    svg.appendChild(s('line', { class: 'chart-gridline', x1: pad.left, x2: width - pad.right, y1: gy, y2: gy }));
    svg.appendChild(s('text', { class: 'chart-axis', x: pad.left - 8, y: gy, 'text-anchor': 'end', 'dominant-baseline': 'central' },
      Number.isInteger(v) ? String(v) : v.toFixed(1)));
  }
  const every = Math.max(1, Math.round(points.length / 6));
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    if (i !== points.length - 1 && points.length - 1 - i < every / 2) return;
    svg.appendChild(s('text', { class: 'chart-axis', x: x(i), y: height - 8, 'text-anchor': 'middle' }, hhmm.format(new Date(p.t))));
  });
  if (points.length > 0) {
    const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    const area = `${line} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
    svg.appendChild(s('path', { class: 'chart-area', d: area }));
    svg.appendChild(s('path', { class: 'chart-line', d: line }));
    points.forEach((p, i) => {
      if (p.v === 0) return;
      svg.appendChild(s('circle', { class: 'chart-dot', cx: x(i), cy: y(p.v), r: 3.5 },
        s('title', null, `${hhmm.format(new Date(p.t))}: ${p.v}${unit}`)));
    });
  }
  return svg;
}
