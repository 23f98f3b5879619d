/**
 * The multi-style real-time network against the targets of issue 18:
 * 1. per style, on held-out photos: style and content loss of the network painting that style, each
 *    divided by its teacher's (VGG losses against the teacher's own style image and against the
 *    photo), beside the single-style student of that style; target both <= 1.5x;
 * 2. blending: a 50/50 mix of two styles against each pure style, in pixels and in style loss against
 *    each painting; target: the mix sits between them;
 * 3. with --speed: at 640x480 on 2 threads, the network (one style and a blend) against the first
 *    style's single-style student and teacher, in turn and warm; targets <= 0.10x the teacher's time
 *    and the student's time within noise;
 * 4. a sheet: photos x [photo, each style, the blends].
 *
 *   npx tsx bench/multistyle.ts <model.onnx|name> [--out DIR] [--limit N] [--size WxH] [--speed] [--rounds N]
 *
 * or `npm run bench -- multistyle` (models/multi_rt.onnx, with --speed). Needs STYLECAST_MIRROR (the
 * photos, the teachers and their paintings). Photos: the first --limit (12) of photos/test at --size
 * (432x288, as the students' quality results). Writes bench/results/multi-style/README.md and
 * results.json and docs/multi-style/sheet.jpg; with --out, all three under DIR instead, so that a
 * quick check does not overwrite the committed results.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveInt, size } from '../src/cli/options.js';
import { evaluate, loadPhoto, type EvalReport, type EvalRow } from '../src/eval/index.js';
import { LossMeter, readStyleTensor } from '../src/eval/losses.js';
import type { Tensor } from '../src/graph/tensor.js';
import { imagesToTensor, type RawImage } from '../src/io/pixels.js';
import { writeSheet } from '../src/io/sheet.js';
import { STUDENTS } from '../src/io/students.js';
import { stylesOf } from '../src/models/codec.js';
import { loadVgg } from '../src/models/importers/vgg.js';
import { inferenceOnnx } from '../src/models/inference.js';
import { loadModel } from '../src/models/load.js';
import type { LoadedModel } from '../src/models/modelfile.js';
import { formatStyleMix, styleFeed, type StyleEntry, type StyleMix } from '../src/models/styles.js';
import { STYLE_INPUT } from '../src/models/transformer.js';
import { formatMachine, machineInfo } from '../src/perf/machine.js';
import { medianInterval, type MedianInterval, type Summary } from '../src/perf/stats.js';
import { timeInTurn } from '../src/perf/time.js';
import { createSession, type Session } from '../src/runtime/ort.js';
import type { Feeds } from '../src/runtime/session.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import { listImages } from '../src/train/data.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The issue's pairs: two warm palettes, and two that differ in stroke more than in colour. */
const PAIRS: readonly (readonly [string, string])[] = [
  ['candy', 'mosaic'],
  ['la_muse', 'wave'],
];
/** Target 1: style and content loss at most this times the teacher's. */
const QUALITY_TARGET = 1.5;
/** Target 3: at most this times the teacher's time. */
const SPEED_TARGET = 0.1;
const SPEED = { width: 640, height: 480, threads: 2, warmup: 3 } as const;
/** Sheet cells: half the quality size, small enough for nine columns on a page. */
const SHEET = { width: 216, height: 144, photos: 3 } as const;
/** Longer side of the paintings for their Grams (evaluate's default, so both parts agree). */
const STYLE_SIDE = 512;

export interface MultiStyleOptions {
  /** Registered name or model file of the multi-style network. */
  readonly model: string;
  /** Folder for README.md, results.json and sheet.jpg; defaults to the committed places. */
  readonly out?: string;
  /** Photos measured (the first N of photos/test). Defaults to 12. */
  readonly limit?: number;
  /** Photos are cover-resized and centre-cropped to this. Defaults to 432x288. */
  readonly width?: number;
  readonly height?: number;
  /** Time the network against a student and a teacher at 640x480. */
  readonly speed?: boolean;
  /** Rounds of the speed comparison. Defaults to 30. */
  readonly rounds?: number;
  /** The command line, for the report. */
  readonly command: string;
}

