/**
 * onnxruntime-web's backends on the default student (issue 19, item 4), in headless Chromium on a
 * cross-origin isolated page, timing session.run of the graph the browser entry runs (the student's
 * pixel graph, RGBA in and out):
 * - WASM with 1 and 2 threads, run from the page's main thread with and without onnxruntime's proxy
 *   worker, and in stylecast's own arrangement (`Stylizer`: the session in its worker, proxy off);
 * - WebGPU on a real adapter where the machine has one, and on SwiftShader (software, at a small size
 *   only);
 * - WebNN where the browser offers it (default flags, then with the Blink feature turned on).
 * WASM SIMD on/off is reported, not timed, when the installed onnxruntime-web ships no build without SIMD.
 * Every configuration gets a fresh page (onnxruntime-web reads its settings once per page), in two
 * passes in opposite orders so that drift in the machine's load hits them alike; the median of both
 * passes is reported with each pass's median.
 * Run with `npm run bench -- backends`; `npx tsx bench/backends.ts --quick` checks that it works.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ort from 'onnxruntime-web';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_MODEL } from '../src/io/registry.js';
import { loadModel } from '../src/models/load.js';
import { PIXELS_INPUT, PIXELS_OUTPUT, pixelOnnx } from '../src/models/pixel-io.js';
import { formatMachine, machineInfo, waitForQuiet, type MachineInfo } from '../src/perf/machine.js';
import { summarize } from '../src/perf/stats.js';
import { REPO_ROOT } from '../src/serve/build.js';
import { launchChromium, needsBrowser } from '../test/helpers/browser.js';
import type { StaticServer } from '../test/helpers/static.js';
import { ensureBrowserEntry, openExample, serveExamplePage, type WebApi } from '../test/helpers/web-entry.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const ORT_DIR = join(REPO_ROOT, 'node_modules/onnxruntime-web');
/** The builds the example page maps (what a bundler resolves by default): WASM alone, and WebGPU (which also has WebNN). */
const ORT_BUILDS = { wasm: '/node_modules/onnxruntime-web/dist/ort.wasm.bundle.min.mjs', gpu: '/node_modules/onnxruntime-web/dist/ort.webgpu.bundle.min.mjs' } as const;
const WEBNN_FEATURE = 'WebMachineLearningNeuralNetwork';

interface Size {
  readonly width: number;
  readonly height: number;
}
const LARGE: Size = { width: 640, height: 480 };
/** Small enough for the software WebGPU adapter, and run by every configuration so that it compares with them. */
const SMALL: Size = { width: 64, height: 48 };
const sizeKey = (s: Size) => `${s.width}x${s.height}`;

type Ep = 'wasm' | 'webgpu' | 'webnn';
/** Who calls session.run: the page's main thread (with or without onnxruntime's proxy worker), or stylecast's worker. */
type Caller = 'page' | 'page via proxy worker' | 'stylecast worker';
type BrowserKind = 'cpu' | 'software-webgpu' | 'webgpu' | 'webnn-flag';

interface Config {
  readonly id: string;
  readonly ep: Ep;
  /** WASM threads; the GPU builds stay on one, as src/web/ort.ts sets them. */
  readonly threads: number;
  readonly caller: Caller;
  readonly browser: BrowserKind;
  readonly sizes: readonly Size[];
  /** Timed in every pass; the slow or one-off ones once. */
  readonly everyPass: boolean;
  readonly note?: string;
}

export interface Plan {
  readonly warmup: number;
  /** Timed runs per pass at each size. */
  readonly trials: Readonly<Record<'large' | 'small', number>>;
  /** Timed runs of the software WebGPU adapter (about a second each at 64x48). */
  readonly softwareTrials: number;
  readonly passes: number;
}

export const FULL: Plan = Object.freeze({ warmup: 3, trials: { large: 20, small: 30 }, softwareTrials: 5, passes: 2 });
/** A functional check of every path, both passes included: the numbers mean little. */
export const QUICK: Plan = Object.freeze({ warmup: 1, trials: { large: 2, small: 3 }, softwareTrials: 2, passes: 2 });

export interface SizeResult {
  readonly size: string;
  readonly trials: number;
  readonly medianMs: number;
  readonly fps: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** The median of each pass, in the order they ran. */
  readonly passMedianMs: readonly number[];
  readonly times: readonly number[];
}

