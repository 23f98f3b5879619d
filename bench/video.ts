/**
 * End-to-end Node video pipeline fps on the seed's capture format (asl_*.mkv, 640x480, 30 fps) for every
 * combination of onnxruntime intra-op threads {1, 2} x ffmpeg decoder threads {1, auto} x ffmpeg encoder
 * threads {1, auto} with the default student, each against inference-only fps at the same onnxruntime
 * threads measured in the same run; then x264 presets at the default threads (the encoder's CPU is taken
 * from the network's two cores); then the teacher at the default threads (src/video/threads.ts).
 * `npm run bench -- video`: about 5 minutes on a quiet 2-core machine (16 student runs of 90 frames, one
 * teacher run of 24). Needs STYLECAST_MIRROR for the clip and the teacher. Quick check, marked as such in the
 * results: STYLECAST_BENCH_STUDENT_FRAMES=20 STYLECAST_BENCH_TEACHER_FRAMES=3 STYLECAST_BENCH_PASSES=1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL } from '../src/io/registry.js';
import { decodeVideo, probeVideo } from '../src/io/video.js';
import type { RawImage } from '../src/io/pixels.js';
import { loadModel } from '../src/models/load.js';
import type { LoadedModel } from '../src/models/modelfile.js';
import { formatMachine, machineInfo } from '../src/perf/machine.js';
import type { FrameStageMs } from '../src/runtime/pipeline.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import { stylizeVideo } from '../src/video/stylize.js';
import { defaultVideoThreads, type VideoThreads } from '../src/video/threads.js';

const MIRROR = process.env.STYLECAST_MIRROR;
const CLIP = process.env.STYLECAST_BENCH_CLIP ?? 'video/asl_book.mkv';
/** Frames per model: the teacher runs ~0.7 s/frame here, so it gets a shorter cut. */
const DEFAULTS = { student: 90, teacher: 24, passes: 2 } as const;
const FRAMES = {
  student: Number(process.env.STYLECAST_BENCH_STUDENT_FRAMES ?? DEFAULTS.student),
  teacher: Number(process.env.STYLECAST_BENCH_TEACHER_FRAMES ?? DEFAULTS.teacher),
};
/** Runs of every combination; every other pass goes through them in reverse, so a drifting machine favours none. */
const PASSES = Number(process.env.STYLECAST_BENCH_PASSES ?? DEFAULTS.passes);
const QUICK = FRAMES.student < DEFAULTS.student || FRAMES.teacher < DEFAULTS.teacher || PASSES < DEFAULTS.passes;

const ORT_THREADS = [2, 1] as const;
/** 0 is ffmpeg's own choice ('auto'): what the pipeline did before it set threads. */
const FFMPEG_THREADS = [1, 0] as const;
const TARGET = 0.95;
/** The pipeline's default first; faster presets spend fewer CPU ms per frame on a larger file. */
const PRESETS = ['veryfast', 'superfast', 'ultrafast'] as const;

/** The default real-time student this project ships (models/). */
const STUDENT = DEFAULT_MODEL;

const same = (a: VideoThreads, b: VideoThreads) => a.inference === b.inference && a.decode === b.decode && a.encode === b.encode;
const ff = (n: number) => (n === 0 ? 'auto' : String(n));
const ort = (n: number) => (n === 0 ? "onnxruntime's choice" : String(n));
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;
const fixed = (x: number, d = 3) => Number(x.toFixed(d));

async function inferenceOnlyFps(model: LoadedModel, frames: readonly RawImage[], threads: number): Promise<number> {
  const s = await Stylizer.create(model, { batchSize: 1, ...(threads ? { threads } : {}) });
  await s.stylize(frames[0]!); // warm-up
  const t0 = performance.now();
  for (const f of frames) await s.stylize(f);
  return frames.length / ((performance.now() - t0) / 1000);
}

