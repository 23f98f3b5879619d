/**
 * `learn-style` on paintings the built-in multi-style network never saw (issue 18):
 * 1. per painting, learn a style from `multi_rt` with the default budget (10 minutes) and record the
 *    wall time; target <= 15 minutes;
 * 2. on held-out photos, how far the learned style moves them toward its painting: the movement ratio,
 *    style loss of the outputs / style loss of the unstyled photos, both against the painting (1 = not
 *    at all, lower = further); and the content loss against the photos. The same two numbers for the
 *    six built-in styles' teachers against their own paintings on the same photos are the yardstick;
 *    targets: movement ratio <= 1.5x the teachers' mean ratio, content loss <= 1.5x their mean;
 * 3. a sheet: the paintings, then photos x [photo, each learned style].
 *
 *   npx tsx bench/learn-style.ts [--paintings a.jpg,b.png] [--minutes N] [--limit K] [--size WxH]
 *                                [--work DIR] [--out DIR] [--base NAME|FILE] [--train-size N] [--batch N]
 *
 * or `npm run bench -- learn-style` (every default). Needs STYLECAST_MIRROR (the paintings, the photos,
 * the VGG, the teachers and their paintings). Learned networks go to --work (defaults to
 * <cache>/bench/learn-style) under a name that holds the budget and training size; one already there is
 * evaluated without learning again, and an interrupted one resumes from its checkpoint, so a rerun
 * costs only the evaluation. Writes bench/results/learn-style/README.md, results.json and sheet.jpg;
 * with --out, under DIR instead, so that a smoke run does not overwrite the committed results.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveInt, size } from '../src/cli/options.js';
import { number } from '../src/cli/training.js';
import { loadPhoto, LossMeter, readStyleTensor } from '../src/eval/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { decodeImage } from '../src/io/decode.js';
import { imagesToTensor, type RawImage } from '../src/io/pixels.js';
import { DEFAULT_MULTI_MODEL, findEntry } from '../src/io/registry.js';
import { writeSheet } from '../src/io/sheet.js';
import { cacheRoot, defaultStore, resolveStyleImage } from '../src/io/store.js';
import { stylesOf } from '../src/models/codec.js';
import { loadVgg } from '../src/models/importers/vgg.js';
import { loadModel } from '../src/models/load.js';
import type { LoadedModel } from '../src/models/modelfile.js';
import type { StyleMix } from '../src/models/styles.js';
import type { VggWeights } from '../src/models/vgg.js';
import { formatMachine, machineInfo } from '../src/perf/machine.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import { listImages } from '../src/train/data.js';
import { LEARN_STYLE_DEFAULTS, learnStyle, styleNameOf } from '../src/train/learn-style.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/**
 * Unseen paintings (none is one of the six built-in styles' or a copy of one), for variety: swirling
 * brushwork, a grey pencil drawing on paper, saturated abstract colour, and a black-and-white texture
 * with no brush at all. Bare names are looked up in $STYLECAST_MIRROR/images/styles.
 */
export const DEFAULT_PAINTINGS = Object.freeze(['06_starry_night.jpg', '30_sketch.png', '02_composition_vii.jpg', '39_dark_matter_bw.png']);
/** Movement ratio and content loss at most this times the teachers' mean. */
const QUALITY_TARGET = 1.5;
/** Wall time of one learn-style run, set-up and writing included. */
const WALL_TARGET_S = 15 * 60;
/** Longer side of the paintings for their Grams (eval's default, as bench/multistyle.ts). */
const STYLE_SIDE = 512;
/** Sheet cells: half the quality size; the first photos of the folder whatever --limit is. */
const SHEET = { width: 216, height: 144, photos: 3 } as const;

