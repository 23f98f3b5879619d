/**
 * Browser frame rate in headless Chromium (WASM backend, no GPU), fake camera: the live loop of the
 * browser entry with the fastest built-in student at 640x480 against inference alone in the same run
 * (bench/browser-live.ts), then the web app for a few network sizes. Speed does not depend on weight
 * values, so random weights stand in for trained models of the same architecture in the app cases.
 * Run alone with `npm run bench -- browser`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel, toLoaded } from '../src/models/modelfile.js';
import { formatMachine, machineInfo, waitForQuiet } from '../src/perf/machine.js';
import { countCost, PRESETS, randomWeights, type TransformerConfig } from '../src/models/transformer.js';
import { Stylizer } from '../src/runtime/stylizer.js';
import { ensureBuilt } from '../src/serve/build.js';
import { startServer } from '../src/serve/server.js';
import { launchChromium, makeY4m, needsBrowser } from '../test/helpers/browser.js';
import { benchLiveLoop, liveLoopMarkdown } from './browser-live.js';

interface Case {
  readonly name: string;
  readonly config: TransformerConfig;
  readonly size: readonly [number, number];
  /** Measure for this long after the first frame, or until `frames` frames, whichever comes first. */
  readonly seconds: number;
  readonly frames: number;
}

const CASES: readonly Case[] = [
  // The built-in real-time students' architecture (models/README.md).
  { name: 'real-time student w8 b2 k3/3', config: { ...PRESETS.torch, width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, head: 'tanh' }, size: [640, 480], seconds: 15, frames: 60 },
  { name: 'student w16 b3', config: { ...PRESETS.torch, width: 16, blocks: 3 }, size: [640, 480], seconds: 20, frames: 20 },
  { name: 'teacher w32 b5 (torch)', config: PRESETS.torch, size: [320, 240], seconds: 25, frames: 10 },
  { name: 'teacher w32 b5 (torch)', config: PRESETS.torch, size: [640, 480], seconds: 30, frames: 5 },
];

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

interface Row {
  model: string;
  size: string;
  gflop: number;
  frames: number;
  seconds: number;
  shownFps: number;
  inferenceMs: number;
  runMs: number;
  captureFps: number;
  droppedPerShown: number | null;
  backend: string;
  nativeMs: number;
  wasmOverNative: number;
}

interface Hud {
  captureFps: number;
  inferenceMs: number;
  runMs: number;
  dropped: number;
  backend: string;
  shown: number;
}