/** One pipeline run, per frame where the stage has a cost per frame. */
interface Run {
  fps: number;
  inferUtilization: number;
  perFrame: FrameStageMs;
  /** ffmpeg's own CPU time (user + system) per frame, ms. */
  ffmpegCpuMs: { decode: number; encode: number };
  wallMs: number;
  frames: { in: number; out: number; dropped: number };
}

async function pipelineRun(model: LoadedModel, clip: string, out: string, threads: VideoThreads | undefined, preset?: string): Promise<Run & { threads: VideoThreads; bytes: number }> {
  // undefined: no thread options at all, so the run shows what the defaults really give.
  const r = await stylizeVideo(clip, out, { model, batchSize: 1, ...(preset ? { preset } : {}), ...(threads ? { threads: threads.inference, decodeThreads: threads.decode, encodeThreads: threads.encode } : {}) });
  const p = r.pipeline;
  const n = Math.max(1, p.frames.stylized);
  const cpu = (c?: { user: number; system: number }) => (c ? fixed(((c.user + c.system) * 1000) / n, 2) : NaN);
  return {
    threads: r.threads,
    fps: p.fps,
    inferUtilization: p.inferUtilization,
    perFrame: p.perFrame,
    ffmpegCpuMs: { decode: cpu(r.decode.cpu), encode: cpu(r.encode.cpu) },
    wallMs: Math.round(p.ms),
    frames: { in: r.decode.frames, out: r.encode.frames, dropped: p.frames.dropped },
    bytes: statSync(out).size,
  };
}

/** Means over the passes of one combination. */
function summarize(runs: readonly Run[]): Omit<Run, 'frames'> & { frames: Run['frames']; runsFps: number[] } {
  const m = (f: (r: Run) => number, d = 2) => fixed(mean(runs.map(f)), d);
  return {
    fps: m((r) => r.fps, 3),
    runsFps: runs.map((r) => fixed(r.fps)),
    inferUtilization: m((r) => r.inferUtilization, 3),
    perFrame: { decodeWait: m((r) => r.perFrame.decodeWait), inference: m((r) => r.perFrame.inference), encodeWait: m((r) => r.perFrame.encodeWait), copy: m((r) => r.perFrame.copy) },
    ffmpegCpuMs: { decode: m((r) => r.ffmpegCpuMs.decode), encode: m((r) => r.ffmpegCpuMs.encode) },
    wallMs: Math.round(mean(runs.map((r) => r.wallMs))),
    frames: runs.at(-1)!.frames,
  };
}

async function decodeAll(clip: string): Promise<RawImage[]> {
  const frames: RawImage[] = [];
  const info = await probeVideo(clip);
  for await (const f of decodeVideo(clip, { sourceSize: info })) frames.push(f);
  return frames;
}

