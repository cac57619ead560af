// A horizontal grouped bar chart as standalone SVG text (no dependencies), for the report.
// Each group is a labelled row of bars, one per series; series keep one colour across groups.

export interface BarGroup {
  label: string;
  bars: { series: string; value: number }[];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const BAR = 14;
const GAP = 10;
const LABEL_WIDTH = 230;
const PLOT_WIDTH = 420;
const VALUE_WIDTH = 90;
const TOP = 40;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function formatValue(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function barChart(title: string, unit: string, groups: BarGroup[]): string {
  const series = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const colour = (s: string) => PALETTE[series.indexOf(s) % PALETTE.length];
  const max = Math.max(1e-9, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const legendRows = Math.ceil(series.length / 3);
  const parts: string[] = [];
  let y = TOP;
  for (const g of groups) {
    const height = Math.max(1, g.bars.length) * BAR;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + height / 2 + 4}" text-anchor="end">${escapeXml(g.label)}</text>`);
    g.bars.forEach((b, i) => {
      const width = Math.max(1, (b.value / max) * PLOT_WIDTH);
      const by = y + i * BAR;
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${by + 1}" width="${width.toFixed(1)}" height="${BAR - 2}" fill="${colour(b.series)}"><title>${escapeXml(`${b.series}: ${formatValue(b.value)} ${unit}`)}</title></rect>`,
      );
      parts.push(`<text x="${LABEL_WIDTH + width + 4}" y="${by + BAR - 3}" font-size="10">${formatValue(b.value)}</text>`);
    });
    y += height + GAP;
  }
  const legendY = y + 10;
  series.forEach((s, i) => {
    const x = LABEL_WIDTH + (i % 3) * 170;
    const ly = legendY + Math.floor(i / 3) * 18;
    parts.push(
      `<rect x="${x}" y="${ly}" width="12" height="12" fill="${colour(s)}"/><text x="${x + 16}" y="${ly + 10}">${escapeXml(s)}</text>`,
    );
  });
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  const height = legendY + legendRows * 18 + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)} (${escapeXml(unit)})</text>
<line x1="${LABEL_WIDTH}" y1="${TOP - 4}" x2="${LABEL_WIDTH}" y2="${y - GAP + 4}" stroke="#333"/>
${parts.join('\n')}
</svg>
`;
}