/** One model's losses on the photos, and their ratio to the teacher's. */
export interface Scores {
  readonly model: string;
  readonly style: number;
  readonly content: number;
  readonly styleRatio: number;
  readonly contentRatio: number;
  /** Against the teacher's output on the same photo (second-order; see src/eval). */
  readonly psnr: number;
  readonly ssim: number;
}

export interface QualityRow {
  readonly style: string;
  readonly teacher: string;
  /** The teacher's registered painting: the losses' style image. */
  readonly styleImage: string;
  readonly teacherLosses: { readonly style: number; readonly content: number };
  readonly multi: Scores;
  /** The shipped single-style student of the same teacher; null when there is none. */
  readonly student: Scores | null;
  /** The multi-style network's style and content ratios are both <= QUALITY_TARGET. */
  readonly met: boolean;
}

/** Losses against one painting of the two pure outputs and the mix, means over the photos. */
export interface Between {
  readonly a: number;
  readonly mix: number;
  readonly b: number;
}

export interface BlendVerdict {
  /** The mix is nearer each pure output than they are to each other. */
  readonly pixels: boolean;
  /** Against painting a, and against painting b, the mix's style loss lies between the pure outputs'. */
  readonly styleA: boolean;
  readonly styleB: boolean;
  readonly met: boolean;
  /**
   * Each pure output scores nearer its own painting than the other pure output does. Not part of the
   * target; without it "between" says little (two styles that paint alike are trivially bracketed).
   */
  readonly apart: boolean;
}

export interface BlendRow {
  readonly a: string;
  readonly b: string;
  readonly mix: string;
  /** Mean absolute difference of the 0..255 outputs (before rounding), means over the photos. */
  readonly pixels: { readonly ab: number; readonly mixA: number; readonly mixB: number };
  readonly styleA: Between;
  readonly styleB: Between;
  readonly verdict: BlendVerdict;
}

export interface SpeedEntry {
  readonly label: string;
  readonly time: Summary;
  /** Per-round ratio to the teacher's run of the same round: median and its 95% interval. */
  readonly xTeacher: MedianInterval;
  /** The same against the first student session; null without a student. */
  readonly xStudent: MedianInterval | null;
}

export interface SpeedResult {
  readonly width: number;
  readonly height: number;
  readonly threads: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly style: string;
  readonly blend: string | null;
  readonly teacher: string;
  readonly student: string | null;
  /** os.loadavg() right before and right after the timing (1, 5, 15 minutes). */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly entries: readonly SpeedEntry[];
  /** Every multi-style entry's median ratio to the teacher is <= SPEED_TARGET. */
  readonly teacherMet: boolean;
  /** Every multi-style entry's interval against the student overlaps the second student session's; null without a student. */
  readonly studentMet: boolean | null;
}

export interface MultiStyleResult {
  readonly command: string;
  readonly machine: string;
  /** os.loadavg() when the run started. */
  readonly load: readonly number[];
  readonly model: { readonly spec: string; readonly name: string; readonly sha256: string; readonly styles: readonly StyleEntry[] };
  readonly photos: { readonly dir: string; readonly files: readonly string[]; readonly width: number; readonly height: number };
  /** onnxruntime threads of the quality and blending parts (eval's default: all cores). */
  readonly threads: number;
  readonly quality: readonly QualityRow[];
  readonly blends: readonly BlendRow[];
  readonly speed: SpeedResult | null;
  /** Where the sheet was written (relative to the repository when inside it). */
  readonly sheet: string;
  readonly notes: readonly string[];
  /** Wall seconds of each part. */
  readonly seconds: { readonly quality: number; readonly blends: number; readonly speed: number; readonly sheet: number };
}