export async function benchVideo(): Promise<object> {
  if (!MIRROR) throw new Error('bench video needs STYLECAST_MIRROR (e.g. ../shared/assets) for the asl clips and the teacher');
  for (const [k, v] of Object.entries({ ...FRAMES, passes: PASSES })) if (!Number.isInteger(v) || v < 1) throw new Error(`bench video: ${k} must be a positive integer, got ${v}`);
  const started = performance.now();
  const machine = machineInfo();
  const cores = availableParallelism();
  const chosen = defaultVideoThreads(cores);
  const src = join(MIRROR, CLIP);
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-video-'));
  try {
    const cut = (n: number) => {
      const out = join(dir, `cut${n}.mkv`);
      // Stream copy of the first n frames' worth: same codec, same decode cost per frame.
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-frames:v', String(n), '-c', 'copy', out]);
      return out;
    };

    // Student: every combination, passes alternating in direction, inference-only before and after all of them.
    const student = await loadModel(STUDENT);
    const sClip = cut(FRAMES.student);
    const sFrames = await decodeAll(sClip);
    const combos: VideoThreads[] = ORT_THREADS.flatMap((inference) => FFMPEG_THREADS.flatMap((decode) => FFMPEG_THREADS.map((encode) => ({ inference, decode, encode }))));
    const baseline = new Map<number, number[]>(ORT_THREADS.map((t) => [t, []]));
    for (const t of ORT_THREADS) baseline.get(t)!.push(await inferenceOnlyFps(student, sFrames, t));
    const runs = combos.map((): Run[] => []);
    for (let pass = 0; pass < PASSES; pass++) {
      const order = combos.map((_, i) => i);
      if (pass % 2 === 1) order.reverse();
      for (const i of order) {
        const t = combos[i]!;
        process.stderr.write(`bench video: pass ${pass + 1}/${PASSES}, onnxruntime ${t.inference}, decode ${ff(t.decode)}, encode ${ff(t.encode)}\n`);
        runs[i]!.push(await pipelineRun(student, sClip, join(dir, `student-${i}-${pass}.mp4`), t));
      }
    }
    // Encoder presets at the default threads, passes alternating in direction like the grid.
    const presetRuns = PRESETS.map((): (Run & { bytes: number })[] => []);
    for (let pass = 0; pass < PASSES; pass++) {
      const order = PRESETS.map((_, i) => i);
      if (pass % 2 === 1) order.reverse();
      for (const i of order) {
        process.stderr.write(`bench video: pass ${pass + 1}/${PASSES}, x264 preset ${PRESETS[i]}\n`);
        presetRuns[i]!.push(await pipelineRun(student, sClip, join(dir, `preset-${i}-${pass}.mp4`), chosen, PRESETS[i]));
      }
    }
    for (const t of [...ORT_THREADS].reverse()) baseline.get(t)!.push(await inferenceOnlyFps(student, sFrames, t));
    sFrames.length = 0;

    const rows = combos.map((threads, i) => {
      const s = summarize(runs[i]!);
      const base = mean(baseline.get(threads.inference)!);
      return { threads, isDefault: same(threads, chosen), inferenceOnlyFps: fixed(base), ratio: fixed(s.fps / base), ...s };
    });
    const def = rows.find((r) => r.isDefault);
    const best = rows.reduce((a, b) => (b.fps > a.fps ? b : a));
    const ref = def ?? best;
    const table = rows.map((r) => ({ ...r, vsDefault: fixed(r.fps / ref.fps - 1, 4) }));
    // Each choice on its own: the mean fps change over the pairs of rows that differ only in it.
    const effect = (key: keyof VideoThreads, from: number, to: number) =>
      fixed(mean(rows.filter((r) => r.threads[key] === from).map((r) => rows.find((o) => same(o.threads, { ...r.threads, [key]: to }))!.fps / r.fps - 1)), 4);
    const effects = { inference1: effect('inference', 2, 1), decodeAuto: effect('decode', 1, 0), encodeAuto: effect('encode', 1, 0) };
    const chosenBase = mean(baseline.get(chosen.inference)!);
    const presets = PRESETS.map((preset, i) => {
      const s = summarize(presetRuns[i]!);
      return { preset, ratio: fixed(s.fps / chosenBase), kbPerFrame: fixed(mean(presetRuns[i]!.map((r) => r.bytes)) / 1024 / s.frames.out, 1), ...s };
    });
    // The network at the default threads keeps every core busy: whatever ffmpeg spends per frame comes
    // out of the network's time. Its CPU ms per frame against the network's (cores x ms per frame) bounds
    // the pipeline's ratio to inference-only from above.
    const bound = (ffmpegMs: number) => fixed(1 / (1 + ffmpegMs / ((cores * 1000) / chosenBase)));

    // Teacher at the default threads: no thread options, as a user runs it.
    const teacher = await loadModel('candy');
    const tClip = cut(FRAMES.teacher);
    const tFrames = await decodeAll(tClip);
    const tBefore = await inferenceOnlyFps(teacher, tFrames, chosen.inference);
    // One run: a single combination has no order to even out, and the baselines bracket it.
    const tRuns = [await pipelineRun(teacher, tClip, join(dir, 'teacher.mp4'), undefined)];
    const tAfter = await inferenceOnlyFps(teacher, tFrames, chosen.inference);
    const tBase = (tBefore + tAfter) / 2;
    const tSum = summarize(tRuns);
    const teacherRow = { model: teacher.info.name, threads: tRuns[0]!.threads, inferenceOnlyFps: fixed(tBase), ratio: fixed(tSum.fps / tBase), ...tSum };

    const seconds = Math.round((performance.now() - started) / 1000);
    const loadEnd = Math.round(loadavg()[0]! * 100) / 100;
    const result = {
      clip: CLIP,
      size: '640x480',
      machine,
      loadEnd,
      seconds,
      quick: QUICK,
      passes: PASSES,
      defaultThreads: chosen,
      student: { model: student.info.name, frames: rows[0]!.frames.in, inferenceOnlyRuns: Object.fromEntries([...baseline].map(([t, v]) => [t, v.map((x) => fixed(x))])), rows: table, best: best.threads, effects },
      presets: presets.map((p) => ({ ...p, cpuBound: bound(p.ffmpegCpuMs.decode + p.ffmpegCpuMs.encode) })),
      teacher: teacherRow,
      target: `pipeline fps >= ${TARGET} x inference-only fps`,
    };

    const label = (t: VideoThreads) => `onnxruntime ${ort(t.inference)}, decode ${ff(t.decode)}, encode ${ff(t.encode)}`;
    const verdict = !def
      ? `The default on this machine (${label(chosen)}) is not in the grid; the fastest was ${label(best.threads)}.`
      : best === def
        ? `The default (${label(chosen)}) was the fastest.`
        : `**The default (${label(chosen)}) lost** to ${label(best.threads)} by ${pct(best.fps / def.fps - 1)}: change defaultVideoThreads (src/video/threads.ts).`;
    const md = [
      '# Node video pipeline: threads per stage, end-to-end fps vs inference only',
      '',
      ...(QUICK ? [`**Quick mode (${FRAMES.student} student frames, ${FRAMES.teacher} teacher frames, ${PASSES} pass${PASSES === 1 ? '' : 'es'}): a check that the bench runs, not a result.**`, ''] : []),
      `Machine: ${formatMachine(machine)} at the start, ${loadEnd} at the end  `,
      `Command: \`npm run bench -- video\` (clip \`${CLIP}\`, 640x480, batch 1, ${PASSES} pass${PASSES === 1 ? '' : 'es'}; took ${seconds} s; shared machine: compare within a run, not across runs)  `,
      `Student: \`${STUDENT}\` (the default real-time student: width 8, blocks 0 and 4 of candy, 3x3 end kernels; models/README.md). Teacher: \`candy\` (pytorch/examples).  `,
      'Inference only: `Stylizer.stylize` on frames already in memory with the same onnxruntime threads (the pixel graph: rgb24 in, rgb24 out, conversions in-graph), mean of a run before and after all pipeline runs.  ',
      'Pipeline: ffmpeg decode (`-threads`) -> FIFO (block) -> shape check -> network on a worker thread (2 batches in flight) -> x264 veryfast encode (`-threads`) with audio mux. ' +
        (PASSES === 1 ? 'Each combination runs once.  ' : `Each student combination runs ${PASSES} times, every other pass in reverse order; its fps is the mean. The teacher runs once.  `),
      `Default: what \`defaultVideoThreads\` picks for ${cores} cores (src/video/threads.ts): ${label(chosen)}. "auto" is ffmpeg's own choice, what the pipeline did before it set threads.`,
      '',
      `## Student (\`${student.info.name}\`, ${rows[0]!.frames.in} frames): every combination`,
      '',
      `| onnxruntime threads | ffmpeg decode threads | ffmpeg encode threads | inference-only fps | pipeline fps | fps per pass | ratio | vs ${def ? 'default' : 'fastest'} | network busy | decode wait ms/frame | encode wait ms/frame | ffmpeg decode CPU ms/frame | ffmpeg encode CPU ms/frame |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...table.map((r) => {
        const mark = (s: string) => (r.isDefault ? `**${s}**` : s);
        return `| ${mark(String(r.threads.inference))}${r.isDefault ? ' (default)' : ''} | ${mark(ff(r.threads.decode))} | ${mark(ff(r.threads.encode))} | ${r.inferenceOnlyFps.toFixed(2)} | ${r.fps.toFixed(2)} | ${r.runsFps.map((x) => x.toFixed(2)).join(' / ')} | ${(r.ratio * 100).toFixed(0)}% | ${same(r.threads, ref.threads) ? '—' : pct(r.vsDefault)} | ${(r.inferUtilization * 100).toFixed(0)}% | ${r.perFrame.decodeWait} | ${r.perFrame.encodeWait} | ${r.ffmpegCpuMs.decode} | ${r.ffmpegCpuMs.encode} |`;
      }),
      '',
      verdict,
      '',
      `Each choice alone (mean change in pipeline fps over the pairs of rows that differ only in it): onnxruntime 1 thread instead of 2 ${pct(effects.inference1)}; ffmpeg decode auto instead of 1 thread ${pct(effects.decodeAuto)}; encode auto instead of 1 thread ${pct(effects.encodeAuto)}.`,
      '',
      `## x264 presets at the default threads (${label(chosen)})`,
      '',
      `The network at ${chosen.inference} threads keeps the ${cores} cores busy, so ffmpeg's CPU per frame comes out of its time. Were inference-only all network work (${cores} x ${(1000 / chosenBase).toFixed(1)} core-ms per frame at ${chosenBase.toFixed(2)} fps), the pipeline could keep at most network / (network + ffmpeg) of that rate: the last column, and ${TARGET} would need ffmpeg under ${(((1 - TARGET) / TARGET) * ((cores * 1000) / chosenBase)).toFixed(1)} CPU ms per frame. It is not quite: inference-only runs one frame at a time, its pixel conversions not overlapping the network, while the pipeline keeps two frames in flight, so the pipeline can beat the bound, and inference-only.`,
      '',
      '| x264 preset | pipeline fps | fps per pass | ratio | ffmpeg decode CPU ms/frame | ffmpeg encode CPU ms/frame | KiB per frame | CPU bound on the ratio |',
      '|---|---|---|---|---|---|---|---|',
      ...presets.map((p) => `| ${p.preset}${p.preset === PRESETS[0] ? ' (default)' : ''} | ${p.fps.toFixed(2)} | ${p.runsFps.map((x) => x.toFixed(2)).join(' / ')} | ${(p.ratio * 100).toFixed(0)}% | ${p.ffmpegCpuMs.decode} | ${p.ffmpegCpuMs.encode} | ${p.kbPerFrame} | ${(bound(p.ffmpegCpuMs.decode + p.ffmpegCpuMs.encode) * 100).toFixed(0)}% |`),
      '',
      '## Teacher at the default threads',
      '',
      '| model | frames | threads | inference-only fps | pipeline fps | ratio | network busy | decode wait ms/frame | encode wait ms/frame | ffmpeg decode CPU ms/frame | ffmpeg encode CPU ms/frame |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${teacherRow.model} | ${teacherRow.frames.in} | ${label(teacherRow.threads)} | ${teacherRow.inferenceOnlyFps.toFixed(2)} | ${teacherRow.fps.toFixed(2)} | ${(teacherRow.ratio * 100).toFixed(0)}% | ${(teacherRow.inferUtilization * 100).toFixed(0)}% | ${teacherRow.perFrame.decodeWait} | ${teacherRow.perFrame.encodeWait} | ${teacherRow.ffmpegCpuMs.decode} | ${teacherRow.ffmpegCpuMs.encode} |`,
      '',
      `Target (issue 19): pipeline fps >= ${TARGET} x inference-only fps. Stages overlap, so waits do not add up to the time per frame; "decode wait" is the decode loop waiting on ffmpeg, mostly while the queue is full anyway. Each pass's fps and the per-frame stage times are in video.json.`,
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
