/**
 * Temporal stability of models (#9): per model, on the asl_* clips (optical flow on the source) and
 * on test photos with synthetic camera motion (known flow): warping error and flicker ratio; plus
 * content and style loss on the test photos. Models are grouped by style; each group's ratios are
 * against its first model (the per-frame base).
 *
 *   npx tsx bench/stability.ts base,control,stable [base,control,stable...]
 *
 * Models are registered names or .onnx files. Without arguments: every registered stable student
 * with its base and its control (see registeredGroups). Needs STYLECAST_MIRROR.
 * STYLECAST_STABILITY_PHOTOS (48) photos, STYLECAST_STABILITY_FRAMES (30) frames a clip, everything
 * at 320x240. Also writes a side-by-side video (original | base | stable) and a per-frame change
 * chart of the first group's first clip (docs/stability/). It measures quality, not speed, so it
 * need not wait for a quiet machine.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import { writeChart } from '../src/io/chart.js';
import { findEntry, REGISTRY } from '../src/io/registry.js';
import { defaultStore, resolveStyleImage } from '../src/io/store.js';
import { decodeVideo, encodeVideo, probeVideo } from '../src/io/video.js';
import { provenanceTeacher } from '../src/models/codec.js';
import { loadModel } from '../src/models/load.js';
import { loadVgg } from '../src/models/importers/vgg.js';
import { LossMeter, readStyleTensor } from '../src/eval/losses.js';
import { formatMachine, machineInfo } from '../src/perf/machine.js';
import type { RawImage } from '../src/io/pixels.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import { rng } from '../src/models/transformer.js';
import { FlowEstimator } from '../src/temporal/flow.js';
import { sampleMotion } from '../src/temporal/stability.js';
import { clipWarpTaps, warpError } from '../src/temporal/warp-error.js';
import { motionTaps, warpPlanar, type WarpTaps } from '../src/temporal/warp.js';
import { ChangeMeter, meanAbsDiff } from '../src/video/flicker.js';

const W = 320;
const H = 240;
/** Synthetic motion at 320x240: a little larger than training's (128 px crops), plus sensor-like noise. */
const PHOTO_MOTION = { shift: 4, angle: 1, zoom: 0.02, noise: 4 };

interface Row {
  group: string;
  model: string;
  clipWarp: number;
  clipFlicker: number;
  photoWarp: number;
  photoFlicker: number;
  content: number;
  style: number;
}

interface Clip {
  name: string;
  frames: RawImage[];
  taps: WarpTaps[];
}

const toPlanar = (img: RawImage): Float32Array => {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = img.data[i * img.channels + c]!;
  return out;
};
const fromPlanar = (p: Float32Array, w: number, h: number): RawImage => {
  const n = w * h;
  const data = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = Math.min(255, Math.max(0, Math.round(p[c * n + i]!)));
  return { width: w, height: h, channels: 3, data };
};

async function loadClips(mirror: string, frames: number, flow: FlowEstimator): Promise<Clip[]> {
  const names = readdirSync(join(mirror, 'video')).filter((f) => /^asl_.*\.mkv$/.test(f)).sort();
  const clips: Clip[] = [];
  for (const name of names) {
    const path = join(mirror, 'video', name);
    const list: RawImage[] = [];
    for await (const f of decodeVideo(path, { sourceSize: await probeVideo(path), size: { width: W, height: H } })) {
      list.push(f);
      if (list.length >= frames) break;
    }
    clips.push({ name, frames: list, taps: clipWarpTaps(list, flow) });
    process.stderr.write(`stability: flow of ${name} (${list.length} frames)\n`);
  }
  return clips;
}

/** Each test photo and a moved, noisier copy with the taps of that motion (seeded: the same for every model). */
async function photoPairs(mirror: string, count: number): Promise<{ photo: RawImage; moved: RawImage; taps: WarpTaps }[]> {
  const dir = join(mirror, 'photos', 'test');
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, count);
  const r = rng(2020);
  const out = [];
  for (const f of files) {
    const { data } = await sharp(join(dir, f)).rotate().resize(W, H, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const photo: RawImage = { width: W, height: H, channels: 3, data: new Uint8Array(data) };
    const taps = motionTaps(W, H, sampleMotion(r, PHOTO_MOTION));
    const moved = warpPlanar(toPlanar(photo), 3, taps);
    const sigma = PHOTO_MOTION.noise * r();
    for (let i = 0; i < moved.length; i++) moved[i] += sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    out.push({ photo, moved: fromPlanar(moved, W, H), taps });
  }
  return out;
}

/**
 * Each registered stable student with its per-frame base, and between them the control when it is in
 * models/ablation/ (the base fine-tuned the same steps without the term): [base, control, stable].
 */
export const registeredGroups = (): string[][] =>
  REGISTRY.filter((e) => e.stable && e.base).map((e) => {
    const control = new URL(`../models/ablation/${e.base}_ft.onnx`, import.meta.url).pathname;
    return [e.base!, ...(existsSync(control) ? [control] : []), e.name];
  });