export interface LearnStyleBenchOptions {
  /** Paintings: bare file names in $STYLECAST_MIRROR/images/styles, or paths. Defaults to DEFAULT_PAINTINGS. */
  readonly paintings?: readonly string[];
  /** learn-style's budget in minutes. Defaults to learn-style's (10). */
  readonly minutes?: number;
  /** The multi-style network styles are added to. Defaults to learn-style's (multi_rt). */
  readonly base?: string;
  /** Photos measured (the first N of photos/test). Defaults to 12. */
  readonly limit?: number;
  /** Photos are cover-resized and centre-cropped to this. Defaults to 432x288. */
  readonly width?: number;
  readonly height?: number;
  /** Where learned networks are kept between runs. Defaults to <cache>/bench/learn-style. */
  readonly work?: string;
  /** Folder for README.md, results.json and sheet.jpg; defaults to bench/results/learn-style. */
  readonly out?: string;
  /** learn-style's crop side and batch; learn-style's defaults (256, 4) when absent. */
  readonly trainSize?: number;
  readonly batch?: number;
  /** The command line, for the report. */
  readonly command: string;
}

/** One photo's losses against one painting. */
export interface PhotoLosses {
  /** Style loss of the stylized photo. */
  readonly style: number;
  /** Style loss of the unstyled photo: where the output started from. */
  readonly photoStyle: number;
  /** Content loss of the stylized photo against the photo. */
  readonly content: number;
}

