/**
 * Scale-out throughput: one clip through the BullMQ job engine with 1 and then 2 workers (1
 * onnxruntime thread each, separate processes, as on separate machines), against `stylizeVideo` in
 * one process with 1 thread, all in the same run; plus Redis commands per segment (INFO stats).
 *
 *   STYLECAST_MIRROR=../shared/assets npx tsx bench/scale.ts            # 24 s 640x480 clip from the asl_* videos, 2 s segments
 *   npx tsx bench/scale.ts --tiny                                        # 1 s 160x120 clip: checks the bench runs, writes nothing, does not wait for quiet
 *
 * Or `npm run bench -- scale`. Needs redis-server (started here on a free port) and ffmpeg. Rounds run
 * 1, 2, 2, 1 workers so drift of a shared machine hits both equally. Run alone on a quiet machine.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DEFAULT_MODEL } from '../src/io/registry.js';
import { probeVideo } from '../src/io/video.js';
import { formatMachine, machineInfo, waitForQuiet } from '../src/perf/machine.js';
import { submit } from '../src/scale/submit.js';
import { waitFor } from '../src/scale/wait.js';
import { stylizeVideo } from '../src/video/stylize.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(ROOT, 'src/cli/entry.ts');
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const START = '<!-- bench:scale:start -->';
const END = '<!-- bench:scale:end -->';

interface Round {
  workers: number;
  seconds: number;
  fps: number;
  segments: number;
  /** Redis commands run (INFO commandstats; Redis 7 counts those inside BullMQ's Lua scripts too), and how many of them were script calls. */
  commands: number;
  scriptCalls: number;
  /** The serial steps: splitting on the submitting machine, joining on one worker. */
  splitS: number;
  assembleS: number;
}

