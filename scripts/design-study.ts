/**
 * The student design study's report (issue 17): merges the `stylecast eval --json` runs of the study's
 * designs into one table per style with the Pareto front (style loss against time, both as ratios to the
 * teacher), a chart of that front, and one sheet of images per design (both styles' teachers beside it).
 * Models are `<style>-<design>.onnx` files; a row's render scale (eval --render-scale) is part of its design.
 *
 * Usage: npx tsx scripts/design-study.ts <out-dir> <photo,...> <style>=<quality.json>,<speed.json> [...]
 *   quality.json: eval on held-out photos (losses); speed.json: eval at 640x480 (time ratios)
 */
import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { TopLevelSpec } from 'vega-lite';
import type { EvalReport, EvalRow } from '../src/eval/index.js';
import { writeChart } from '../src/io/chart.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { readImage } from '../src/io/image.js';
import type { RawImage } from '../src/io/pixels.js';
import { writeSheet } from '../src/io/sheet.js';
import { loadModel } from '../src/models/load.js';
import { scaledSize } from '../src/runtime/adaptive.js';
import { resizeBilinear } from '../src/runtime/pipeline.js';
import { Stylizer } from '../src/runtime/stylizer.js';

interface Point {
  readonly style: string;
  readonly design: string;
  readonly model: string;
  readonly scale: number;
  readonly params: number | null;
  readonly gmacs: number | null;
  readonly timeRatio: number;
  readonly styleRatio: number;
  readonly contentRatio: number;
  pareto?: boolean;
}

const [outDir, photoList, ...styleArgs] = process.argv.slice(2);
if (!outDir || !photoList || !styleArgs.length) throw new Error('usage: design-study.ts <out-dir> <photo,...> <style>=<quality.json>,<speed.json> [...]');

const readReport = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as EvalReport;
const designOf = (row: EvalRow, style: string) => {
  const name = basename(row.spec, '.onnx').replace(new RegExp(`^${style}-`), '');
  return row.renderScale === 1 ? name : `${name} at ${row.renderScale}`;
};

const points: Point[] = [];
const references = new Map<string, { model: string; style: string }>();
for (const arg of styleArgs) {
  const [style, files] = arg.split('=') as [string, string];
  const [qualityFile, speedFile] = files.split(',') as [string, string];
  const [quality, speed] = await Promise.all([readReport(qualityFile), readReport(speedFile)]);
  const ref = quality.rows.find((r) => r.role === 'reference');
  if (!ref) throw new Error(`${qualityFile}: no reference row`);
  references.set(style, { model: ref.spec, style });
  for (const q of quality.rows.filter((r) => r.role === 'model')) {
    const s = speed.rows.find((r) => r.spec === q.spec && r.renderScale === q.renderScale);
    if (!s?.timeRatio) throw new Error(`${speedFile}: no timed row for ${q.spec} at ${q.renderScale}`);
    points.push({
      style,
      design: designOf(q, style),
      model: q.spec,
      scale: q.renderScale,
      params: q.params,
      gmacs: s.macs === null ? null : s.macs / 1e9,
      timeRatio: s.timeRatio,
      styleRatio: q.styleRatio!,
      contentRatio: q.contentRatio!,
    });
  }
}
// The front per style: no other design of that style is as fast and paints closer to the painting.
for (const p of points) {
  p.pareto = !points.some((o) => o !== p && o.style === p.style && o.timeRatio <= p.timeRatio && o.styleRatio <= p.styleRatio && (o.timeRatio < p.timeRatio || o.styleRatio < p.styleRatio));
}

const row = (p: Point) =>
  `| ${p.style} | ${p.design} | ${p.styleRatio.toFixed(2)} | ${p.contentRatio.toFixed(2)} | ${p.timeRatio.toFixed(3)} | ${p.params === null ? 'n/a' : (p.params / 1e3).toFixed(1) + 'k'} | ${p.gmacs === null ? 'n/a' : p.gmacs.toFixed(2)} | ${p.pareto ? 'yes' : ''} |`;
const table = [
  '| style | design | style x teacher | content x teacher | time x teacher (640x480) | params | GMACs (640x480) | Pareto |',
  '|---|---|---:|---:|---:|---:|---:|---|',
  ...points.map(row),
].join('\n');
await writeFileAtomic(`${outDir}/table.md`, `${table}\n`);
await writeFileAtomic(`${outDir}/points.json`, `${JSON.stringify(points, null, 2)}\n`);

const chart: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title: 'Student designs: style loss against time (ratios to the teacher)',
  width: 560,
  height: 360,
  background: 'white',
  data: { values: points.map((p) => ({ ...p, front: p.pareto ? 'Pareto front' : 'dominated' })) },
  layer: [
    { mark: { type: 'rule', strokeDash: [4, 4], color: 'grey' }, encoding: { x: { datum: 0.1 } } },
    { mark: { type: 'rule', strokeDash: [4, 4], color: 'grey' }, encoding: { y: { datum: 1.5 } } },
    {
      mark: { type: 'point', filled: true, size: 80 },
      encoding: {
        x: { field: 'timeRatio', type: 'quantitative', title: 'time x teacher at 640x480 (budget 0.10)', scale: { zero: false } },
        y: { field: 'styleRatio', type: 'quantitative', title: 'style loss x teacher (target 1.5)', scale: { zero: false } },
        color: { field: 'style', type: 'nominal' },
        shape: { field: 'front', type: 'nominal', title: '' },
      },
    },
    {
      mark: { type: 'text', align: 'left', dx: 7, fontSize: 11 },
      encoding: { x: { field: 'timeRatio', type: 'quantitative' }, y: { field: 'styleRatio', type: 'quantitative' }, text: { field: 'design' }, color: { field: 'style', type: 'nominal' } },
    },
  ],
};
await writeChart(`${outDir}/pareto.png`, chart);

// One sheet per design: each photo, then for each style its teacher and the design (as it runs: at its
// render scale, resized back), so a design is judged beside what it learns from.
const photos = await Promise.all(photoList.split(',').map((p) => readImage(p, { maxSide: 432 })));
const stylizeAll = async (model: string, scale: number): Promise<RawImage[]> => {
  const s = await Stylizer.create(await loadModel(model), { shared: false });
  try {
    const out: RawImage[] = [];
    for (const p of photos) {
      if (scale === 1) out.push(await s.stylize(p));
      else {
        const size = scaledSize(p, scale, s.model.stride, s.model.minSide);
        out.push(resizeBilinear(await s.stylize(resizeBilinear(p, size.width, size.height)), p.width, p.height));
      }
    }
    return out;
  } finally {
    await s.release();
  }
};
const teacherOut = new Map<string, RawImage[]>();
for (const [style, ref] of references) teacherOut.set(style, await stylizeAll(ref.model, 1));
const designs = [...new Set(points.map((p) => p.design))];
for (const design of designs) {
  const columns = ['photo'];
  const rows: RawImage[][] = photos.map((p) => [p]);
  for (const style of references.keys()) {
    const p = points.find((x) => x.style === style && x.design === design);
    if (!p) continue;
    const outs = await stylizeAll(p.model, p.scale);
    columns.push(`${style} teacher`, `${style}: ${design}`);
    rows.forEach((r, i) => r.push(teacherOut.get(style)![i]!, outs[i]!));
  }
  const file = `${outDir}/sheet-${design.replace(/[^\w.-]+/g, '_')}.jpg`;
  await writeSheet(file, { columns, rows });
  console.log(file);
}
console.log(table);