/** min(a, b) <= x <= max(a, b). */
export const between = (x: number, a: number, b: number): boolean => Math.min(a, b) <= x && x <= Math.max(a, b);

/** Whether a 50/50 mix sits between its two styles (the issue's blending target). */
export function blendVerdict(pixels: BlendRow['pixels'], styleA: Between, styleB: Between): BlendVerdict {
  const px = pixels.mixA < pixels.ab && pixels.mixB < pixels.ab;
  const a = between(styleA.mix, styleA.a, styleA.b);
  const b = between(styleB.mix, styleB.a, styleB.b);
  return { pixels: px, styleA: a, styleB: b, met: px && a && b, apart: styleA.a < styleA.b && styleB.b < styleB.a };
}

/**
 * Two intervals share a point. Used as "within noise": the network's ratio to the student cannot be
 * told from the ratio a second session of the student itself gives, which is noise alone.
 */
export const overlaps = (x: MedianInterval, y: MedianInterval): boolean => x.low <= y.high && y.low <= x.high;

/** The shipped per-frame student distilled from `teacher`, if any. */
const studentOf = (teacher: string): string | undefined => STUDENTS.find((s) => 'teacher' in s && s.teacher === teacher && !('base' in s))?.name;

const meanAbs = (x: Float32Array, y: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]! - y[i]!);
  return s / x.length;
};
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const seconds = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;
const load = (): number[] => loadavg().map((v) => Math.round(v * 100) / 100);
const log = (line: string): void => void process.stderr.write(`multistyle: ${line}\n`);
const mixOf = (a: string, b: string): Record<string, number> => ({ [a]: 0.5, [b]: 0.5 });
const mixLabel = (a: string, b: string): string => `${a}+${b} 50/50`;

function scores(row: EvalRow): Scores {
  if (row.style === null || row.content === null || row.styleRatio === null || row.contentRatio === null || row.psnr === null || row.ssim === null) {
    throw new Error(`eval of ${row.spec} gave no losses or no comparison with the teacher`);
  }
  return { model: row.name, style: row.style, content: row.content, styleRatio: row.styleRatio, contentRatio: row.contentRatio, psnr: row.psnr, ssim: row.ssim };
}

interface Setup {
  readonly o: MultiStyleOptions;
  readonly model: LoadedModel;
  readonly styles: readonly StyleEntry[];
  readonly photosDir: string;
  readonly width: number;
  readonly height: number;
  readonly limit: number;
  readonly notes: string[];
}

/** Target 1, through `stylecast eval`'s code: the network in one style, the student, the teacher as reference. */
async function measureQuality(s: Setup): Promise<{ rows: QualityRow[]; files: readonly string[]; threads: number }> {
  const rows: QualityRow[] = [];
  let files: readonly string[] = [];
  let threads = 0;
  for (const style of s.styles) {
    if (!style.teacher) {
      s.notes.push(`style ${style.name} names no teacher: no losses to compare with, left out`);
      continue;
    }
    const student = studentOf(style.teacher);
    if (!student) s.notes.push(`no shipped student of ${style.teacher}: ${style.name}'s row has no student`);
    log(`quality of ${style.name} (teacher ${style.teacher}${student ? `, student ${student}` : ''})`);
    // One timed run only: eval always times, and these timings are not the speed measurement.
    const report: EvalReport = await evaluate({
      models: [s.o.model, ...(student ? [student] : [])],
      reference: style.teacher,
      modelStyle: style.name,
      photos: s.photosDir,
      width: s.width,
      height: s.height,
      limit: s.limit,
      trials: 1,
      warmup: 0,
      peak: false,
      styleSize: STYLE_SIDE,
    });
    if (!report.style) throw new Error(`eval gave no losses for ${style.name}: ${report.notes.join('; ')}`);
    files = report.photos.files;
    threads = report.threads;
    const ref = report.rows.find((r) => r.role === 'reference')!;
    const multi = scores(report.rows[0]!);
    rows.push({
      style: style.name,
      teacher: style.teacher,
      styleImage: report.style.image,
      teacherLosses: { style: ref.style!, content: ref.content! },
      multi,
      student: student ? scores(report.rows[1]!) : null,
      met: multi.styleRatio <= QUALITY_TARGET && multi.contentRatio <= QUALITY_TARGET,
    });
  }
  return { rows, files, threads };
}

