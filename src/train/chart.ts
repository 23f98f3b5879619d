import type { TopLevelSpec } from 'vega-lite';
import { chartSvg, writeChart } from '../io/chart.js';
import type { HistoryEntry } from './checkpoint.js';

/** Steps of one style a multi-style chart averages over: each step sees one style and one batch, so single steps are noise. */
const STYLE_WINDOW = 25;

/**
 * The loss curves as a vega-lite spec: one line per term (log scale); for a multi-style run, whose steps
 * go round the styles and so interleave their very different losses, one line per style of the total
 * loss, as a rolling mean over that style's steps.
 */
export function lossChartSpec(history: readonly HistoryEntry[], title = 'stylecast training loss'): TopLevelSpec {
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 640, height: 360, background: 'white', mark: { type: 'line', interpolate: 'monotone' } } as const;
  if (history.some((h) => h.style !== undefined)) {
    const values = history.filter((h) => h.style !== undefined && h.losses['total']! > 0).map((h) => ({ step: h.step, style: h.style, total: h.losses['total'] }));
    return {
      ...base,
      title: `${title}: total per style (mean of ${STYLE_WINDOW} of its steps)`,
      data: { values },
      transform: [{ window: [{ op: 'mean', field: 'total', as: 'mean' }], frame: [-(STYLE_WINDOW - 1), 0], groupby: ['style'], sort: [{ field: 'step' }] }],
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'mean', type: 'quantitative', scale: { type: 'log' }, title: 'weighted total loss' },
        color: { field: 'style', type: 'nominal', title: 'style' },
      },
    };
  }
  const values = history.flatMap((h) => Object.entries(h.losses).filter(([, v]) => v > 0 && Number.isFinite(v)).map(([term, value]) => ({ step: h.step, term, value })));
  return {
    ...base,
    title,
    data: { values },
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