export interface Row {
  readonly id: string;
  readonly ep: Ep;
  readonly threads: number;
  readonly caller: Caller;
  /** The backend onnxruntime-web (or stylecast) reports, and the WebGPU adapter it ran on. */
  readonly ran: string;
  readonly createMs: number;
  readonly results: Readonly<Record<string, SizeResult>>;
  readonly note?: string;
}

export interface Unmeasured {
  readonly what: string;
  readonly why: string;
}

export interface BackendsResult {
  readonly bench: 'backends';
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  /** os.loadavg() (1, 5, 15 min) when measuring started and when it ended. */
  readonly load: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly browser: string;
  readonly onnxruntimeWeb: string;
  readonly model: string;
  readonly page: { readonly crossOriginIsolated: boolean; readonly hardwareConcurrency: number };
  readonly plan: Plan;
  readonly rows: readonly Row[];
  readonly unmeasured: readonly Unmeasured[];
  /** Today's `auto` on this machine, the fastest row at each size, and what that says. */
  readonly auto: AutoVerdict;
  readonly seconds: number;
}

export interface AutoVerdict {
  readonly today: string;
  readonly fastest: Readonly<Record<string, string>>;
  readonly conclusions: readonly string[];
}

/** What a page measured: session creation, and the timed runs per size. */
interface PageTimes {
  readonly createMs: number;
  readonly ran: string;
  readonly times: readonly (readonly number[])[];
}

interface Probe {
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  readonly adapter: { readonly architecture: string; readonly description: string; readonly software: boolean } | null;
  readonly ml: boolean;
  /** The error of navigator.ml.createContext(), or null when it made one. */
  readonly mlContextError: string | null;
}

type Win = Window & { sc: WebApi };
type Gpu = { requestAdapter(): Promise<Parameters<WebApi['isSoftwareAdapter']>[0] | null> };
type Ml = { createContext(opts?: object): Promise<unknown> };

async function newPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  // tsx compiles with esbuild's keepNames, whose __name() calls travel into page.evaluate.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.goto(url);
  return page;
}

/** What this browser offers: isolation, cores, a WebGPU adapter (and whether it is software), WebNN. */
async function probe(browser: Browser, url: string): Promise<Probe> {
  const page = await newPage(browser, url);
  try {
    return await page.evaluate(async () => {
      const nav = navigator as unknown as { gpu?: Gpu; ml?: Ml };
      const a = nav.gpu ? await nav.gpu.requestAdapter().catch(() => null) : null;
      let mlContextError: string | null = null;
      if (nav.ml) {
        try {
          await nav.ml.createContext();
        } catch (e) {
          mlContextError = String((e as Error)?.message ?? e);
        }
      }
      const info = a?.info;
      return {
        crossOriginIsolated,
        hardwareConcurrency: navigator.hardwareConcurrency,
        // The same test as src/web/backend.ts's isSoftwareAdapter (the page has no stylecast here).
        adapter: a
          ? {
              architecture: info?.architecture ?? '',
              description: info?.description ?? '',
              software: a.isFallbackAdapter === true || info?.isFallbackAdapter === true || /swiftshader/i.test(`${info?.architecture ?? ''} ${info?.description ?? ''}`),
            }
          : null,
        ml: nav.ml !== undefined,
        mlContextError,
      };
    });
  } finally {
    await page.close();
  }
}

