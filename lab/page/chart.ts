// SVG charts drawn from plain numbers: a line chart for curves (loss, accuracy) and horizontal bars
// for side-by-side rates (kernel variants). No library: an SVG is a few elements.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const format = (v: number) =>
  Number.isInteger(v) || Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);

/** A line chart of `series` against a shared x axis, with min/max labels and a legend. */
export function lineChart(series: readonly Series[], { width = 480, height = 220, xLabel = '' } = {}): SVGSVGElement {
  const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' }) as SVGSVGElement;
  const pad = { left: 46, right: 12, top: 18, bottom: 28 };
  const points = series.flatMap((s) => s.points);
  chart.append(svg('rect', { x: 0, y: 0, width, height, fill: 'white', stroke: '#d8dce3' }));
  if (points.length === 0) {
    chart.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'no data yet'));
    return chart;
  }
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const ySpan = y1 - y0 || Math.abs(y1) || 1;
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (y: number) => height - pad.bottom - ((y - y0) / ySpan) * (height - pad.top - pad.bottom);
  chart.append(
    svg('line', { x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom, stroke: '#9aa3b2' }),
    svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom, stroke: '#9aa3b2' }),
    svg('text', { x: pad.left - 4, y: py(y1) + 4, 'text-anchor': 'end' }, format(y1)),
    svg('text', { x: pad.left - 4, y: py(y0) + 4, 'text-anchor': 'end' }, format(y0)),
    svg('text', { x: pad.left, y: height - 10 }, format(x0)),
    svg('text', { x: width - pad.right, y: height - 10, 'text-anchor': 'end' }, `${xLabel} ${format(x1)}`),
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    chart.append(svg('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.6 }));
    if (s.points.length === 1) chart.append(svg('circle', { cx: px(s.points[0][0]), cy: py(s.points[0][1]), r: 3, fill: s.color }));
    chart.append(svg('text', { x: pad.left + 8 + i * 150, y: 13, fill: s.color, style: `fill: ${s.color}` }, s.name));
  });
  return chart;
}

/** Horizontal bars, one per label, longest = the largest value; values written at the bar's end. */
export function barChart(bars: readonly { label: string; value: number }[], unit: string, width = 640): SVGSVGElement {
  const row = 20;
  const labelWidth = 230;
  const height = bars.length * row + 8;
  const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' }) as SVGSVGElement;
  const max = Math.max(...bars.map((b) => b.value), 1e-12);
  bars.forEach((b, i) => {
    const y = 4 + i * row;
    const w = (b.value / max) * (width - labelWidth - 90);
    chart.append(
      svg('text', { x: labelWidth - 6, y: y + 13, 'text-anchor': 'end' }, b.label),
      svg('rect', { x: labelWidth, y: y + 2, width: Math.max(1, w), height: row - 6, fill: '#2f6fdf' }),
      svg('text', { x: labelWidth + w + 6, y: y + 13 }, `${format(b.value)} ${unit}`),
    );
  });
  return chart;
}
