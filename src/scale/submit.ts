/**
 * Submit videos and photo folders as BullMQ flows, and follow them to the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { FlowProducer, type FlowJob, type JobsOptions } from 'bullmq';
import { DEFAULT_MODEL, findEntry } from '../io/registry.js';
import { muxerFor, probeVideo, splitVideo } from '../io/video.js';
import { isModelPath } from '../models/load.js';
import { readModelFile } from '../models/modelfile.js';
import { checkModel as checkModelPath } from './confine.js';
import { checkRedis, DEFAULT_QUEUE, redisOptions, type QueueTarget } from './connection.js';
import { Storage } from './storage.js';
import { childId, type AssembleData, type CollectData, type PhotosData, type SegmentData, type StyleSettings } from './jobs.js';

export interface SubmitOptions extends QueueTarget {
  /**
   * The workers' storage folders: inputs, outputs and model files must lead into them (symlinks and
   * '..' resolved), checked here so a bad path is an error before anything is queued or written.
   */
  readonly storage: readonly string[];
  /** Output file (one video), or directory (a photo folder, or several inputs: each keeps its name). */
  readonly output: string;
  /** Registered model name or .onnx file on shared storage. Defaults to the real-time student DEFAULT_MODEL. */
  readonly model?: string;
  /** Video part length; parts start at keyframes, so they are at least this long. Defaults to 10 s. */
  readonly segmentSeconds?: number;
  /** Photos per job. Defaults to 8. */
  readonly photosPerJob?: number;
  /** Tries per job before it fails for good (and fails its input). Defaults to 3. */
  readonly attempts?: number;
  /** Milliseconds between tries. Defaults to 1000. */
  readonly backoffMs?: number;
  /** Video frame size (defaults to the source's), x264 CRF (defaults to 18), photos' longest side. */
  readonly size?: StyleSettings['size'];
  readonly crf?: number;
  readonly maxSide?: number;
}

/** One submitted input: a flow whose parent id is `id`. */
export interface Submission {
  readonly id: string;
  readonly kind: 'video' | 'photos';
  readonly input: string;
  readonly output: string;
  /** Child jobs: video parts or photo batches. */
  readonly units: number;
  /** Frames (videos, as the container says) or photos to stylize. */
  readonly frames: number;
}

const PHOTO = /\.(jpe?g|png|webp)$/i;
/** Containers the joined parts can be copied into (a compressed video; no raw frame outputs). */
const VIDEO_MUXERS = new Set(['mp4', 'mov', 'matroska', 'webm']);