/** Target 2: each pair's pure outputs and 50/50 mix on the photos, in pixels and in style loss against both paintings. */
async function measureBlends(s: Setup, files: readonly string[], paintings: ReadonlyMap<string, string>, threads: number): Promise<BlendRow[]> {
  const names = new Set(s.styles.map((x) => x.name));
  const pairs = PAIRS.filter(([a, b]) => {
    const ok = names.has(a) && names.has(b) && paintings.has(a) && paintings.has(b);
    if (!ok) s.notes.push(`blend ${a}+${b} left out: the network lacks one of them or its teacher's painting`);
    return ok;
  });
  if (!pairs.length) return [];
  const vgg = await loadVgg('vgg19-block1-3');
  const stylizer = await Stylizer.create(s.model, { shared: false, threads });
  const rows: BlendRow[] = [];
  try {
    for (const [a, b] of pairs) {
      log(`blend ${mixLabel(a, b)}`);
      const meters = await Promise.all([a, b].map(async (n) => LossMeter.create({ vgg, style: await readStyleTensor(paintings.get(n)!, STYLE_SIDE), width: s.width, height: s.height, threads })));
      const acc = { ab: [] as number[], mixA: [] as number[], mixB: [] as number[], sA: [[], [], []] as number[][], sB: [[], [], []] as number[][] };
      try {
        for (const file of files) {
          const photo = await loadPhoto(file, s.width, s.height);
          const x = imagesToTensor([photo]).data;
          const [ya, ym, yb] = [await stylizer.stylizeFloat(photo, { style: a }), await stylizer.stylizeFloat(photo, { style: mixOf(a, b) }), await stylizer.stylizeFloat(photo, { style: b })];
          acc.ab.push(meanAbs(ya, yb));
          acc.mixA.push(meanAbs(ym, ya));
          acc.mixB.push(meanAbs(ym, yb));
          for (const [k, y] of [ya, ym, yb].entries()) {
            acc.sA[k]!.push((await meters[0]!.measure(y, x)).style);
            acc.sB[k]!.push((await meters[1]!.measure(y, x)).style);
          }
        }
      } finally {
        for (const m of meters) await m.release();
      }
      const triple = (l: number[][]): Between => ({ a: mean(l[0]!), mix: mean(l[1]!), b: mean(l[2]!) });
      const pixels = { ab: mean(acc.ab), mixA: mean(acc.mixA), mixB: mean(acc.mixB) };
      const [styleA, styleB] = [triple(acc.sA), triple(acc.sB)];
      rows.push({ a, b, mix: formatStyleMix(mixOf(a, b)), pixels, styleA, styleB, verdict: blendVerdict(pixels, styleA, styleB) });
    }
  } finally {
    await stylizer.release();
  }
  return rows;
}

/** Paired per-round ratios of `x` to `ref` (both from the same rounds of timeInTurn). */
const pairedRatio = (x: readonly number[], ref: readonly number[]): MedianInterval => medianInterval(x.map((v, t) => v / ref[t]!));

/**
 * Target 3: the network alone on a padded float input (as `stylecast eval` times it), one style and a
 * blend, against the first style's student (twice: the second session is the noise control) and
 * teacher, in turn, each timed run right after an untimed run of the same model.
 */