function startProcess(cmd: string, args: readonly string[], ready: RegExp): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const on = (d: Buffer) => {
      out += d;
      if (ready.test(out)) resolve({ child, output: () => out });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${cmd} exited with code ${code}: ${out.slice(-400)}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** Commands since the last CONFIG RESETSTAT, without the bench's own INFO and CONFIG calls. */
async function redisCounts(r: Redis): Promise<{ commands: number; scripts: number }> {
  const calls = Object.fromEntries([...(await r.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  const commands = Object.entries(calls).reduce((a, [name, n]) => (name === 'info' || name.startsWith('config') ? a : a + n), 0);
  return { commands, scripts: (calls.evalsha ?? 0) + (calls.eval ?? 0) };
}

function makeClip(dir: string, tiny: boolean): string {
  const out = join(dir, 'clip.mp4');
  const mirror = process.env.STYLECAST_MIRROR;
  const keyint = tiny ? 10 : 30;
  // Real footage looped to the length wanted, re-encoded with a keyframe every second so it splits evenly.
  const video = !tiny && mirror
    ? ['-stream_loop', '-1', '-i', join(mirror, 'video/asl_book.mkv')]
    : ['-f', 'lavfi', '-i', `testsrc=size=${tiny ? '160x120' : '640x480'}:rate=30`];
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', ...video, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', tiny ? '1' : '24', '-map', '0:v:0', '-map', '1:a:0', '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(keyint), '-pix_fmt', 'yuv420p', '-c:a', 'aac', out,
  ]);
  return out;
}

export async function benchScale(argv: readonly string[] = process.argv.slice(2)): Promise<object> {
  const tiny = argv.includes('--tiny');
  const segmentSeconds = tiny ? 0.34 : 2;
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-scale-'));
  const workers: ChildProcess[] = [];
  let redisServer: TestRedis | undefined;
  try {
    const clip = makeClip(dir, tiny);
    const info = await probeVideo(clip);
    // The same throwaway in-memory server the tests start.
    redisServer = await startRedis(dir);
    const { url } = redisServer;
    const redis = new Redis(url);
    // --tiny only checks that the bench runs: no waiting for a quiet machine.
    const load = tiny ? machineInfo().load1 : await waitForQuiet();
    const machine = machineInfo();

    // One process, one thread: the pipeline the workers run, without the engine.
    const t0 = performance.now();
    const plain = await stylizeVideo(clip, join(dir, 'plain.mp4'), { model: DEFAULT_MODEL, threads: 1 });
    const plainFps = plain.encode.frames / ((performance.now() - t0) / 1000);

    const round = async (n: number, k: number): Promise<Round> => {
      const started = await Promise.all(
        Array.from({ length: n }, () => startProcess(process.execPath, ['--import', 'tsx', ENTRY, 'worker', '--redis', url, '--storage', dir, '--threads', '1'], /worker ready/)),
      );
      workers.push(...started.map((s) => s.child));
      await redis.config('RESETSTAT');
      const t = performance.now();
      const subs = await submit([clip], { redis: url, storage: [dir], output: join(dir, `out-${k}.mp4`), model: DEFAULT_MODEL, segmentSeconds });
      const splitS = (performance.now() - t) / 1000;
      await waitFor(subs, { redis: url });
      const seconds = (performance.now() - t) / 1000;
      const after = await redisCounts(redis);
      const assembled = started.map((s) => /assemble .*: \d+ frames in ([\d.]+) s/.exec(s.output())).find((m) => m);
      for (const s of started) await stop(s.child);
      const frames = info.frames ?? 0;
      process.stderr.write(`bench scale: ${n} worker(s): ${seconds.toFixed(1)} s, ${(frames / seconds).toFixed(1)} fps, ${subs[0]!.units} segments\n`);
      return {
        workers: n,
        seconds: Number(seconds.toFixed(2)),
        fps: Number((frames / seconds).toFixed(2)),
        segments: subs[0]!.units,
        commands: after.commands,
        scriptCalls: after.scripts,
        splitS: Number(splitS.toFixed(2)),
        assembleS: assembled ? Number(assembled[1]) : NaN,
      };
    };
    const rounds: Round[] = [];
    for (const [k, n] of [1, 2, 2, 1].entries()) rounds.push(await round(n, k));
    redis.disconnect();

    const mean = (n: number, f: (r: Round) => number) => {
      const rs = rounds.filter((r) => r.workers === n);
      return rs.reduce((a, r) => a + f(r), 0) / rs.length;
    };
    const fps1 = mean(1, (r) => r.fps);
    const fps2 = mean(2, (r) => r.fps);
    const segments = rounds[0]!.segments;
    const result = {
      clip: tiny ? '1 s testsrc 160x120' : `24 s ${info.width}x${info.height} (${process.env.STYLECAST_MIRROR ? 'asl_book.mkv looped' : 'testsrc'}), keyframe every 1 s`,
      frames: info.frames,
      segmentSeconds,
      segments,
      model: DEFAULT_MODEL,
      machine,
      loadBefore: load,
      plainFps: Number(plainFps.toFixed(2)),
      rounds,
      fps: { one: Number(fps1.toFixed(2)), two: Number(fps2.toFixed(2)) },
      ratio: { twoOverOne: Number((fps2 / fps1).toFixed(3)), oneOverPlain: Number((fps1 / plainFps).toFixed(3)) },
      // Whole 1-worker rounds (the per-video part and the waiter's polling included) over their segments.
      perSegment: {
        commands: Math.round(mean(1, (r) => r.commands) / segments),
        scriptCalls: Number((mean(1, (r) => r.scriptCalls) / segments).toFixed(1)),
      },
    };
    const table = [
      START,
      `Measured by \`npx tsx bench/scale.ts\` on ${formatMachine(machine)}; clip: ${result.clip}, ${info.frames} frames, ${segments} segments of ${segmentSeconds} s, \`${DEFAULT_MODEL}\`, 1 onnxruntime thread per worker.`,
      '',
      '| setup | seconds (each round) | fps | x 1 worker |',
      '|---|---|---:|---:|',
      `| \`stylizeVideo\`, one process, 1 thread | | ${plainFps.toFixed(1)} | ${(plainFps / fps1).toFixed(2)} |`,
      `| 1 worker | ${rounds.filter((r) => r.workers === 1).map((r) => r.seconds).join(', ')} | ${fps1.toFixed(1)} | 1.00 |`,
      `| 2 workers | ${rounds.filter((r) => r.workers === 2).map((r) => r.seconds).join(', ')} | ${fps2.toFixed(1)} | **${(fps2 / fps1).toFixed(2)}** |`,
      '',
      `Serial steps (1-worker rounds): split ${mean(1, (r) => r.splitS).toFixed(2)} s, assemble ${mean(1, (r) => r.assembleS).toFixed(2)} s. ` +
        `Redis (1-worker rounds, everything in the run divided by its segments): ${result.perSegment.commands} commands per segment, ${result.perSegment.scriptCalls} of them script calls.`,
      END,
    ].join('\n');
    process.stdout.write(`${table}\n`);
    if (!tiny) {
      const md = join(RESULTS, 'scale.md');
      const text = readFileSync(md, 'utf8');
      const a = text.indexOf(START);
      const b = text.indexOf(END);
      if (a < 0 || b < 0) throw new Error(`${md} lost its ${START} ... ${END} markers`);
      await writeFile(md, text.slice(0, a) + table + text.slice(b + END.length));
      await writeFile(join(RESULTS, 'scale.json'), `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    for (const w of workers) await stop(w);
    await redisServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await benchScale(), null, 2)}\n`);
}