/** session.run of the raw onnxruntime-web session, called from the page (or through its proxy worker). */
async function timeRawSession(browser: Browser, url: string, c: Config, sizes: readonly { size: Size; warmup: number; trials: number }[]): Promise<PageTimes> {
  const page = await newPage(browser, new URL('bench/blank.html', url).href);
  try {
    return await page.evaluate(
      async (a) => {
        const ort = (await import(a.ortUrl)) as typeof Ort;
        ort.env.wasm.numThreads = a.threads;
        ort.env.wasm.proxy = a.proxy;
        const bytes = new Uint8Array(await (await fetch(a.graphUrl)).arrayBuffer());
        const ep = a.ep === 'webnn' ? { name: 'webnn' as const, deviceType: 'cpu' as const } : a.ep;
        const t0 = performance.now();
        const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
        const createMs = performance.now() - t0;
        const times: number[][] = [];
        try {
          for (const { size, warmup, trials } of a.sizes) {
            const pixels = new Uint8Array(size.width * size.height * 4);
            for (let i = 0; i < pixels.length; i++) pixels[i] = i % 4 === 3 ? 255 : (i * 37 + (i >> 9)) % 256;
            const ts: number[] = [];
            for (let i = 0; i < warmup + trials; i++) {
              // A fresh tensor each run: the proxy worker may take the buffer it is sent.
              const feeds = { [a.input]: new ort.Tensor('uint8', pixels.slice(), [1, size.height, size.width, 4]) };
              const t = performance.now();
              const out = await session.run(feeds);
              const dt = performance.now() - t;
              if (out[a.output]?.dims.join('x') !== `1x${size.height}x${size.width}x4`) throw new Error(`unexpected output ${out[a.output]?.dims.join('x')}`);
              if (i >= warmup) ts.push(dt);
            }
            times.push(ts);
          }
        } finally {
          await session.release();
        }
        const threads = a.ep === 'wasm' ? `${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'}` : 'GPU build';
        return { createMs, times, ran: `${a.ep} (${threads}, onnxruntime-web ${ort.env.versions.web}, env.wasm.simd ${String(ort.env.wasm.simd)})` };
      },
      {
        ortUrl: c.ep === 'wasm' ? ORT_BUILDS.wasm : ORT_BUILDS.gpu,
        ep: c.ep,
        threads: c.threads,
        proxy: c.caller === 'page via proxy worker',
        graphUrl: '/bench/student.onnx',
        input: PIXELS_INPUT,
        output: PIXELS_OUTPUT,
        sizes,
      },
    );
  } finally {
    await page.close();
  }
}