async function measureSpeed(s: Setup, file: string, rounds: number): Promise<SpeedResult | null> {
  const first = s.styles[0]!;
  if (!first.teacher) {
    s.notes.push(`speed not measured: the first style (${first.name}) names no teacher`);
    return null;
  }
  const second = s.styles[1];
  const studentName = studentOf(first.teacher);
  const photo = await loadPhoto(file, SPEED.width, SPEED.height);
  const inputFor = (m: LoadedModel): Tensor => imagesToTensor([photo], m.stride, m.minSide);
  const [teacher, student] = await Promise.all([loadModel(first.teacher), studentName ? loadModel(studentName) : undefined]);
  const contestants: { label: string; model: LoadedModel; mix?: StyleMix; role: 'multi' | 'student' | 'control' | 'teacher' }[] = [
    { label: `${s.model.info.name} (${first.name})`, model: s.model, mix: first.name, role: 'multi' },
    ...(second ? [{ label: `${s.model.info.name} (${mixLabel(first.name, second.name)})`, model: s.model, mix: mixOf(first.name, second.name), role: 'multi' as const }] : []),
    ...(student ? [
      { label: student.info.name, model: student, role: 'student' as const },
      { label: `${student.info.name} (second session)`, model: student, role: 'control' as const },
    ] : []),
    { label: `${first.teacher} (teacher)`, model: teacher, role: 'teacher' },
  ];
  // A session each, as eval does: two entries sharing one would warm each other.
  const sessions: Session[] = [];
  try {
    for (const c of contestants) sessions.push(await createSession(inferenceOnnx(c.model), { threads: SPEED.threads }));
    const runs = contestants.map((c, i) => {
      const styles = stylesOf(c.model);
      const feeds: Feeds = { input: inputFor(c.model), ...(styles ? { [STYLE_INPUT]: styleFeed(styles, c.mix, c.model.info.name) } : {}) };
      return { session: sessions[i]!, feeds };
    });
    // The quality part just kept both cores busy: time only once the machine is quiet again (ground
    // rule: load under 1.5), or after 5 minutes, which the recorded load then shows.
    for (const end = Date.now() + 5 * 60_000; loadavg()[0]! > 1.5 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5000));
    const loadBefore = load();
    log(`speed: ${rounds} rounds of ${contestants.length} at ${SPEED.width}x${SPEED.height}, ${SPEED.threads} threads; load before ${loadBefore.join(' / ')}`);
    const times = await timeInTurn(runs, { trials: rounds, warmup: SPEED.warmup, onTrial: (t) => (t + 1) % 10 === 0 && log(`speed: round ${t + 1}/${rounds}`) });
    const loadAfter = load();
    log(`speed: load after ${loadAfter.join(' / ')}`);
    const at = (role: string) => contestants.findIndex((c) => c.role === role);
    const [ti, si, ci] = [at('teacher'), at('student'), at('control')];
    const entries: SpeedEntry[] = contestants.map((c, i) => ({
      label: c.label,
      time: times[i]!.summary,
      xTeacher: pairedRatio(times[i]!.samples, times[ti]!.samples),
      xStudent: si >= 0 ? pairedRatio(times[i]!.samples, times[si]!.samples) : null,
    }));
    const multis = entries.filter((_, i) => contestants[i]!.role === 'multi');
    const control = ci >= 0 ? entries[ci]!.xStudent : null;
    return {
      ...SPEED,
      rounds,
      style: first.name,
      blend: second ? mixLabel(first.name, second.name) : null,
      teacher: first.teacher,
      student: studentName ?? null,
      loadBefore,
      loadAfter,
      entries,
      teacherMet: multis.every((e) => e.xTeacher.median <= SPEED_TARGET),
      studentMet: control ? multis.every((e) => overlaps(e.xStudent!, control)) : null,
    };
  } finally {
    for (const x of sessions) await x.release();
  }
}

