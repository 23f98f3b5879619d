import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './atomic.js';

/** A vega-lite chart rendered headless to an SVG string. */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG rasterized with resvg (white background, system fonts). */
export const svgToPng = (svg: string): Buffer => new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng();

/** Write a chart as .svg, or rasterized as .png (chosen by the file name). */
export async function writeChart(path: string, spec: TopLevelSpec): Promise<void> {
  const svg = await chartSvg(spec);
  if (path.toLowerCase().endsWith('.svg')) return writeFileAtomic(path, svg);
  if (!path.toLowerCase().endsWith('.png')) throw new Error(`chart ${path}: use a .png or .svg file name`);
  await writeFileAtomic(path, svgToPng(svg));
}