/** stylecast's own path: `Stylizer` on WASM (its worker runs the session, proxy off); session.run as its worker timed it. */
async function timeStylizer(browser: Browser, url: string, c: Config, model: string, sizes: readonly { size: Size; warmup: number; trials: number }[]): Promise<PageTimes> {
  const page = await browser.newPage();
  try {
    await openExample(page, url);
    return await page.evaluate(
      async (a) => {
        const { sc } = window as unknown as Win;
        sc.env.threads = a.threads;
        const t0 = performance.now();
        const s = await sc.Stylizer.create(await sc.loadModel(a.model), { backend: 'wasm' });
        const createMs = performance.now() - t0;
        const times: number[][] = [];
        try {
          for (const { size, warmup, trials } of a.sizes) {
            const pixels = new Uint8ClampedArray(size.width * size.height * 4);
            for (let i = 0; i < pixels.length; i++) pixels[i] = i % 4 === 3 ? 255 : (i * 37 + (i >> 9)) % 256;
            const ts: number[] = [];
            for (let i = 0; i < warmup + trials; i++) {
              await s.stylizeRgba(pixels, size.width, size.height);
              if (i >= warmup) ts.push(s.lastRunMs);
            }
            times.push(ts);
          }
        } finally {
          await s.release();
        }
        return { createMs, times, ran: `${s.backend} (${s.threads} thread${s.threads === 1 ? '' : 's'}, stylecast Stylizer)` };
      },
      { threads: c.threads, model, sizes },
    );
  } finally {
    await page.close();
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export interface BackendsOptions {
  /** FULL by default; any other plan is a functional check, which waits for nothing and writes only to `outDir`. */
  readonly plan?: Plan;
  /** Folder for backends.{md,json}; defaults to bench/results/ for FULL. */
  readonly outDir?: string;
  /** Wait for a quiet machine first. Defaults to true for full runs. */
  readonly waitForQuiet?: boolean;
}

export async function benchBackends(opts: BackendsOptions = {}): Promise<BackendsResult | { skipped: string }> {
  const why = needsBrowser();
  if (why) return { skipped: why };
  const plan = opts.plan ?? FULL;
  const quick = plan !== FULL;
  if (opts.waitForQuiet ?? !quick) await waitForQuiet();
  const t0 = performance.now();
  const loadStart = loadavg().map(r2);
  const machine = machineInfo();
  const ortVersion = (JSON.parse(readFileSync(join(ORT_DIR, 'package.json'), 'utf8')) as { version: string }).version;

  const dir = mkdtempSync(join(tmpdir(), 'stylecast-bench-backends-'));
  const browsers: Browser[] = [];
  let server: StaticServer | undefined;
  try {
    // The graph the browser entry's worker builds for a page (src/web/session.ts): RGBA in, RGBA out.
    const model = await loadModel(DEFAULT_MODEL);
    writeFileSync(join(dir, 'student.onnx'), pixelOnnx(model, { input: 4, output: 4 }));
    writeFileSync(join(dir, 'blank.html'), '<!doctype html><meta charset="utf-8"><title>backends</title><link rel="icon" href="data:,">');
    await ensureBrowserEntry();
    // Cross-origin isolated (COOP/COEP), as a page wanting WASM threads is served.
    server = await serveExamplePage({ isolate: true, mounts: { '/bench/': dir } });
    const url = server.url;
    const launch = async (kind: BrowserKind): Promise<Browser> => {
      const b = await launchChromium(kind === 'software-webgpu' ? { softwareWebGpu: true } : kind === 'webgpu' ? { webGpu: true } : kind === 'webnn-flag' ? { features: [WEBNN_FEATURE] } : {});
      browsers.push(b);
      return b;
    };
    const blank = new URL('bench/blank.html', url).href;
    const open: Partial<Record<BrowserKind, Browser>> = { cpu: await launch('cpu') };
    const cpuProbe = await probe(open.cpu!, blank);
    if (!cpuProbe.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated: WASM threads would not start');

    const unmeasured: Unmeasured[] = [];
    const wasmFiles = readdirSync(join(ORT_DIR, 'dist')).filter((f) => f.endsWith('.wasm'));
    if (wasmFiles.every((f) => /simd/.test(f))) {
      unmeasured.push({
        what: 'WASM without SIMD',
        why: `onnxruntime-web ${ortVersion} ships SIMD builds only (${wasmFiles.join(', ')}); \`env.wasm.simd\` is still there, but \`false\` only skips the feature check and loads the same SIMD binary, so there is nothing to compare (every WASM row runs fixed-width SIMD)`,
      });
    }

    // Threads 1 and 2 (the issue's), and the cores of a bigger machine (what `auto` gives there, at most 8).
    const autoThreads = Math.max(1, Math.min(8, cpuProbe.hardwareConcurrency));
    const threadCounts = [...new Set([1, 2, autoThreads])].sort((a, b) => a - b);
    const both = [LARGE, SMALL] as const;
    const configs: Config[] = [];
    for (const t of threadCounts) {
      configs.push({ id: `wasm-${t}-page`, ep: 'wasm', threads: t, caller: 'page', browser: 'cpu', sizes: both, everyPass: true, note: 'blocks the page while it runs' });
      configs.push({ id: `wasm-${t}-proxy`, ep: 'wasm', threads: t, caller: 'page via proxy worker', browser: 'cpu', sizes: both, everyPass: true });
      configs.push({ id: `wasm-${t}-stylizer`, ep: 'wasm', threads: t, caller: 'stylecast worker', browser: 'cpu', sizes: both, everyPass: true });
    }

    // WebGPU on the machine's own adapter, if it has a real one (SwiftShader below otherwise).
    const hw = await probe((open.webgpu = await launch('webgpu')), blank);
    if (hw.adapter && !hw.adapter.software) {
      configs.push({ id: 'webgpu', ep: 'webgpu', threads: 1, caller: 'page', browser: 'webgpu', sizes: both, everyPass: true, note: `adapter ${hw.adapter.architecture || hw.adapter.description}` });
    } else {
      unmeasured.push({ what: 'WebGPU on a GPU', why: hw.adapter ? `the only adapter is a software one (${hw.adapter.architecture || hw.adapter.description || 'fallback adapter'}); see the SwiftShader row` : 'no WebGPU adapter on this machine' });
    }
    const sw = await probe((open['software-webgpu'] = await launch('software-webgpu')), blank);
    if (sw.adapter) {
      configs.push({
        id: 'webgpu-swiftshader',
        ep: 'webgpu',
        threads: 1,
        caller: 'page',
        browser: 'software-webgpu',
        sizes: [SMALL],
        everyPass: false,
        note: `software adapter (${sw.adapter.architecture}): ${sizeKey(SMALL)} only`,
      });
    } else unmeasured.push({ what: 'WebGPU on SwiftShader', why: 'Chromium gave no adapter with --use-webgpu-adapter=swiftshader' });

    // WebNN: offered with the browser's default flags? Else behind its Blink feature?
    const nnFlag = await probe((open['webnn-flag'] = await launch('webnn-flag')), blank);
    const nnDefault = cpuProbe.ml && cpuProbe.mlContextError === null;
    if (nnDefault || (nnFlag.ml && nnFlag.mlContextError === null)) {
      configs.push({ id: 'webnn-cpu', ep: 'webnn', threads: 1, caller: 'page', browser: nnDefault ? 'cpu' : 'webnn-flag', sizes: both, everyPass: true, note: nnDefault ? 'offered by default' : `only with --enable-features=${WEBNN_FEATURE}` });
    }
    if (!nnDefault) {
      const flagged = !nnFlag.ml ? 'not there either' : nnFlag.mlContextError === null ? 'offered (measured below)' : `navigator.ml exists but createContext() fails: "${nnFlag.mlContextError}"`;
      unmeasured.push({
        what: 'WebNN',
        why: `not offered by this browser: ${cpuProbe.ml ? `createContext() fails: "${cpuProbe.mlContextError}"` : 'no navigator.ml'} with default flags; with --enable-features=${WEBNN_FEATURE}: ${flagged}`,
      });
    }

    const times = new Map<string, { createMs: number[]; ran: string; bySize: number[][][] }>();
    const measure = async (c: Config) => {
      const b = open[c.browser]!;
      const software = c.id === 'webgpu-swiftshader';
      const sizes = c.sizes.map((size) => ({
        size,
        warmup: software ? 1 : plan.warmup,
        trials: software ? plan.softwareTrials : size === LARGE ? plan.trials.large : plan.trials.small,
      }));
      const got = c.caller === 'stylecast worker' ? await timeStylizer(b, url, c, DEFAULT_MODEL, sizes) : await timeRawSession(b, url, c, sizes);
      const entry = times.get(c.id) ?? { createMs: [], ran: got.ran, bySize: c.sizes.map(() => []) };
      entry.createMs.push(got.createMs);
      got.times.forEach((ts, i) => entry.bySize[i]!.push([...ts]));
      times.set(c.id, entry);
      process.stderr.write(`bench backends: ${c.id}: ${c.sizes.map((s, i) => `${sizeKey(s)} ${summarize(got.times[i]!).median.toFixed(1)} ms`).join(', ')}\n`);
    };
    const passed = configs.filter((c) => c.everyPass);
    for (let pass = 0; pass < plan.passes; pass++) for (const c of pass % 2 ? [...passed].reverse() : passed) await measure(c);
    for (const c of configs.filter((c) => !c.everyPass)) await measure(c);

    const rows: Row[] = configs.map((c) => {
      const t = times.get(c.id)!;
      const results: Record<string, SizeResult> = {};
      c.sizes.forEach((s, i) => {
        const passes = t.bySize[i]!;
        const all = passes.flat();
        const sum = summarize(all);
        results[sizeKey(s)] = {
          size: sizeKey(s),
          trials: all.length,
          medianMs: r1(sum.median),
          fps: r2(1000 / sum.median),
          minMs: r1(sum.min),
          maxMs: r1(sum.max),
          passMedianMs: passes.map((p) => r1(summarize(p).median)),
          times: all.map(r1),
        };
      });
      // What the software adapter would take at 640x480, from its 100x fewer pixels at 64x48.
      const small = results[sizeKey(SMALL)];
      const note = c.id === 'webgpu-swiftshader' && small ? `${c.note}; ${sizeKey(LARGE)} would take about ${Math.round((small.medianMs * 100) / 1000)} s a run` : c.note;
      return { id: c.id, ep: c.ep, threads: c.threads, caller: c.caller, ran: t.ran, createMs: r1(summarize(t.createMs).median), results, ...(note ? { note } : {}) };
    });

    const auto = verdict(rows, hw.adapter && !hw.adapter.software ? 'webgpu' : `wasm-${autoThreads}-stylizer`);
    const loadEnd = loadavg().map(r2);
    const command = quick ? 'npx tsx bench/backends.ts --quick' : 'npm run bench -- backends';
    const result: BackendsResult = {
      bench: 'backends',
      date: new Date().toISOString(),
      command,
      quick,
      machine,
      load: { start: loadStart, end: loadEnd },
      browser: `Chromium ${open.cpu!.version()} headless`,
      onnxruntimeWeb: ortVersion,
      model: `${DEFAULT_MODEL} (the default student), pixel graph RGBA in / RGBA out`,
      page: { crossOriginIsolated: cpuProbe.crossOriginIsolated, hardwareConcurrency: cpuProbe.hardwareConcurrency },
      plan,
      rows,
      unmeasured,
      auto,
      seconds: Math.round((performance.now() - t0) / 1000),
    };
    const out = opts.outDir ?? (quick ? undefined : RESULTS);
    if (out) {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'backends.md'), markdown(result));
      writeFileSync(join(out, 'backends.json'), `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    for (const b of browsers) await b.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compare today's `auto` (its row on this machine) with the fastest rows, at each size. */
function verdict(rows: readonly Row[], todayId: string): AutoVerdict {
  const today = rows.find((r) => r.id === todayId);
  const fastest: Record<string, string> = {};
  const conclusions: string[] = [];
  for (const size of [LARGE, SMALL].map(sizeKey)) {
    const timed = rows.filter((r) => r.results[size]);
    const best = timed.reduce((a, b) => (b.results[size]!.medianMs < a.results[size]!.medianMs ? b : a));
    fastest[size] = best.id;
    const t = today?.results[size];
    if (t) conclusions.push(`${size}: fastest ${best.id} (${best.results[size]!.medianMs} ms); auto today (${todayId}) ${t.medianMs} ms, ${r2(t.medianMs / best.results[size]!.medianMs)}x the fastest`);
  }
  // What `auto` can choose between: stylecast's worker at each thread count, WebGPU on a real adapter.
  const choosable = rows.filter((r) => r.caller === 'stylecast worker' || r.id === 'webgpu');
  const large = choosable.filter((r) => r.results[sizeKey(LARGE)]);
  if (large.length) {
    const best = large.reduce((a, b) => (b.results[sizeKey(LARGE)]!.medianMs < a.results[sizeKey(LARGE)]!.medianMs ? b : a));
    conclusions.push(`of what \`auto\` can choose at ${sizeKey(LARGE)}, ${best.id} is the fastest: ${best.id === todayId ? 'what it picks today' : `today it picks ${todayId}`}`);
  }
  const at = (id: string, size: Size) => rows.find((r) => r.id === id)?.results[sizeKey(size)]?.medianMs;
  // The threads rule: stylecast's worker with each thread count against 1 thread.
  for (const r of rows.filter((r) => r.caller === 'stylecast worker' && r.threads > 1)) {
    const one = at('wasm-1-stylizer', LARGE);
    const mine = at(r.id, LARGE);
    if (one && mine) conclusions.push(`threads: stylecast's worker with ${r.threads} threads runs at ${r2(one / mine)}x the speed of 1 thread at ${sizeKey(LARGE)}`);
  }
  // The proxy: onnxruntime's own worker against stylecast's, at the same thread count.
  for (const r of rows.filter((r) => r.caller === 'page via proxy worker')) {
    const proxy = at(r.id, LARGE);
    const ours = at(`wasm-${r.threads}-stylizer`, LARGE);
    if (proxy && ours) conclusions.push(`proxy: onnxruntime's proxy worker with ${r.threads} thread${r.threads === 1 ? '' : 's'} runs at ${r2(ours / proxy)}x the speed of stylecast's worker at ${sizeKey(LARGE)}`);
  }
  // The software adapter rule: SwiftShader against auto's WASM at the small size.
  const swift = rows.find((r) => r.id === 'webgpu-swiftshader')?.results[sizeKey(SMALL)];
  const wasmSmall = today?.results[sizeKey(SMALL)];
  if (swift && wasmSmall) conclusions.push(`software WebGPU: SwiftShader takes ${Math.round(swift.medianMs / wasmSmall.medianMs)}x auto's WASM time at ${sizeKey(SMALL)}`);
  return { today: todayId, fastest, conclusions };
}

function markdown(r: BackendsResult): string {
  const today = r.rows.find((x) => x.id === r.auto.today);
  const cell = (row: Row, size: string): string[] => {
    const s = row.results[size];
    if (!s) return ['-', '-', '-'];
    const base = today?.results[size];
    const speed = base ? base.medianMs / s.medianMs : undefined;
    return [`${s.medianMs} (${s.passMedianMs.join(' / ')})`, `${s.fps}`, speed === undefined ? '-' : `${speed < 0.1 ? speed.toPrecision(2) : r2(speed)}x`];
  };
  const L = sizeKey(LARGE);
  const S = sizeKey(SMALL);
  return [
    '# Backends benchmark (onnxruntime-web)',
    '',
    `Command: \`${r.command}\`${r.quick ? '' : ' (or `npx tsx bench/backends.ts`)'}: ${r.model}, in ${r.browser}, onnxruntime-web ${r.onnxruntimeWeb},`,
    `a cross-origin isolated page (crossOriginIsolated ${r.page.crossOriginIsolated}, hardwareConcurrency ${r.page.hardwareConcurrency})  `,
    `Machine: ${formatMachine(r.machine)}  `,
    `Load average (1 / 5 / 15 min): ${r.load.start.join(' / ')} at the start, ${r.load.end.join(' / ')} at the end  `,
    `Date: ${r.date}; ${r.seconds} s${r.quick ? '; QUICK RUN (a functional check: few trials, numbers not comparable)' : ''}`,
    '',
    `Median session.run ms over ${r.plan.passes} pass${r.plan.passes === 1 ? '' : 'es'} (each pass's median in brackets; passes alternate the order of the configurations),`,
    `${r.plan.trials.large} runs a pass at ${L} and ${r.plan.trials.small} at ${S} after ${r.plan.warmup} warm-up run${r.plan.warmup === 1 ? '' : 's'} (the software adapter: ${r.plan.softwareTrials} runs after 1, once);`,
    `fps = 1000 / median; "vs auto": speed against what \`auto\` runs today on this machine (${r.auto.today}), >1x is faster.`,
    '',
    `| configuration | backend | threads | session.run called from | ${L} ms | ${L} fps | vs auto | ${S} ms | ${S} fps | vs auto | create ms | notes |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map((row) => `| ${[row.id, row.ep, row.ep === 'wasm' ? row.threads : '-', row.caller, ...cell(row, L), ...cell(row, S), row.createMs, row.note ?? ''].join(' | ')} |`),
    '',
    'Not measured:',
    '',
    ...r.unmeasured.map((u) => `- ${u.what}: ${u.why}.`),
    '',
    '## What the measurements say about `auto`',
    '',
    ...r.auto.conclusions.map((c) => `- ${c}.`),
    '',
    'Rows: "page" runs the session on the page\'s main thread (blocking it); "page via proxy worker" sets `env.wasm.proxy`, so',
    "onnxruntime-web runs it in its own worker and the page awaits messages; \"stylecast worker\" is the browser entry's `Stylizer` (the",
    'session in its worker, proxy off: what `auto` runs today), timed by the worker. Random-looking RGBA frames; speed does not depend',
    'on pixel values. The software WebGPU adapter runs at the small size only: a 640x480 run would take minutes. Create ms:',
    "InferenceSession.create; for stylecast's rows, `Stylizer.create` (the model's fetch and decoding, its worker, the pixel graph).",
    '',
  ].join('\n');
}

/** `npx tsx bench/backends.ts [--quick] [--out DIR] [--no-wait]`: --quick checks every path in about a minute and writes only to --out. */
function cliOptions(argv: readonly string[]): BackendsOptions {
  const at = argv.indexOf('--out');
  if (at >= 0 && !argv[at + 1]) throw new Error('--out needs a folder');
  return {
    ...(argv.includes('--quick') ? { plan: QUICK } : {}),
    ...(at >= 0 ? { outDir: argv[at + 1]! } : {}),
    ...(argv.includes('--no-wait') ? { waitForQuiet: false } : {}),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  Promise.resolve()
    .then(() => benchBackends(cliOptions(process.argv.slice(2))))
    .then(
      (r) => process.stdout.write(`${JSON.stringify(r, (k, v: unknown) => (k === 'times' ? undefined : v), 2)}\n`),
      (e: Error) => {
        process.stderr.write(`bench backends: ${e.message.split('\n')[0]}\n`);
        process.exitCode = 1;
      },
    );
}