/** Target 4: photos (rows) x [photo, each style, each blend]. */
async function writeStyleSheet(s: Setup, blends: readonly BlendRow[], path: string): Promise<void> {
  // The first photos of the folder whatever --limit is, so a quick run draws the same rows.
  const files = (await listImages(s.photosDir)).slice(0, SHEET.photos);
  const stylizer = await Stylizer.create(s.model, { shared: false });
  const mixes: { label: string; mix: StyleMix }[] = [
    ...s.styles.map((x) => ({ label: x.name, mix: x.name })),
    ...blends.map((b) => ({ label: mixLabel(b.a, b.b), mix: mixOf(b.a, b.b) })),
  ];
  const rows: RawImage[][] = [];
  try {
    for (const file of files) {
      const photo = await loadPhoto(file, SHEET.width, SHEET.height);
      const row = [photo];
      for (const m of mixes) row.push(await stylizer.stylize(photo, { style: m.mix }));
      rows.push(row);
    }
  } finally {
    await stylizer.release();
  }
  await mkdir(dirname(path), { recursive: true });
  await writeSheet(path, { columns: ['photo', ...mixes.map((m) => m.label)], rows });
}

/** Measure everything, write README.md, results.json and the sheet; returns the results. */
export async function benchMultiStyle(o: MultiStyleOptions): Promise<MultiStyleResult> {
  const startLoad = load();
  const machine = formatMachine(machineInfo());
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) throw new Error('bench multistyle needs STYLECAST_MIRROR (the photos, the teachers and their paintings)');
  const model = await loadModel(o.model);
  const styles = stylesOf(model);
  if (!styles) throw new Error(`${o.model} is a single-style network: bench multistyle needs a multi-style one`);
  const s: Setup = { o, model, styles, photosDir: join(mirror, 'photos', 'test'), width: o.width ?? 432, height: o.height ?? 288, limit: o.limit ?? 12, notes: [] };
  log(`${machine}`);
  log(`${model.info.name}: ${styles.map((x) => x.name).join(', ')}; load ${startLoad.join(' / ')}`);

  let t0 = performance.now();
  const { rows: quality, files, threads } = await measureQuality(s);
  const tQuality = seconds(t0);
  if (!files.length) throw new Error(`no style of ${o.model} could be measured (none names a teacher)`);

  t0 = performance.now();
  const paintings = new Map(quality.map((q) => [q.style, q.styleImage]));
  const blends = await measureBlends(s, files, paintings, threads);
  const tBlends = seconds(t0);

  t0 = performance.now();
  const speed = o.speed ? await measureSpeed(s, files[0]!, o.rounds ?? 30) : null;
  const tSpeed = seconds(t0);

  const resultsDir = o.out ? resolve(o.out) : join(ROOT, 'bench', 'results', 'multi-style');
  const sheetPath = o.out ? join(resultsDir, 'sheet.jpg') : join(ROOT, 'docs', 'multi-style', 'sheet.jpg');
  t0 = performance.now();
  log(`sheet ${sheetPath}`);
  await writeStyleSheet(s, blends, sheetPath);
  const tSheet = seconds(t0);

  const inRepo = (p: string) => (p.startsWith(ROOT) ? relative(ROOT, p) : p);
  const result: MultiStyleResult = {
    command: o.command,
    machine,
    load: startLoad,
    model: { spec: o.model, name: model.info.name, sha256: model.sha256, styles },
    photos: { dir: s.photosDir, files: files.map((f) => basename(f)), width: s.width, height: s.height },
    threads,
    quality,
    blends,
    speed,
    sheet: inRepo(sheetPath),
    notes: s.notes,
    seconds: { quality: tQuality, blends: tBlends, speed: tSpeed, sheet: tSheet },
  };
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'README.md'), report(result, relative(resultsDir, sheetPath)));
  await writeFile(join(resultsDir, 'results.json'), `${JSON.stringify(result, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
  log(`wrote ${join(resultsDir, 'README.md')}, results.json; ${tQuality + tBlends + tSpeed + tSheet} s`);
  return result;
}

const f2 = (v: number) => v.toFixed(2);
const f3 = (v: number) => v.toFixed(3);
const sci = (v: number) => v.toExponential(3);
const yes = (b: boolean) => (b ? 'met' : '**missed**');
const interval = (m: MedianInterval) => `${f3(m.median)} (${f3(m.low)}-${f3(m.high)})`;

function report(r: MultiStyleResult, sheetLink: string): string {
  const q = r.quality;
  const studentCells = (x: QualityRow) => (x.student ? `${x.student.model} | ${f2(x.student.styleRatio)} | ${f2(x.student.contentRatio)}` : '— | — | —');
  const lines = [
    `# Multi-style real-time network: ${r.model.name} (issue 18)`,
    '',
    `Command: \`${r.command}\`  `,
    `Machine: ${r.machine}; load average ${r.load.join(' / ')} (1/5/15 min) when the run started  `,
    `Model: \`${r.model.spec}\` (sha256 ${r.model.sha256.slice(0, 16)}...), ${r.model.styles.length} styles: ${r.model.styles.map((x) => `${x.name}${x.teacher ? ` (teacher ${x.teacher})` : ''}`).join(', ')}  `,
    `Photos: the first ${r.photos.files.length} of \`${r.photos.dir}\`, cover-resized and centre-cropped to ${r.photos.width}x${r.photos.height}; losses and blends on ${r.threads} threads  `,
    `Wall time: quality ${r.seconds.quality} s, blending ${r.seconds.blends} s, speed ${r.seconds.speed} s, sheet ${r.seconds.sheet} s`,
    '',
    '## Each style against its teacher',
    '',
    `Style and content loss of the network painting each style, divided by the teacher's on the same photos (\`stylecast eval --style-mix <style> --reference <teacher>\`: VGG-19 losses, unweighted, against the teacher's registered painting at longer side ${STYLE_SIDE} and against the photo), beside the shipped single-style student of that teacher. Target: both <= ${QUALITY_TARGET}x.`,
    '',
    `| style | teacher | ${r.model.name} style x | content x | PSNR dB | SSIM | student | style x | content x | target (${r.model.name} both <= ${QUALITY_TARGET}) |`,
    '|---|---|---:|---:|---:|---:|---|---:|---:|---|',
    ...q.map((x) => `| ${x.style} | ${x.teacher} | ${f2(x.multi.styleRatio)} | ${f2(x.multi.contentRatio)} | ${f2(x.multi.psnr)} | ${f3(x.multi.ssim)} | ${studentCells(x)} | ${yes(x.met)} |`),
    '',
    `Met for ${q.filter((x) => x.met).length} of ${q.length} styles. Teachers' own losses (style / content): ${q.map((x) => `${x.teacher} ${sci(x.teacherLosses.style)} / ${sci(x.teacherLosses.content)}`).join(', ')}. PSNR and SSIM compare the network's output with the teacher's.`,
    '',
    '## Blending',
    '',
  ];
  if (r.blends.length) {
    lines.push(
      'Each pair painted pure and as a 50/50 mix on the same photos. Pixels: mean absolute difference of the 0..255 outputs; the mix should be nearer each pure output than they are to each other. Style: style loss against each painting; the mix should lie between the two pure outputs\'.',
      '',
      '| pair | \\|a - b\\| | \\|mix - a\\| | \\|mix - b\\| | style vs painting a: a / mix / b | style vs painting b: a / mix / b | pixels | style a | style b | target (mix between) | pure styles apart |',
      '|---|---:|---:|---:|---|---|---|---|---|---|---|',
      ...r.blends.map((b) => `| ${b.a} + ${b.b} | ${f2(b.pixels.ab)} | ${f2(b.pixels.mixA)} | ${f2(b.pixels.mixB)} | ${sci(b.styleA.a)} / ${sci(b.styleA.mix)} / ${sci(b.styleA.b)} | ${sci(b.styleB.a)} / ${sci(b.styleB.mix)} / ${sci(b.styleB.b)} | ${yes(b.verdict.pixels)} | ${yes(b.verdict.styleA)} | ${yes(b.verdict.styleB)} | ${yes(b.verdict.met)} | ${b.verdict.apart ? 'yes' : 'no'} |`),
      '',
      '"Pure styles apart": each pure output has the lower style loss against its own painting (information, not a target: when it fails, the two styles paint alike and "between" says little).',
    );
  } else lines.push('No pair measured (see the notes).');
  lines.push('', '## Speed', '');
  const sp = r.speed;
  if (sp) {
    // Order statistics give discrete levels; with few rounds the interval is [min, max] and covers less.
    const coverage = `${Math.round(100 * (sp.entries[0]?.xTeacher.coverage ?? 0))}%`;
    lines.push(
      `${sp.width}x${sp.height}, batch 1, ${sp.threads} threads, the network alone on a padded float input (as \`stylecast eval\` times it); ${sp.rounds} rounds after ${sp.warmup} warm-up runs each, the models in turn with the order rotating, each timed run right after an untimed run of the same model. Load average before ${sp.loadBefore.join(' / ')}, after ${sp.loadAfter.join(' / ')}.`,
      `Ratios are medians of per-round ratios (runs of the same round are seconds apart, so load changes cancel), with a ${coverage} interval of the median from order statistics. The second ${sp.student ?? 'student'} session is the noise control: the same model, so its ratio to the first is what noise alone gives.`,
      '',
      `| model | median ms | p95 ms | x ${sp.teacher} (teacher) | x ${sp.student ?? 'student'} |`,
      '|---|---:|---:|---:|---:|',
      ...sp.entries.map((e) => `| ${e.label} | ${e.time.median.toFixed(1)} | ${e.time.p95.toFixed(1)} | ${interval(e.xTeacher)} | ${e.xStudent ? interval(e.xStudent) : '—'} |`),
      '',
      `Target <= ${SPEED_TARGET}x the teacher's time: ${yes(sp.teacherMet)}. Equal to ${sp.student ?? 'the student'} within noise (each interval overlaps the control's): ${sp.studentMet === null ? 'not measured (no student)' : yes(sp.studentMet)}.`,
    );
  } else lines.push('Not measured in this run (pass --speed).');
  lines.push('', '## Sheet', '', `Rows: the first ${SHEET.photos} photos at ${SHEET.width}x${SHEET.height}; columns: the photo, each style, the 50/50 blends.`, '', `![styles and blends](${sheetLink})`, '');
  if (r.notes.length) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

