import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lossChartSpec, lossChartSvg } from '../../src/train/chart.js';
import type { HistoryEntry } from '../../src/train/checkpoint.js';

const single: HistoryEntry[] = [1, 2, 3].map((step) => ({ step, losses: { content: 10 / step, style: 20 / step, total: 30 / step } }));
// Two styles in turn, one far above the other: a line per term would zigzag between them.
const multi: HistoryEntry[] = Array.from({ length: 60 }, (_, i) => ({
  step: i + 1,
  style: i % 2 ? 'mosaic' : 'candy',
  losses: { content: 1, 'teacher-style': i % 2 ? 900 : 90, total: i % 2 ? 1000 : 100 },
}));

const colorField = (h: readonly HistoryEntry[]) => (lossChartSpec(h) as { encoding: { color: { field: string } } }).encoding.color.field;
const values = (h: readonly HistoryEntry[]) => (lossChartSpec(h) as { data: { values: Record<string, unknown>[] } }).data.values;

test('a single-style run: one line per loss term', async () => {
  assert.equal(colorField(single), 'term');
  assert.deepEqual([...new Set(values(single).map((v) => v['term']))], ['content', 'style', 'total']);
  assert.match(await lossChartSvg(single), /<svg[\s\S]*content[\s\S]*style/);
});

test('a multi-style run: one line per style of its total loss, averaged over that style\'s own steps', async () => {
  assert.equal(colorField(multi), 'style');
  const v = values(multi);
  assert.equal(v.length, 60);
  assert.deepEqual(new Set(v.map((x) => `${x['style']}:${x['total']}`)), new Set(['candy:100', 'mosaic:1000']));
  const spec = lossChartSpec(multi) as { transform: { groupby: string[] }[] };
  assert.deepEqual(spec.transform[0]!.groupby, ['style'], 'the rolling mean never mixes two styles');
  const svg = await lossChartSvg(multi);
  assert.match(svg, /candy/);
  assert.match(svg, /mosaic/);
  assert.doesNotMatch(svg, /teacher-style/, 'terms are not drawn');
});
