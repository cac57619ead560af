// The run's curves as a standalone SVG, written by hand (no plotting library): on the left the
// training loss (per logged window) and the validation loss (per epoch) against the step, on the
// right the validation accuracy against the step.
import { isEval, type EvalRecord, type MetricRecord } from './metrics.ts';

export const PLOT_FILE = 'training_curves.svg';

interface Series {
  label: string;
  color: string;
  points: [number, number][];
  /** Marks each point (sparse series such as per-epoch evaluations). */
  dots: boolean;
}

const PANEL = { width: 440, height: 300, left: 56, right: 20, top: 52, bottom: 44 };
/** Legend entries sit in a row between the title and the plot, this far apart per character. */
const LEGEND_CHAR_WIDTH = 7;
const FONT = 'font-family="sans-serif" font-size="12"';

/** About `count` round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(title: string, series: Series[], offsetX: number, yRange?: [number, number]): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [0, Math.max(1, ...xs)];
  let [y0, y1] = yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!(y1 > y0)) [y0, y1] = [(y0 || 0) - 0.5, (y1 || 0) + 0.5];
  const pad = (y1 - y0) * 0.05;
  if (!yRange) [y0, y1] = [y0 - pad, y1 + pad];
  const { width, height, left, right, top, bottom } = PANEL;
  const sx = (x: number) => offsetX + left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const sy = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [`<text x="${f(offsetX + width / 2)}" y="20" text-anchor="middle" ${FONT} font-weight="bold">${esc(title)}</text>`];
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${f(sx(x0))}" x2="${f(sx(x1))}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${f(sx(x0) - 6)}" y="${f(sy(t) + 4)}" text-anchor="end" ${FONT}>${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(`<text x="${f(sx(t))}" y="${f(height - bottom + 16)}" text-anchor="middle" ${FONT}>${t}</text>`);
  }
  out.push(`<rect x="${f(sx(x0))}" y="${top}" width="${f(sx(x1) - sx(x0))}" height="${height - top - bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${f(offsetX + width / 2)}" y="${height - 8}" text-anchor="middle" ${FONT}>step</text>`);
  for (const s of series) {
    const points = s.points.filter(([, y]) => Number.isFinite(y));
    if (points.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}"/>`,
      );
    }
    if (s.dots || points.length === 1) {
      for (const [x, y] of points) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${s.color}"/>`);
    }
  }
  let legendX = sx(x0);
  for (const s of series) {
    out.push(`<line x1="${f(legendX)}" x2="${f(legendX + 18)}" y1="${top - 14}" y2="${top - 14}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${f(legendX + 22)}" y="${top - 10}" ${FONT}>${esc(s.label)}</text>`);
    legendX += 40 + s.label.length * LEGEND_CHAR_WIDTH;
  }
  return out.join('\n');
}

export function trainingPlot(records: readonly MetricRecord[]): string {
  const validation = records.filter((r): r is EvalRecord => isEval(r, 'validation'));
  const train = records.filter((r) => r.split === 'train');
  const loss: Series[] = [
    { label: 'training loss', color: '#1f77b4', points: train.map((r) => [r.step, r.loss]), dots: false },
    { label: 'validation loss', color: '#d62728', points: validation.map((r) => [r.step, r.loss]), dots: true },
  ];
  const accuracy: Series[] = [
    { label: 'validation accuracy', color: '#2ca02c', points: validation.map((r) => [r.step, r.accuracy]), dots: true },
  ];
  const width = PANEL.width * 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL.height}" viewBox="0 0 ${width} ${PANEL.height}">`,
    `<rect width="${width}" height="${PANEL.height}" fill="white"/>`,
    panel('Loss', loss, 0),
    panel('Validation accuracy', accuracy, PANEL.width, [0, 1]),
    '</svg>',
    '',
  ].join('\n');
}
