/**
 * A small self-contained SVG line/scatter chart for convergence (GFLOPS over trials).
 *
 * Labels (task names come from the run log) are set with ``textContent`` only.
 */

import { IPoint } from './runlog';

const SVG_NS = 'http://www.w3.org/2000/svg';

export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf'
];

export interface ISeries {
  label: string;
  /** Drawn as a step line (best so far). */
  line: IPoint[];
  /** Drawn as dots (individual measurements); optional. */
  points?: IPoint[];
}

export interface IChartOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  title?: string;
}

/** "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    hi = lo + 1;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  for (let k = first; k <= last; k++) {
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}

function svg<K extends keyof SVGElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string | number>,
  text?: string
): SVGElementTagNameMap[K] {
  const node = doc.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    node.setAttribute(k, String(v));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1000 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/** Render ``series`` as an SVG element (empty axes with a note when there is no data). */
export function convergenceChart(
  doc: Document,
  series: ISeries[],
  options: IChartOptions = {}
): SVGSVGElement {
  const width = options.width ?? 640;
  const height = options.height ?? 300;
  const legendRows = series.length > 1 ? series.length : 0;
  const margin = { left: 60, right: 16, top: 24, bottom: 44 + 16 * legendRows };
  const root = svg(doc, 'svg', {
    class: 'wb-chart',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img'
  });
  if (options.title) {
    root.appendChild(svg(doc, 'title', {}, options.title));
  }
  const all = series.flatMap(s => [...s.line, ...(s.points ?? [])]);
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = all.map(p => p.x);
  const ys = all.map(p => p.y);
  const xLo = xs.length ? Math.min(0, ...xs) : 0;
  const xHi = xs.length ? Math.max(...xs) : 1;
  const yHi = ys.length ? Math.max(...ys) * 1.05 : 1;
  const xTicks = niceTicks(xLo, xHi);
  const yTicks = niceTicks(0, yHi);
  const xMax = Math.max(xHi, xTicks[xTicks.length - 1]);
  const yMax = Math.max(yHi, yTicks[yTicks.length - 1]);
  const sx = (x: number) => margin.left + ((x - xLo) / (xMax - xLo || 1)) * plotW;
  const sy = (y: number) => margin.top + plotH - (y / (yMax || 1)) * plotH;

  const axes = svg(doc, 'g', { class: 'wb-axes' });
  root.appendChild(axes);
  for (const t of yTicks) {
    axes.appendChild(
      svg(doc, 'line', { x1: margin.left, x2: margin.left + plotW, y1: sy(t), y2: sy(t), class: 'wb-grid' })
    );
    axes.appendChild(
      svg(doc, 'text', { x: margin.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, formatTick(t))
    );
  }
  for (const t of xTicks) {
    axes.appendChild(
      svg(doc, 'text', { x: sx(t), y: margin.top + plotH + 16, 'text-anchor': 'middle' }, formatTick(t))
    );
  }
  axes.appendChild(
    svg(doc, 'rect', { x: margin.left, y: margin.top, width: plotW, height: plotH, class: 'wb-frame' })
  );
  axes.appendChild(
    svg(
      doc,
      'text',
      { x: margin.left + plotW / 2, y: margin.top + plotH + 34, 'text-anchor': 'middle' },
      options.xLabel ?? 'trial'
    )
  );
  axes.appendChild(
    svg(
      doc,
      'text',
      {
        x: 14,
        y: margin.top + plotH / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 14 ${margin.top + plotH / 2})`
      },
      options.yLabel ?? 'GFLOPS'
    )
  );

  if (!all.length) {
    root.appendChild(
      svg(
        doc,
        'text',
        { x: margin.left + plotW / 2, y: margin.top + plotH / 2, 'text-anchor': 'middle', class: 'wb-empty' },
        'no measurements yet'
      )
    );
    return root;
  }

  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const g = svg(doc, 'g', { class: 'wb-series', 'data-index': i });
    g.appendChild(svg(doc, 'title', {}, s.label));
    for (const p of s.points ?? []) {
      g.appendChild(
        svg(doc, 'circle', { cx: sx(p.x), cy: sy(p.y), r: 2.5, fill: color, class: 'wb-point' })
      );
    }
    if (s.line.length) {
      let d = `M${sx(s.line[0].x)},${sy(s.line[0].y)}`;
      for (let k = 1; k < s.line.length; k++) {
        d += ` H${sx(s.line[k].x)} V${sy(s.line[k].y)}`;
      }
      g.appendChild(svg(doc, 'path', { d, stroke: color, fill: 'none', class: 'wb-best' }));
    }
    root.appendChild(g);
    if (legendRows) {
      const y = height - 16 * (legendRows - i) + 4;
      root.appendChild(svg(doc, 'rect', { x: margin.left, y: y - 9, width: 10, height: 10, fill: color }));
      root.appendChild(svg(doc, 'text', { x: margin.left + 16, y, class: 'wb-legend' }, s.label));
    }
  });
  return root;
}
