import type { TopLevelSpec } from 'vega-lite';
import { chartSvg, writeChart } from '../io/chart.js';
import type { HistoryEntry } from './checkpoint.js';

/** The loss curves (one line per term, log scale) as a vega-lite spec. */
export function lossChartSpec(history: readonly HistoryEntry[], title = 'stylecast training loss'): TopLevelSpec {
  const values = history.flatMap((h) => Object.entries(h.losses).filter(([, v]) => v > 0 && Number.isFinite(v)).map(([term, value]) => ({ step: h.step, term, value })));
  return {
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
}

/** The loss curves as an SVG string. */
export const lossChartSvg = (history: readonly HistoryEntry[], title?: string): Promise<string> => chartSvg(lossChartSpec(history, title));

/** Write the loss chart as .svg, or rasterized as .png. */
export const writeLossChart = (path: string, history: readonly HistoryEntry[]): Promise<void> => writeChart(path, lossChartSpec(history));