/** A style's means over the photos against one painting. */
export interface Movement {
  readonly style: number;
  readonly photoStyle: number;
  /**
   * style / photoStyle, a ratio of the means (as eval's ratios are): what is left of the photo's
   * distance to the painting in Gram space. Dividing by the photo's own loss makes paintings
   * comparable, since a painting's raw style loss depends on its texture and palette.
   */
  readonly ratio: number;
  readonly content: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

export function movementOf(losses: readonly PhotoLosses[]): Movement {
  if (!losses.length) throw new Error('no photos measured');
  const style = mean(losses.map((l) => l.style));
  const photoStyle = mean(losses.map((l) => l.photoStyle));
  return { style, photoStyle, ratio: style / photoStyle, content: mean(losses.map((l) => l.content)) };
}

export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** The yardstick: the teachers' movement ratios and content losses, mean and range. */
export interface TeacherSummary {
  readonly ratio: Spread;
  readonly content: Spread;
}

const spread = (xs: readonly number[]): Spread => ({ mean: mean(xs), min: Math.min(...xs), max: Math.max(...xs) });

export function teacherSummary(teachers: readonly Movement[]): TeacherSummary {
  if (!teachers.length) throw new Error('no teacher measured: nothing to compare the learned styles with');
  return { ratio: spread(teachers.map((t) => t.ratio)), content: spread(teachers.map((t) => t.content)) };
}

export interface Verdict {
  /** The movement ratio / the teachers' mean ratio. */
  readonly ratioX: number;
  /** The content loss / the teachers' mean content loss. */
  readonly contentX: number;
  /** ratioX <= QUALITY_TARGET; moving further than the teachers is no miss. */
  readonly movement: boolean;
  /** The looser reading, against the teachers' range: ratio <= QUALITY_TARGET x the weakest teacher's. Information only. */
  readonly movementRange: boolean;
  readonly content: boolean;
  /** Wall time <= WALL_TARGET_S; null when it is not known (a network learned before its time was recorded). */
  readonly wall: boolean | null;
  /** movement, content and (when known) wall time. */
  readonly met: boolean;
}

export function verdict(m: Movement, wallSeconds: number | null, t: TeacherSummary): Verdict {
  const ratioX = m.ratio / t.ratio.mean;
  const contentX = m.content / t.content.mean;
  const wall = wallSeconds === null ? null : wallSeconds <= WALL_TARGET_S;
  const [movement, content] = [ratioX <= QUALITY_TARGET, contentX <= QUALITY_TARGET];
  return { ratioX, contentX, movement, movementRange: m.ratio <= QUALITY_TARGET * t.ratio.max, content, wall, met: movement && content && wall !== false };
}

/** How a learned network came to be, from its file and its record beside it. */
export interface LearnRecord {
  /** The network file in the work folder. */
  readonly model: string;
  /** Learned by this run (false: found in the work folder). */
  readonly learnedNow: boolean;
  /** Wall seconds of the learn-style call that finished it; null when no record is left. */
  readonly wallSeconds: number | null;
  /** That call resumed an interrupted run, so its wall time misses the earlier part. */
  readonly resumed: boolean;
  /** Budget seconds spent and steps, from the network's provenance. */
  readonly trainingSeconds: number | null;
  readonly steps: number | null;
  /** os.loadavg() around the learn-style call. */
  readonly loadBefore: readonly number[] | null;
  readonly loadAfter: readonly number[] | null;
}

export interface TeacherRow {
  readonly style: string;
  readonly teacher: string;
  readonly painting: string;
  readonly movement: Movement;
}

export interface LearnedRow {
  readonly painting: string;
  readonly name: string;
  readonly learn: LearnRecord;
  readonly movement: Movement;
  readonly verdict: Verdict;
}

export interface LearnStyleBenchResult {
  readonly command: string;
  readonly machine: string;
  /** os.loadavg() when the run started and when it ended (1, 5, 15 minutes). */
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly base: { readonly spec: string; readonly name: string; readonly sha256: string; readonly styles: readonly string[] };
  readonly minutes: number;
  readonly train: { readonly photos: string; readonly size: number | null; readonly batch: number | null };
  readonly work: string;
  readonly photos: { readonly dir: string; readonly files: readonly string[]; readonly width: number; readonly height: number };
  /** onnxruntime threads of learning and measuring (all cores). */
  readonly threads: number;
  readonly teachers: readonly TeacherRow[];
  readonly teacherSummary: TeacherSummary;
  readonly learned: readonly LearnedRow[];
  readonly sheet: string;
  /** Wall seconds of each part. */
  readonly seconds: { readonly learn: number; readonly teachers: number; readonly learned: number; readonly sheet: number };
}

const seconds = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;
const load = (): number[] => loadavg().map((v) => Math.round(v * 100) / 100);
const log = (line: string): void => void process.stderr.write(`learn-style bench: ${line}\n`);
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Setup {
  readonly o: LearnStyleBenchOptions;
  readonly base: LoadedModel;
  readonly vgg: VggWeights;
  readonly minutes: number;
  readonly trainPhotos: string;
  readonly work: string;
  readonly photos: readonly RawImage[];
  readonly width: number;
  readonly height: number;
  readonly threads: number;
}

/** The work file of a painting: the budget and training size are in the name, so another setting never reuses it. */
function workFile(s: Setup, name: string): string {
  const train = `${s.o.trainSize ? `-s${s.o.trainSize}` : ''}${s.o.batch ? `-b${s.o.batch}` : ''}`;
  return join(s.work, `${name}-${s.minutes}min${train}.onnx`);
}

/** What learn-style wrote into the network's provenance about its last style. */
interface LearnedProvenance {
  readonly name?: string;
  readonly baseSha256?: string;
  readonly paintingSha256?: string;
  readonly trainingSeconds?: number;
  readonly steps?: number;
}

function lastLearned(m: LoadedModel): LearnedProvenance {
  const list = m.info.provenance?.['learnedStyles'];
  return (Array.isArray(list) ? list[list.length - 1] : undefined) ?? {};
}

/** Wall time and load of the learn-style call, kept beside the network (its provenance has only the budget spent). */
interface WallRecord {
  readonly wallSeconds: number;
  readonly resumed: boolean;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/**
 * The learned network of one painting: the one in the work folder if it was learned from this
 * painting and base, else a learn-style run (which resumes its own checkpoint after an interruption).
 */
async function learnOne(s: Setup, painting: string, name: string): Promise<{ model: LoadedModel; record: LearnRecord }> {
  const file = workFile(s, name);
  const wallFile = `${file}.wall.json`;
  let wall: WallRecord | null = null;
  const learnedNow = !(await exists(file));
  if (learnedNow) {
    log(`learning ${name} from ${painting} for ${s.minutes} min -> ${file}`);
    const loadBefore = load();
    const t0 = performance.now();
    let resumed = false;
    let minute = -1;
    await learnStyle(
      {
        painting, base: s.base, output: file, name, minutes: s.minutes, content: s.trainPhotos, vgg: s.vgg, threads: s.threads,
        ...(s.o.trainSize ? { size: s.o.trainSize } : {}),
        ...(s.o.batch ? { batch: s.o.batch } : {}),
      },
      (e) => {
        if (e.type === 'learn') resumed = e.resumed;
        if (e.type === 'step' && Math.floor(e.elapsedSeconds / 60) > minute) {
          minute = Math.floor(e.elapsedSeconds / 60);
          log(`${name}: step ${e.step}, ${Math.round(e.elapsedSeconds)} s of ${s.minutes * 60}, style ${e.losses['style']?.toExponential(3)}, content ${e.losses['content']?.toExponential(3)}`);
        }
      },
    );
    wall = { wallSeconds: seconds(t0), resumed, loadBefore, loadAfter: load() };
    await writeFileAtomic(wallFile, `${JSON.stringify(wall, null, 2)}\n`);
    log(`${name}: learned in ${wall.wallSeconds} s${resumed ? ' (resumed)' : ''}`);
  } else {
    log(`${name}: ${file} exists, evaluating it without learning`);
    wall = await readFile(wallFile, 'utf8').then((t) => JSON.parse(t) as WallRecord, () => null);
  }
  const model = await loadModel(file);
  const p = lastLearned(model);
  // A network of another painting or base under this name would be measured against the wrong painting.
  if (p.name !== name || p.paintingSha256 !== sha256(await readFile(painting)) || p.baseSha256 !== s.base.sha256) {
    throw new Error(`${file} was not learned from ${painting} on ${s.base.info.name} as style '${name}'; remove it to learn again`);
  }
  return {
    model,
    record: {
      model: file, learnedNow, wallSeconds: wall?.wallSeconds ?? null, resumed: wall?.resumed ?? false,
      trainingSeconds: p.trainingSeconds ?? null, steps: p.steps ?? null, loadBefore: wall?.loadBefore ?? null, loadAfter: wall?.loadAfter ?? null,
    },
  };
}

/** One style of one network on every photo, against `painting`: the stylized and the unstyled photo's losses. */
async function measure(s: Setup, model: LoadedModel, mix: StyleMix | undefined, painting: string): Promise<Movement> {
  const meter = await LossMeter.create({ vgg: s.vgg, style: await readStyleTensor(painting, STYLE_SIDE), width: s.width, height: s.height, threads: s.threads });
  const stylizer = await Stylizer.create(model, { threads: s.threads, shared: false, ...(mix === undefined ? {} : { style: mix }) });
  try {
    const losses: PhotoLosses[] = [];
    for (const photo of s.photos) {
      const x = imagesToTensor([photo]).data;
      const out = await meter.measure(await stylizer.stylizeFloat(photo), x);
      const unstyled = await meter.measure(x, x);
      losses.push({ style: out.style, photoStyle: unstyled.style, content: out.content });
    }
    return movementOf(losses);
  } finally {
    await Promise.all([stylizer.release(), meter.release()]);
  }
}

/** The base's styles' teachers on their registered paintings (the registry names both). */
async function measureTeachers(s: Setup): Promise<TeacherRow[]> {
  const rows: TeacherRow[] = [];
  for (const style of stylesOf(s.base) ?? []) {
    if (!style.teacher) continue;
    const painting = await resolveStyleImage(findEntry(style.teacher));
    log(`teacher ${style.teacher} (${style.name}) on ${basename(painting)}`);
    rows.push({ style: style.name, teacher: style.teacher, painting: basename(painting), movement: await measure(s, await loadModel(style.teacher), undefined, painting) });
  }
  return rows;
}

/** A painting's path: a bare file name is one of the mirror's paintings. */
const paintingPath = (p: string, mirror: string): string => (p.includes('/') ? p : join(mirror, 'images', 'styles', p));

/** Row 1: the paintings; then the first photos: [photo, each learned style]. */
async function writeLearnedSheet(path: string, photosDir: string, learned: readonly { name: string; painting: string; model: LoadedModel }[]): Promise<void> {
  const files = (await listImages(photosDir)).slice(0, SHEET.photos);
  // White paper under the photo column of the paintings' row (writeSheet fills a smaller image's cell with white).
  const blank: RawImage = { width: 1, height: 1, channels: 3, data: new Uint8Array([255, 255, 255]) };
  const paintings = await Promise.all(learned.map((l) => decodeImage(l.painting, { fit: { mode: 'inside', side: SHEET.height, enlarge: true }, pixels: 'rgb', flatten: true })));
  const rows: RawImage[][] = [[blank, ...paintings]];
  const photos = await Promise.all(files.map((f) => loadPhoto(f, SHEET.width, SHEET.height)));
  const columns: RawImage[][] = [];
  for (const l of learned) {
    const stylizer = await Stylizer.create(l.model, { shared: false, style: l.name });
    try {
      columns.push(await stylizer.stylizeMany(photos));
    } finally {
      await stylizer.release();
    }
  }
  for (const [i, photo] of photos.entries()) rows.push([photo, ...columns.map((c) => c[i]!)]);
  await writeSheet(path, { columns: ['photo', ...learned.map((l) => l.name)], rows });
}

/** Learn every painting's style (or find it), measure it and the teachers, write README.md, results.json and the sheet. */
export async function benchLearnStyle(o: LearnStyleBenchOptions): Promise<LearnStyleBenchResult> {
  const loadStart = load();
  const machine = formatMachine(machineInfo());
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) throw new Error('bench learn-style needs STYLECAST_MIRROR (the paintings, the photos, the VGG, the teachers and their paintings)');
  log(`${machine}; load ${loadStart.join(' / ')}`);
  const paintings = (o.paintings ?? DEFAULT_PAINTINGS).map((p) => paintingPath(p, mirror));
  const names = paintings.map(styleNameOf);
  if (new Set(names).size !== names.length) throw new Error(`two paintings give the same style name: ${names.join(', ')}`);
  const [width, height] = [o.width ?? 432, o.height ?? 288];
  const photosDir = join(mirror, 'photos', 'test');
  const files = (await listImages(photosDir)).slice(0, o.limit ?? 12);
  const baseSpec = o.base ?? DEFAULT_MULTI_MODEL;
  const s: Setup = {
    o,
    base: await loadModel(baseSpec),
    vgg: await loadVgg('vgg19-block1-3'),
    minutes: o.minutes ?? LEARN_STYLE_DEFAULTS.minutes,
    trainPhotos: join(mirror, 'photos', 'train'),
    work: resolve(o.work ?? join(cacheRoot(defaultStore()), 'bench', 'learn-style')),
    photos: await Promise.all(files.map((f) => loadPhoto(f, width, height))),
    width,
    height,
    threads: cpus().length,
  };
  await mkdir(s.work, { recursive: true });

