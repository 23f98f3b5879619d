/**
 * Flicker (the seed's open problem) of committed models on the asl_* clips: mean absolute change
 * between consecutive stylized frames over that of the source frames, computed on raw frames (no
 * codec noise). `npx tsx bench/flicker.ts [model...]` (registered names or .onnx files; defaults to
 * the teachers). Needs STYLECAST_MIRROR. Size and frames per clip: STYLECAST_FLICKER_SIZE (320x240),
 * STYLECAST_FLICKER_FRAMES (30).
 */
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeVideo, probeVideo } from '../src/io/video.js';
import { loadModel } from '../src/models/load.js';
import { formatMachine, machineInfo, waitForQuiet } from '../src/perf/machine.js';
import type { RawImage } from '../src/io/pixels.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import { ChangeMeter } from '../src/video/flicker.js';

const TEACHERS = ['candy', 'udnie_tf'];

export async function benchFlicker(models: readonly string[] = TEACHERS): Promise<object> {
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) throw new Error('bench flicker needs STYLECAST_MIRROR (e.g. ../shared/assets)');
  await waitForQuiet();
  const machine = machineInfo();
  const [w, h] = (process.env.STYLECAST_FLICKER_SIZE ?? '320x240').split('x').map(Number) as [number, number];
  const maxFrames = Number(process.env.STYLECAST_FLICKER_FRAMES ?? 30);
  const clips = readdirSync(join(mirror, 'video')).filter((f) => /^asl_.*\.mkv$/.test(f)).sort();
  // Decode each clip once; every model sees the same frames.
  const frames = new Map<string, RawImage[]>();
  for (const c of clips) {
    const path = join(mirror, 'video', c);
    const info = await probeVideo(path);
    const list: RawImage[] = [];
    const d = decodeVideo(path, { sourceSize: info, size: { width: w, height: h } });
    for await (const f of d) {
      list.push(f);
      if (list.length >= maxFrames) break;
    }
    frames.set(c, list);
  }
  const rows: { model: string; clip: string; frames: number; output: number; source: number; ratio: number }[] = [];
  for (const name of models) {
    const s = await Stylizer.create(await loadModel(name), { batchSize: 1 });
    for (const [clip, list] of frames) {
      const out = new ChangeMeter();
      const src = new ChangeMeter();
      for (const f of list) {
        out.add(await s.stylize(f));
        src.add(f);
      }
      rows.push({ model: name, clip, frames: list.length, output: Number(out.mean.toFixed(3)), source: Number(src.mean.toFixed(3)), ratio: Number((out.mean / src.mean).toFixed(3)) });
      process.stderr.write(`flicker ${name} ${clip}: ${(out.mean / src.mean).toFixed(2)}\n`);
    }
  }
  const mean = (m: string) => {
    const r = rows.filter((x) => x.model === m);
    return r.reduce((a, x) => a + x.ratio, 0) / r.length;
  };
  const result = { size: `${w}x${h}`, framesPerClip: maxFrames, rows, meanRatio: Object.fromEntries(models.map((m) => [m, Number(mean(m).toFixed(3))])) };
  const md = [
    '# Flicker of stylized video (asl_* clips)',
    '',
    `Machine: ${formatMachine(machine)}  `,
    `Command: \`npx tsx bench/flicker.ts ${models.join(' ')}\` (${w}x${h}, first ${maxFrames} frames of each clip, raw frames: no codec noise)  `,
    'Flicker = mean |frame_t - frame_t-1| of the stylized frames / the same on the source frames. 1: the output changes as much as the input; higher: the network adds temporal noise.',
    '',
    '| model | clip | frames | stylized change | source change | flicker |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${r.clip} | ${r.frames} | ${r.output.toFixed(2)} | ${r.source.toFixed(2)} | **${r.ratio.toFixed(2)}** |`),
    '',
    '| model | mean flicker |',
    '|---|---|',
    ...models.map((m) => `| ${m} | ${mean(m).toFixed(2)} |`),
    '',
  ].join('\n');
  await writeFile(new URL('results/flicker.md', import.meta.url), md);
  await writeFile(new URL('results/flicker.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await benchFlicker(args.length ? args : TEACHERS), null, 2)}\n`);
}