export async function benchStability(given?: readonly (readonly string[])[]): Promise<object> {
  const groups = given ?? registeredGroups();
  if (!groups.length) throw new Error('bench stability: no stable students registered; pass base,stable[,...] groups');
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) throw new Error('bench stability needs STYLECAST_MIRROR (e.g. ../shared/assets)');
  const machine = machineInfo();
  const flow = await FlowEstimator.create();
  const clips = await loadClips(mirror, Number(process.env.STYLECAST_STABILITY_FRAMES ?? 30), flow);
  const pairs = await photoPairs(mirror, Number(process.env.STYLECAST_STABILITY_PHOTOS ?? 48));
  const vgg = await loadVgg(join(mirror, 'vgg', 'vgg19-block1-3'));
  const rows: Row[] = [];
  const perFrame: { model: string; frame: number; change: number }[] = [];
  const sideBySide: RawImage[][] = [];

  for (const [gi, group] of groups.entries()) {
    const first = await loadModel(group[0]!);
    const teacher = provenanceTeacher(first.info);
    if (!teacher) throw new Error(`${group[0]}: its metadata names no teacher, so its style image is unknown`);
    const meter = await LossMeter.create({ vgg, style: await readStyleTensor(await resolveStyleImage(findEntry(teacher), defaultStore()), 256), width: W, height: H });
    for (const name of group) {
      const model = await loadModel(name);
      const s = await Stylizer.create(model, { batchSize: 1 });
      const stylized: RawImage[][] = [];
      for (const c of clips) {
        const out: RawImage[] = [];
        for (const f of c.frames) out.push(await s.stylize(f));
        stylized.push(out);
      }
      const clipWarp = clips.reduce((a, c, i) => a + warpError(stylized[i]!, c.taps), 0) / clips.length;
      const clipFlicker = clips.reduce((a, c, i) => {
        const o = new ChangeMeter();
        const src = new ChangeMeter();
        stylized[i]!.forEach((f, t) => (o.add(f), src.add(c.frames[t]!)));
        return a + o.mean / src.mean;
      }, 0) / clips.length;
      let photoWarp = 0;
      let photoFlicker = 0;
      let content = 0;
      let style = 0;
      for (const p of pairs) {
        const [a, b] = [await s.stylize(p.photo), await s.stylize(p.moved)];
        photoWarp += warpError([a, b], [p.taps]);
        photoFlicker += meanAbsDiff(a, b) / meanAbsDiff(p.photo, p.moved);
        const l = await meter.measure(toPlanar(a), toPlanar(p.photo));
        content += l.content;
        style += l.style;
      }
      const n = pairs.length;
      const label = basename(name).replace(/\.onnx$/, '');
      rows.push({ group: teacher, model: label, clipWarp, clipFlicker, photoWarp: photoWarp / n, photoFlicker: photoFlicker / n, content: content / n, style: style / n });
      process.stderr.write(`stability ${label}: clips warp ${(clipWarp * 1e3).toFixed(3)}e-3 flicker ${clipFlicker.toFixed(2)}; photos warp ${((photoWarp / n) * 1e3).toFixed(3)}e-3\n`);
      if (gi === 0) {
        sideBySide.push(stylized[0]!);
        perFrame.push(...frameChanges(label, stylized[0]!));
      }
    }
    await meter.release();
  }
  perFrame.push(...frameChanges('source', clips[0]!.frames));

  const docs = new URL('../docs/stability/', import.meta.url).pathname;
  await mkdir(docs, { recursive: true });
  // original | per-frame base | stable (the first group's first and last models).
  await writeSideBySide(join(docs, 'side-by-side.mp4'), clips[0]!.frames, [sideBySide[0]!, sideBySide.at(-1)!]);
  await writeChart(join(docs, 'change.png'), changeSpec(perFrame, clips[0]!.name));

  const result: StabilityResult = {
    machine: formatMachine(machine),
    command: `STYLECAST_MIRROR=../shared/assets npx tsx bench/stability.ts${given ? ` ${given.map((g) => g.join(',')).join(' ')}` : ''}`,
    size: `${W}x${H}`,
    frames: clips[0]!.frames.length,
    clips: clips.map((c) => ({ name: c.name, sourceWarp: warpError(c.frames, c.taps) })),
    photos: pairs.length,
    photoMotion: PHOTO_MOTION,
    rows,
  };
  await writeFile(new URL('results/stability.md', import.meta.url), report(result));
  await writeFile(new URL('results/stability.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

interface StabilityResult {
  readonly machine: string;
  readonly command: string;
  readonly size: string;
  readonly frames: number;
  readonly clips: readonly { readonly name: string; readonly sourceWarp: number }[];
  readonly photos: number;
  readonly photoMotion: typeof PHOTO_MOTION;
  readonly rows: readonly Row[];
}

/** Mean absolute change between each frame and the one before it (the chart's lines). */
const frameChanges = (model: string, frames: readonly RawImage[]) =>
  frames.slice(1).map((f, i) => ({ model, frame: i + 1, change: meanAbsDiff(frames[i]!, f) }));

/** original | each model, side by side, as an H.264 video. */
async function writeSideBySide(path: string, source: readonly RawImage[], models: readonly RawImage[][]): Promise<void> {
  const cols = 1 + models.length;
  const enc = encodeVideo(path, { width: W * cols, height: H, rate: [30, 1], crf: 20 });
  for (let t = 0; t < source.length; t++) {
    const data = new Uint8Array(W * cols * H * 3);
    [source[t]!, ...models.map((m) => m[t]!)].forEach((img, c) => {
      for (let y = 0; y < H; y++) data.set(img.data.subarray(y * W * 3, (y + 1) * W * 3), (y * W * cols + c * W) * 3);
    });
    await enc.write({ width: W * cols, height: H, channels: 3, data });
  }
  await enc.finish();
}

function changeSpec(values: readonly { model: string; frame: number; change: number }[], clip: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `Frame-to-frame change on ${clip} (320x240)`, subtitle: 'mean |frame_t - frame_t-1| per 8-bit sample' },
    width: 640,
    height: 320,
    background: 'white',
    data: { values: [...values] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'frame', type: 'quantitative', title: 'frame' },
      y: { field: 'change', type: 'quantitative', title: 'mean absolute change (0..255)' },
      color: { field: 'model', type: 'nominal', title: '' },
    },
  };
}