async function kindOf(path: string): Promise<'video' | 'photos'> {
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path} (${e.code ?? e.message})`);
  });
  return s.isDirectory() ? 'photos' : 'video';
}

async function listPhotos(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && PHOTO.test(e.name)) found.push(join(e.parentPath, e.name));
  }
  if (found.length === 0) throw new Error(`${dir} has no .jpg, .png or .webp photos`);
  return found.sort();
}

/** The model must resolve on the workers too; checking here turns a typo into one error before any job exists. */
async function checkModel(spec: string): Promise<string> {
  if (await isModelPath(spec)) {
    const path = resolve(spec);
    await readModelFile(path);
    return path;
  }
  const e = findEntry(spec);
  if (e.kind === 'loss-network') throw new Error(`'${spec}' is a ${e.kind}, not a style model`);
  return spec;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);

interface Planned {
  readonly flow: FlowJob;
  readonly submission: Submission;
  /** Removed if the flow cannot be added. */
  readonly work?: string;
}

async function planVideo(id: string, input: string, output: string, settings: StyleSettings, o: SubmitOptions, opts: { child: JobsOptions; parent: JobsOptions }, queueName: string, storage: Storage): Promise<Planned> {
  const muxer = muxerFor(output);
  const source = await probeVideo(input);
  // Hidden work directory beside the output (same file system, so its parts are on shared storage too).
  const work = join(dirname(output), `.${basename(output)}.${id}.parts`);
  await storage.checkWork(work);
  await mkdir(join(work, 'in'), { recursive: true });
  await mkdir(join(work, 'out'), { recursive: true });
  try {
    const inputs = await splitVideo(input, join(work, 'in'), o.segmentSeconds ?? 10);
    const ext = muxer === 'webm' ? '.webm' : '.mp4';
    const parts = inputs.map((p) => join(work, 'out', basename(p, '.mkv') + ext));
    const children: FlowJob[] = inputs.map((p, index) => ({
      name: 'segment',
      queueName,
      data: { ...settings, index, count: inputs.length, input: p, output: parts[index]!, work } satisfies SegmentData,
      opts: { ...opts.child, jobId: childId(id, 'segment', index) },
    }));
    const data: AssembleData = { input, output, model: settings.model, work, parts, ...(source.audioCodec ? { audioCodec: source.audioCodec } : {}), ...(source.frames !== undefined ? { frames: source.frames } : {}) };
    return {
      flow: { name: 'assemble', queueName, data, opts: { ...opts.parent, jobId: id }, children },
      submission: { id, kind: 'video', input, output, units: inputs.length, frames: source.frames ?? 0 },
      work,
    };
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

async function planPhotos(id: string, input: string, output: string, settings: StyleSettings, o: SubmitOptions, opts: { child: JobsOptions; parent: JobsOptions }, queueName: string, storage: Storage): Promise<Planned> {
  const photos = await listPhotos(input);
  const targets = photos.map((p) => join(output, relative(input, p)));
  // The same checks a worker makes, so one bad photo is an error now and not a failed job later.
  for (const p of photos) await storage.check(p, 'input');
  for (const t of targets) await storage.checkOutput(t);
  for (const d of new Set(targets.map((t) => dirname(t)))) {
    await mkdir(d, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`cannot create output directory ${d} (${e.code ?? e.message})`);
    });
  }
  const per = o.photosPerJob ?? 8;
  const count = Math.ceil(photos.length / per);
  const children: FlowJob[] = Array.from({ length: count }, (_, index) => ({
    name: 'photos',
    queueName,
    data: { ...settings, index, count, inputs: photos.slice(index * per, (index + 1) * per), outputs: targets.slice(index * per, (index + 1) * per) } satisfies PhotosData,
    opts: { ...opts.child, jobId: childId(id, 'photos', index) },
  }));
  const data: CollectData = { input, output, model: settings.model, photos: photos.length };
  return {
    flow: { name: 'collect', queueName, data, opts: { ...opts.parent, jobId: id }, children },
    submission: { id, kind: 'photos', input, output, units: count, frames: photos.length },
  };
}

/**
 * Split each input into jobs and add them to the queue: a video becomes one job per keyframe-aligned
 * part plus a parent that joins the parts with the source's audio; a photo folder becomes jobs of a
 * few photos each. Inputs and outputs must be on storage every worker can read, at the same path,
 * inside `storage`.
 * Returns once the jobs are queued; follow them with `waitFor`.
 *
 * @example
 * const subs = await submit(['/mnt/shared/film.mkv'], { redis: 'redis://queue:6379', storage: ['/mnt/shared'], output: '/mnt/shared/film-candy.mp4', model: 'candy' });
 * await waitFor(subs, { redis: 'redis://queue:6379', onEvent: (e) => e.type === 'progress' && console.log(e.done, e.total) });
 */
export async function submit(inputs: readonly string[], o: SubmitOptions): Promise<Submission[]> {
  if (inputs.length === 0) throw new Error('nothing to submit');
  redisOptions(o.redis); // a malformed URL fails before any work
  if (o.segmentSeconds !== undefined && !(o.segmentSeconds > 0)) throw new Error(`segment length must be positive, got ${o.segmentSeconds}`);
  const storage = await Storage.open(o.storage);
  const model = await checkModel(o.model ?? DEFAULT_MODEL);
  await checkModelPath(storage, model);
  const abs = inputs.map((i) => resolve(i));
  for (const input of abs) await storage.check(input, 'input');
  const kinds = await Promise.all(abs.map(kindOf));
  const out = resolve(o.output);
  // One video: -o is the file unless it names a directory. Otherwise -o is a directory and each input keeps its name.
  const single = abs.length === 1 && kinds[0] === 'video' && !o.output.endsWith('/') && !(await isDir(out));
  const outputs = abs.map((input, k) => (single || (abs.length === 1 && kinds[k] === 'photos') ? out : join(out, basename(input))));
  if (new Set(outputs).size !== outputs.length) throw new Error('two inputs have the same name: submit them separately');
  for (const [k, output] of outputs.entries()) {
    if (kinds[k] === 'video' && !VIDEO_MUXERS.has(muxerFor(output))) throw new Error(`${output}: submit writes .mp4, .mkv, .mov or .webm videos`);
  }
  // A photo folder's output is a folder (the storage itself is fine); its files are checked with the photos.
  for (const [k, output] of outputs.entries()) await (kinds[k] === 'video' ? storage.checkOutput(output) : storage.check(output, 'output'));
  await checkRedis(o.redis);
  if (!single) await mkdir(out, { recursive: true });

  const settings: StyleSettings = { model, ...(o.size ? { size: o.size } : {}), ...(o.crf !== undefined ? { crf: o.crf } : {}), ...(o.maxSide ? { maxSide: o.maxSide } : {}) };
  const queueName = o.queue ?? DEFAULT_QUEUE;
  const retries: JobsOptions = { attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: o.backoffMs ?? 1000 } };
  // A finished part's result lives on in its parent, so the part itself can go (listing stays cheap on
  // long videos); failed parts stay for their reason. Parents stay a week for `jobs` and `--wait`.
  const childOpts: JobsOptions = { ...retries, failParentOnFailure: true, removeOnComplete: true };
  const parentOpts: JobsOptions = { ...retries, removeOnComplete: { age: 7 * 24 * 3600 } };
  const planned: Planned[] = [];
  let added = 0;
  try {
    for (const [k, input] of abs.entries()) {
      const id = randomUUID().slice(0, 13).replace('-', '');
      const plan = kinds[k] === 'video' ? planVideo : planPhotos;
      planned.push(await plan(id, input, outputs[k]!, settings, o, { child: childOpts, parent: parentOpts }, queueName, storage));
    }
    const producer = new FlowProducer({ connection: redisOptions(o.redis) });
    try {
      // Each flow is written atomically: its parent and all its children, or nothing.
      for (const p of planned) {
        await producer.add(p.flow);
        added++;
      }
    } finally {
      await producer.close();
    }
  } catch (e) {
    // Flows already queued keep their parts; the others leave nothing behind.
    await Promise.all(planned.slice(added).map((p) => (p.work ? rm(p.work, { recursive: true, force: true }) : undefined)));
    throw e;
  }
  return planned.map((p) => p.submission);
}