const USAGE = 'usage: npx tsx bench/multistyle.ts <model.onnx|name> [--out DIR] [--limit N] [--size WxH] [--speed] [--rounds N]';

/** The command line as options; errors are one line with the usage. */
export function parseMultiStyleArgs(args: readonly string[]): MultiStyleOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { out: { type: 'string' }, limit: { type: 'string' }, size: { type: 'string' }, speed: { type: 'boolean' }, rounds: { type: 'string' } },
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${USAGE}`);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) throw new Error(USAGE);
  const option = <T>(flag: string, value: string | undefined, parse: (s: string) => T): T | undefined => {
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (e) {
      throw new Error(`--${flag}: ${(e as Error).message}`);
    }
  };
  const [width, height] = option('size', v.size, size) ?? [undefined, undefined];
  const limit = option('limit', v.limit, positiveInt);
  const rounds = option('rounds', v.rounds, positiveInt);
  return {
    model: positionals[0]!,
    command: `STYLECAST_MIRROR=${process.env.STYLECAST_MIRROR ?? ''} npx tsx bench/multistyle.ts ${args.join(' ')}`,
    ...(v.out === undefined ? {} : { out: v.out }),
    ...(limit === undefined ? {} : { limit }),
    ...(width === undefined ? {} : { width, height }),
    ...(v.speed ? { speed: true } : {}),
    ...(rounds === undefined ? {} : { rounds }),
  };
}

/** `npm run bench -- multistyle`: the built-in network, all parts, written to the committed places. */
export const DEFAULT_MODEL = join(ROOT, 'models', 'multi_rt.onnx');

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await benchMultiStyle(parseMultiStyleArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`multistyle: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