  let t0 = performance.now();
  const learned: { name: string; painting: string; model: LoadedModel; record: LearnRecord }[] = [];
  for (const [i, painting] of paintings.entries()) learned.push({ name: names[i]!, painting, ...(await learnOne(s, painting, names[i]!)) });
  const tLearn = seconds(t0);

  t0 = performance.now();
  const teachers = await measureTeachers(s);
  const summary = teacherSummary(teachers.map((t) => t.movement));
  const tTeachers = seconds(t0);

  t0 = performance.now();
  const rows: LearnedRow[] = [];
  for (const l of learned) {
    log(`measuring ${l.name}`);
    const movement = await measure(s, l.model, l.name, l.painting);
    rows.push({ painting: basename(l.painting), name: l.name, learn: l.record, movement, verdict: verdict(movement, l.record.wallSeconds, summary) });
  }
  const tLearned = seconds(t0);

  const resultsDir = resolve(o.out ?? join(ROOT, 'bench', 'results', 'learn-style'));
  await mkdir(resultsDir, { recursive: true });
  const sheetPath = join(resultsDir, 'sheet.jpg');
  t0 = performance.now();
  await writeLearnedSheet(sheetPath, photosDir, learned);
  const tSheet = seconds(t0);

  const inRepo = (p: string) => (p.startsWith(ROOT) ? relative(ROOT, p) : p);
  const result: LearnStyleBenchResult = {
    command: o.command,
    machine,
    loadStart,
    loadEnd: load(),
    base: { spec: baseSpec, name: s.base.info.name, sha256: s.base.sha256, styles: (stylesOf(s.base) ?? []).map((x) => x.name) },
    minutes: s.minutes,
    train: { photos: s.trainPhotos, size: o.trainSize ?? null, batch: o.batch ?? null },
    work: s.work,
    photos: { dir: photosDir, files: files.map((f) => basename(f)), width, height },
    threads: s.threads,
    teachers,
    teacherSummary: summary,
    learned: rows,
    sheet: inRepo(sheetPath),
    seconds: { learn: tLearn, teachers: tTeachers, learned: tLearned, sheet: tSheet },
  };
  log(`load at the end ${result.loadEnd.join(' / ')}`);
  await writeFile(join(resultsDir, 'README.md'), report(result));
  await writeFile(join(resultsDir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${join(resultsDir, 'README.md')}, results.json, sheet.jpg`);
  return result;
}

const f2 = (v: number) => v.toFixed(2);
const f3 = (v: number) => v.toFixed(3);
const sci = (v: number) => v.toExponential(3);
const yes = (b: boolean | null) => (b === null ? 'unknown' : b ? 'met' : '**missed**');
const minutesOf = (l: LearnRecord) => (l.wallSeconds === null ? '—' : `${f2(l.wallSeconds / 60)}${l.resumed ? ' (resumed)' : ''}`);

function report(r: LearnStyleBenchResult): string {
  const t = r.teacherSummary;
  const train = `${r.train.size ? `crop ${r.train.size}` : 'crop 256'}, ${r.train.batch ? `batch ${r.train.batch}` : 'batch 4'}`;
  const lines = [
    `# learn-style on unseen paintings: ${r.base.name} + one style each (issue 18)`,
    '',
    `Command: \`${r.command}\`  `,
    `Machine: ${r.machine}  `,
    `Load average (1/5/15 min): ${r.loadStart.join(' / ')} when the run started, ${r.loadEnd.join(' / ')} when it ended  `,
    `Base: \`${r.base.spec}\` (${r.base.name}, sha256 ${r.base.sha256.slice(0, 16)}...; styles ${r.base.styles.join(', ')})  `,
    `Learning: \`stylecast learn-style\`'s code, ${r.minutes} min budget each, ${train}, training photos \`${r.train.photos}\`, ${r.threads} threads; networks kept in \`${r.work}\`  `,
    `Photos: the first ${r.photos.files.length} of \`${r.photos.dir}\` (held out), cover-resized and centre-cropped to ${r.photos.width}x${r.photos.height}  `,
    `Wall time: learning ${r.seconds.learn} s, teachers ${r.seconds.teachers} s, learned styles ${r.seconds.learned} s, sheet ${r.seconds.sheet} s`,
    '',
    'Movement ratio: style loss of the outputs / style loss of the unstyled photos, both against the painting (VGG-19, unweighted, the painting at longer side ' +
      `${STYLE_SIDE}; means over the photos, then their ratio). 1 means the photos did not move toward the painting; lower is further. Content loss: against the photo.`,
    '',
    '## The yardstick: the built-in styles\' teachers on their own paintings',
    '',
    '| style | teacher | painting | style loss | photos\' style loss | movement ratio | content loss |',
    '|---|---|---|---:|---:|---:|---:|',
    ...r.teachers.map((x) => `| ${x.style} | ${x.teacher} | ${x.painting} | ${sci(x.movement.style)} | ${sci(x.movement.photoStyle)} | ${f3(x.movement.ratio)} | ${sci(x.movement.content)} |`),
    '',
    `Movement ratio: mean ${f3(t.ratio.mean)}, range ${f3(t.ratio.min)}-${f3(t.ratio.max)}. Content loss: mean ${sci(t.content.mean)}, range ${sci(t.content.min)}-${sci(t.content.max)}.`,
    '',
    '## Learned styles',
    '',
    `Targets: wall time <= ${WALL_TARGET_S / 60} min; movement ratio <= ${QUALITY_TARGET}x the teachers' **mean** ratio (moving further than the teachers is no miss); content loss <= ${QUALITY_TARGET}x the teachers' mean. ` +
      `"Within the range" is the looser reading, ratio <= ${QUALITY_TARGET}x the weakest teacher's (${f3(t.ratio.max)}), for information.`,
    '',
    '| painting | style | wall min | budget s | steps | style loss | photos\' style loss | movement ratio | x teachers | content loss | x teachers | wall | movement | within the range | content | all |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---|',
    ...r.learned.map((x) => `| ${x.painting} | ${x.name} | ${minutesOf(x.learn)} | ${x.learn.trainingSeconds ?? '—'} | ${x.learn.steps ?? '—'} | ${sci(x.movement.style)} | ${sci(x.movement.photoStyle)} | ${f3(x.movement.ratio)} | ${f2(x.verdict.ratioX)} | ${sci(x.movement.content)} | ${f2(x.verdict.contentX)} | ${yes(x.verdict.wall)} | ${yes(x.verdict.movement)} | ${x.verdict.movementRange ? 'yes' : 'no'} | ${yes(x.verdict.content)} | ${yes(x.verdict.met)} |`),
    '',
    `Met for ${r.learned.filter((x) => x.verdict.met).length} of ${r.learned.length} paintings. ` +
      `Wall time is the learn-style call (set-up, the budget, writing); ${r.learned.some((x) => !x.learn.learnedNow) ? 'networks found in the work folder were learned by an earlier run, whose time and load are recorded beside them; ' : ''}"(resumed)" marks a call that continued an interrupted run, whose earlier part it does not count.`,
    '',
    '## Sheet',
    '',
    `Top row: the paintings; then the first ${SHEET.photos} photos at ${SHEET.width}x${SHEET.height}: the photo and each learned style.`,
    '',
    '![paintings and learned styles](sheet.jpg)',
    '',
  ];
  return lines.join('\n');
}

const USAGE =
  'usage: npx tsx bench/learn-style.ts [--paintings a.jpg,b.png] [--minutes N] [--limit K] [--size WxH] [--work DIR] [--out DIR] [--base NAME|FILE] [--train-size N] [--batch N]';

/** The command line as options; errors are one line with the usage. */
export function parseLearnStyleBenchArgs(args: readonly string[]): LearnStyleBenchOptions {
  let values;
  try {
    const str = { type: 'string' } as const;
    ({ values } = parseArgs({
      args: [...args],
      options: { paintings: str, minutes: str, limit: str, size: str, work: str, out: str, base: str, 'train-size': str, batch: str },
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${USAGE}`);
  }
  const option = <T>(flag: keyof typeof values, parse: (s: string) => T): T | undefined => {
    const value = values[flag];
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (e) {
      throw new Error(`--${flag}: ${(e as Error).message}`);
    }
  };
  const [width, height] = option('size', size) ?? [undefined, undefined];
  const paintings = option('paintings', (v) => v.split(',').filter(Boolean));
  const minutes = option('minutes', number);
  const limit = option('limit', positiveInt);
  const trainSize = option('train-size', positiveInt);
  const batch = option('batch', positiveInt);
  return {
    command: `STYLECAST_MIRROR=${process.env.STYLECAST_MIRROR ?? ''} npx tsx bench/learn-style.ts ${args.join(' ')}`.trimEnd(),
    ...(paintings === undefined ? {} : { paintings }),
    ...(minutes === undefined ? {} : { minutes }),
    ...(limit === undefined ? {} : { limit }),
    ...(width === undefined ? {} : { width, height }),
    ...(values.work === undefined ? {} : { work: values.work }),
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values.base === undefined ? {} : { base: values.base }),
    ...(trainSize === undefined ? {} : { trainSize }),
    ...(batch === undefined ? {} : { batch }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await benchLearnStyle(parseLearnStyleBenchArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`learn-style bench: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
