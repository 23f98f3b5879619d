import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../io/atomic.js';
import type { HistoryEntry } from './checkpoint.js';

/** The loss curves (one line per term, log scale) as an SVG string, drawn with vega-lite. */
export async function lossChartSvg(history: readonly HistoryEntry[], title = 'stylecast training loss'): Promise<string> {
  const values = history.flatMap((h) => Object.entries(h.losses).filter(([, v]) => v > 0 && Number.isFinite(v)).map(([term, value]) => ({ step: h.step, term, value })));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 640,
    height: 360,
    background: 'white',
    data: { values },
    mark: { type: 'line', interpolate: 'monotone' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'weighted loss' },
      color: { field: 'term', type: 'nominal', title: 'term' },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Write the chart as .svg, or rasterized with resvg as .png. */
export async function writeLossChart(path: string, history: readonly HistoryEntry[]): Promise<void> {
  const svg = await lossChartSvg(history);
  if (path.toLowerCase().endsWith('.svg')) return writeFileAtomic(path, svg);
  if (!path.toLowerCase().endsWith('.png')) throw new Error(`loss chart ${path}: use a .png or .svg file name`);
  const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng();
  await writeFileAtomic(path, png);
}
