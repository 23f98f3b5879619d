/**
 * End-to-end Node video pipeline fps on the seed's capture format (asl_*.mkv, 640x480, 30 fps) against
 * inference-only fps measured in the same run, with the time split by stage.
 * `npx tsx bench/video.ts` or through `npm run bench -- video`. Needs STYLECAST_MIRROR for clips and the teacher.
 */
import { execFileSync } from 'node:child_process';
import { DEFAULT_MODEL } from '../src/io/registry.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVideo, probeVideo } from '../src/io/video.js';
import { loadModel } from '../src/models/load.js';
import type { LoadedModel } from '../src/models/modelfile.js';
import { formatMachine, machineInfo } from '../src/perf/machine.js';
import type { RawImage } from '../src/io/pixels.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import type { FrameStageMs } from '../src/runtime/pipeline.js';
import { stylizeVideo, type VideoResult } from '../src/video/stylize.js';

const MIRROR = process.env.STYLECAST_MIRROR;
const CLIP = process.env.STYLECAST_BENCH_CLIP ?? 'video/asl_book.mkv';
/** Frames per model: the teacher runs ~0.5-2 s/frame here, so it gets a shorter cut. */
const FRAMES = { student: Number(process.env.STYLECAST_BENCH_STUDENT_FRAMES ?? 110), teacher: Number(process.env.STYLECAST_BENCH_TEACHER_FRAMES ?? 24) };

/** The default real-time student this project ships (models/). */
const STUDENT = DEFAULT_MODEL;

async function inferenceOnlyFps(model: LoadedModel, frames: readonly RawImage[]): Promise<number> {
  const s = await Stylizer.create(model, { batchSize: 1 });
  await s.stylize(frames[0]!); // warm-up
  const t0 = performance.now();
  for (const f of frames) await s.stylize(f);
  return frames.length / ((performance.now() - t0) / 1000);
}

interface Row {
  model: string;
  frames: number;
  inferenceOnlyFps: number;
  pipelineFps: number;
  ratio: number;
  inferUtilization: number;
  ms: { copy: number; run: number; read: number; queueFull: number; write: number; inferStarved: number; wall: number };
  /** The pipeline's per-frame stage times (what `stylecast video --json` reports). */
  perFrame: FrameStageMs;
  ffmpegCpuS: { decode: number; encode: number };
  frameCheck: { in: number; out: number; dropped: number };
}

async function benchModel(name: string, model: LoadedModel, clip: string, dir: string): Promise<Row> {
  const frames: RawImage[] = [];
  const info = await probeVideo(clip);
  for await (const f of decodeVideo(clip, { sourceSize: info })) frames.push(f);
  // Baseline before and after the pipeline run, averaged: the machine is shared and drifts.
  const before = await inferenceOnlyFps(model, frames);
  const r: VideoResult = await stylizeVideo(clip, join(dir, `${name}.mp4`), { model, batchSize: 1 });
  const after = await inferenceOnlyFps(model, frames);
  const base = (before + after) / 2;
  const p = r.pipeline;
  const cpu = (c?: { user: number; system: number }) => (c ? Number((c.user + c.system).toFixed(3)) : NaN);
  const round = (x: number) => Math.round(x);
  return {
    model: model.info.name,
    frames: frames.length,
    inferenceOnlyFps: Number(base.toFixed(3)),
    pipelineFps: Number(p.fps.toFixed(3)),
    ratio: Number((p.fps / base).toFixed(3)),
    inferUtilization: Number(p.inferUtilization.toFixed(3)),
    ms: {
      copy: round(r.stylizer.copy), run: round(r.stylizer.run),
      read: round(p.stages.read), queueFull: round(p.stages.queueFull), write: round(p.stages.write), inferStarved: round(p.stages.inferStarved), wall: round(p.ms),
    },
    perFrame: p.perFrame,
    ffmpegCpuS: { decode: cpu(r.decode.cpu), encode: cpu(r.encode.cpu) },
    frameCheck: { in: frames.length, out: r.encode.frames, dropped: p.frames.dropped },
  };
}

export async function benchVideo(): Promise<object> {
  if (!MIRROR) throw new Error('bench video needs STYLECAST_MIRROR (e.g. ../shared/assets) for the asl clips and the teacher');
  const src = join(MIRROR, CLIP);
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-video-'));
  try {
    const cut = (n: number) => {
      const out = join(dir, `cut${n}.mkv`);
      // Stream copy of the first n frames' worth: same codec, same decode cost per frame.
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-frames:v', String(n), '-c', 'copy', out]);
      return out;
    };
    const rows = [
      await benchModel('student', await loadModel(STUDENT), cut(FRAMES.student), dir),
      await benchModel('teacher', await loadModel('candy'), cut(FRAMES.teacher), dir),
    ];
    const machine = machineInfo();
    const result = { clip: CLIP, size: '640x480', machine, rows, target: 'pipeline fps >= 0.9 x inference-only fps' };
    const md = [
      '# Node video pipeline: end-to-end fps vs inference only',
      '',
      `Machine: ${formatMachine(machine)}  `,
      `Command: \`npm run bench -- video\` (clip \`${CLIP}\`, 640x480, batch 1, all cores; shared machine: compare ratios, not absolutes)  `,
      `Student: \`${STUDENT}\` (the default real-time student: width 8, blocks 0 and 4 of candy, 3x3 end kernels; models/README.md). Teacher: \`candy\` (pytorch/examples).  `,
      'Inference only: `Stylizer.stylize` on frames already in memory (the pixel graph: rgb24 in, rgb24 out, conversions in-graph), mean of a run before and after the pipeline run.  ',
      'Pipeline: ffmpeg decode -> FIFO (block) -> shape check -> network on a worker thread (2 batches in flight) -> x264 veryfast encode with audio mux.',
      '',
      '| model | frames | inference-only fps | pipeline fps | ratio | network busy | copy ms | run ms | read wait ms | write wait ms | network starved ms | wall ms | ffmpeg decode CPU s | ffmpeg encode CPU s |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.model} | ${r.frames} | ${r.inferenceOnlyFps.toFixed(2)} | ${r.pipelineFps.toFixed(2)} | **${(r.ratio * 100).toFixed(0)}%** | ${(r.inferUtilization * 100).toFixed(0)}% | ${r.ms.copy} | ${r.ms.run} | ${r.ms.read} | ${r.ms.write} | ${r.ms.inferStarved} | ${r.ms.wall} | ${r.ffmpegCpuS.decode} | ${r.ffmpegCpuS.encode} |`,
      ),
      '',
      'Stages overlap, so their times do not add up to the wall time. "copy" is pixel copying on the main thread (frames move to the worker thread and back without one); "read wait" is the decode loop waiting on ffmpeg, mostly while the queue is full anyway. Per-frame stage times are in video.json.',
      '',
    ].join('\n');
    await writeFile(new URL('results/video.md', import.meta.url), md);
    await writeFile(new URL('results/video.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchVideo(), null, 2)}\n`);
}