/** The same network natively (onnxruntime-node, same thread count), for scale: median ms of a few runs. */
async function nativeMs(config: TransformerConfig, width: number, height: number, runs: number): Promise<number> {
  const info = { name: 'native', style: 'bench', source: 'bench', license: 'MIT', inputRange: [0, 255] as const };
  const s = await Stylizer.create(toLoaded({ config, weights: randomWeights(config, 0), info }), { threads: cpus().length });
  const img = { width, height, channels: 3 as const, data: new Uint8Array(width * height * 3).map((_, i) => (i * 31) % 256) };
  await s.stylize(img);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await s.stylize(img);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

export interface BrowserBenchOptions {
  /** App cases; defaults to all. */
  readonly cases?: readonly Case[];
  /** Seconds the live loop of the browser entry is measured; 0 skips it. Defaults to 30. */
  readonly liveSeconds?: number;
  /** Inference-only runs before and after the live loop. Defaults to 20. */
  readonly inferenceRuns?: number;
  /** Write bench/results/browser.{md,json}. Defaults to true. */
  readonly write?: boolean;
  /** Wait for a quiet machine first. Defaults to true; off only for functional checks. */
  readonly waitForQuiet?: boolean;
}

export async function benchBrowser(opts: BrowserBenchOptions = {}): Promise<object> {
  const why = needsBrowser();
  if (why) return { skipped: why };
  // Load sampled before our own work (the app build, the page): what else was running.
  if (opts.waitForQuiet !== false) await waitForQuiet();
  const machine = machineInfo();
  const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-browser-'));
  try {
    const mirror = process.env.STYLECAST_MIRROR;
    const camera = join(dir, 'camera.y4m');
    const clip = mirror ? join(mirror, 'video/asl_book.mkv') : undefined;
    if (clip) makeY4m(clip, camera, 90);
    // Without the shared clip, ffmpeg's test pattern is an equally valid 640x480@30 camera.
    else execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=30', '-frames:v', '90', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', camera]);
    const models = join(dir, 'models');
    mkdirSync(models);
    const cases = opts.cases ?? CASES;
    cases.forEach((c, i) => {
      const info = { name: `bench${i}`, style: c.name, source: 'bench', license: 'MIT', inputRange: [0, 255] as const };
      writeFileSync(join(models, `bench${i}.onnx`), encodeModel({ config: c.config, weights: randomWeights(c.config, i), info }));
    });
    await ensureBuilt();
    const app = await startServer({ port: 0, modelsDir: models, store: { cacheDir: join(dir, 'cache') } });
    const browser = await launchChromium({ camera });
    const rows: Row[] = [];
    try {
      const page = await browser.newPage();
      for (const [i, c] of cases.entries()) {
        const [w, h] = c.size;
        await page.goto(new URL(`/?test=1&backend=wasm&model=bench${i}&size=${w}x${h}`, app.url).href);
        const hud = () => page.evaluate(() => (window as unknown as { __stylecast: { hud(): Hud } }).__stylecast.hud());
        // The first frame pays for session warm-up; timing starts after it.
        await page.waitForFunction(() => (window as unknown as { __stylecast: { hud(): Hud } }).__stylecast.hud().shown >= 1, null, { timeout: 300_000, polling: 50 });
        const start = await hud();
        const t0 = performance.now();
        await page.waitForFunction(
          ([n, ms, t]) => (window as unknown as { __stylecast: { hud(): Hud } }).__stylecast.hud().shown >= n || performance.now() - t > ms,
          [start.shown + c.frames, c.seconds * 1000, await page.evaluate(() => performance.now())] as const,
          { timeout: (c.seconds + 600) * 1000, polling: 50 },
        );
        const end = await hud();
        const seconds = (performance.now() - t0) / 1000;
        const frames = end.shown - start.shown;
        const { macs } = countCost(c.config, h, w);
        // The page stops stylizing first, so the native runs have the CPU to themselves.
        await page.goto('about:blank');
        const native = await nativeMs(c.config, w, h, Math.min(3, c.frames));
        rows.push({
          model: c.name,
          size: `${w}x${h}`,
          gflop: +((2 * macs) / 1e9).toFixed(2),
          frames,
          seconds: +seconds.toFixed(2),
          shownFps: +(frames / seconds).toFixed(3),
          inferenceMs: +end.inferenceMs.toFixed(1),
          runMs: +end.runMs.toFixed(1),
          captureFps: +end.captureFps.toFixed(1),
          droppedPerShown: frames ? +((end.dropped - start.dropped) / frames).toFixed(1) : null,
          backend: end.backend,
          nativeMs: +native.toFixed(1),
          wasmOverNative: +(end.runMs / native).toFixed(2),
        });
        process.stderr.write(`bench browser: ${c.name} ${w}x${h}: ${(frames / seconds).toFixed(2)} fps (native ${native.toFixed(0)} ms/frame)\n`);
      }
      const liveSeconds = opts.liveSeconds ?? 30;
      const live = liveSeconds > 0 ? await benchLiveLoop(browser, { seconds: liveSeconds, inferenceRuns: opts.inferenceRuns ?? 20 }) : undefined;
      if (live) process.stderr.write(`bench browser: live loop ${live.model}: ${live.shownFps} fps shown, ${live.inferenceFps} inference-only (${(live.ratio * 100).toFixed(1)}%)\n`);
      if (live?.target) process.stderr.write(`bench browser: live loop with targetFps ${live.target.targetFps}: ${live.target.shownFps} fps shown at scale ${live.target.scale}\n`);
      const browserName = `Chromium ${browser.version()} headless (--disable-gpu)`;
      const cameraName = clip ? 'asl_book.mkv 640x480@30 (fake device)' : 'ffmpeg testsrc 640x480@30 (fake device)';
      const result = { bench: 'browser', date: new Date().toISOString(), machine, browser: browserName, camera: cameraName, rows, ...(live ? { live } : {}) };
      if (opts.write !== false) {
        const md = [
          '# Browser benchmark (WASM)',
          '',
          `Command: \`npm run bench -- browser\` (or \`npx tsx bench/browser.ts\`): the web app in ${browserName}, onnxruntime-web WASM, fake camera ${cameraName}  `,
          `Machine: ${formatMachine(machine)}  `,
          `Date: ${result.date}`,
          '',
          ...(live ? liveLoopMarkdown(live) : []),
          ...(live ? ['## The web app', ''] : []),
          '| model | size | GFLOP | frames / s | shown fps | worker ms | session.run ms | native ms | WASM / native | capture fps | dropped per shown | backend |',
          '|---|---|---|---|---|---|---|---|---|---|---|---|',
          ...rows.map((r) =>
            [r.model, r.size, r.gflop, `${r.frames} / ${r.seconds}`, r.shownFps, r.inferenceMs, r.runMs, r.nativeMs, r.wasmOverNative, r.captureFps, r.droppedPerShown ?? '-', r.backend].join(' | '),
          ).map((line) => `| ${line} |`),
          '',
          'Random weights (speed does not depend on their values). Shown fps: stylized frames drawn per second after the first (warm-up) frame',
          '(frames over seconds). Worker ms: per frame including pre/post-processing (moving average); session.run ms alone. Native ms: the same',
          'network in onnxruntime-node with the same thread count (median of a few runs, page closed meanwhile); WASM / native compares session.run',
          'with it. GFLOP counts 2 x the conv multiply-accumulates. Capture keeps running at camera rate; frames the model cannot keep up with are',
          'dropped by the bounded queue (oldest first).',
          '',
        ].join('\n');
        mkdirSync(RESULTS, { recursive: true });
        writeFileSync(join(RESULTS, 'browser.md'), md);
        writeFileSync(join(RESULTS, 'browser.json'), `${JSON.stringify(result, null, 2)}\n`);
      }
      return result;
    } finally {
      await browser.close();
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npx tsx bench/browser.ts [--live-only] [--live-seconds N] [--no-write] [--no-wait]`: the flags make short checks; the results need none. */
function cliOptions(argv: readonly string[]): BrowserBenchOptions {
  const at = argv.indexOf('--live-seconds');
  const seconds = at >= 0 ? Number(argv[at + 1]) : undefined;
  if (seconds !== undefined && !(seconds >= 0)) throw new Error(`--live-seconds needs a number of seconds, got '${argv[at + 1]}'`);
  return {
    ...(argv.includes('--live-only') ? { cases: [] } : {}),
    ...(seconds !== undefined ? { liveSeconds: seconds, inferenceRuns: Math.max(2, Math.round(seconds)) } : {}),
    ...(argv.includes('--no-write') ? { write: false } : {}),
    ...(argv.includes('--no-wait') ? { waitForQuiet: false } : {}),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  Promise.resolve()
    .then(() => benchBrowser(cliOptions(process.argv.slice(2))))
    .then(
      (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
      (e: Error) => {
        process.stderr.write(`bench browser: ${e.message.split('\n')[0]}\n`);
        process.exitCode = 1;
      },
    );
}