function report(r: StabilityResult): string {
  const f3 = (v: number) => (v * 1e3).toFixed(3);
  const m = r.photoMotion;
  const lines = [
    '# Temporal stability (#9)',
    '',
    `Machine: ${r.machine}  `,
    `Command: \`${r.command}\`  `,
    `Clips: ${r.clips.map((c) => c.name).join(', ')} at ${r.size}, first ${r.frames} frames, optical flow (OpenCV Farnebäck) on the source, occlusions masked by a forward-backward check. Photos: the first ${r.photos} of photos/test at ${r.size}, each against a copy moved by a random shift <= ${m.shift} px, rotation <= ${m.angle} deg, zoom <= ${m.zoom * 100}% with Gaussian noise <= ${m.noise} levels (known flow).`,
    '',
    'Warping error: MSE on 0..1 RGB between frame t and frame t-1 warped along the flow (x 1e-3; lower is steadier). Flicker: mean frame-to-frame change of the output over that of the input. Content and style: the perceptual losses (VGG-19, unweighted) of the photos\' outputs. Ratios (x) are against the first model of each group.',
    '',
    '| style | model | clip warp | x | clip flicker | photo warp | x | photo flicker | content | style loss | x |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of r.rows) {
    const b = r.rows.find((x) => x.group === row.group)!;
    lines.push(`| ${row.group} | ${row.model} | ${f3(row.clipWarp)} | ${(row.clipWarp / b.clipWarp).toFixed(2)} | ${row.clipFlicker.toFixed(2)} | ${f3(row.photoWarp)} | ${(row.photoWarp / b.photoWarp).toFixed(2)} | ${row.photoFlicker.toFixed(2)} | ${row.content.toExponential(3)} | ${row.style.toExponential(3)} | ${(row.style / b.style).toFixed(2)} |`);
  }
  // The target (#9): warping error <= 1/3 of the unstable student's at <= 1.15x its style loss. The
  // stable student (last of a group) against each other model of its group: the per-frame base and
  // the control trained the same steps without the term.
  lines.push('', '| style | stable | against | clip warp x | photo warp x | style loss x | target (<= 0.33 at <= 1.15x style) |', '|---|---|---|---:|---:|---:|---|');
  for (const g of new Set(r.rows.map((x) => x.group))) {
    const gr = r.rows.filter((x) => x.group === g);
    const st = gr.at(-1)!;
    for (const ref of gr.slice(0, -1)) {
      const [cw, pw, sl] = [st.clipWarp / ref.clipWarp, st.photoWarp / ref.photoWarp, st.style / ref.style];
      const met = (w: number) => (w <= 1 / 3 && sl <= 1.15 ? 'met' : w <= 1 / 3 ? 'warp met, style missed' : sl <= 1.15 ? 'style met, warp missed' : 'missed');
      lines.push(`| ${g} | ${st.model} | ${ref.model} | ${cw.toFixed(2)} | ${pw.toFixed(2)} | ${sl.toFixed(2)} | clips: ${met(cw)}; photos: ${met(pw)} |`);
    }
  }
  lines.push('', `Source warping error of the clips (flow and lighting alone): ${r.clips.map((c) => `${c.name} ${f3(c.sourceWarp)}`).join(', ')}.`, '');
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args[0] === '--report') {
    // Re-render the Markdown from the committed JSON (no measuring).
    const json = new URL('results/stability.json', import.meta.url);
    await writeFile(new URL('results/stability.md', import.meta.url), report(JSON.parse(await readFile(json, 'utf8')) as StabilityResult));
  } else {
    process.stdout.write(`${JSON.stringify(await benchStability(args.length ? args.map((a) => a.split(',')) : undefined))}\n`);
  }
}
