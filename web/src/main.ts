/**
 * The stylecast web app, one user of the browser entry (src/web, published as `stylecast-nst/web`): its
 * LiveStylizer runs camera -> bounded drop-oldest queue -> inference worker -> canvas. The app adds
 * the style picker, the blend control for multi-style models, split view, snapshots, recording, the
 * HUD and camera recovery.
 */
import { formatStyleMix, mixWeights, parseStyleMix } from '../../src/models/styles.js';
import { CameraLostError, CameraPermissionError, LiveStylizer, type BackendRequest, type LiveStats } from '../../src/web/index.js';
import { parseSize, type FrameSize } from '../../src/web/stats.js';

interface ModelEntry {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  /** Registered models: 'real-time', 'balanced' or 'full'; files from --models have none. */
  readonly speed?: string;
  /** Pixels of mirrored context to run it with (the built-in teachers': no border frame). */
  readonly context?: number;
}

/** Picker groups, in the server's order (fastest first): the speed class says what to expect live. */
const SPEED_LABELS: Readonly<Record<string, string>> = {
  // Measured in this page's live loop on 2-core CPUs at 640x480, WASM with 2 threads (bench/results/browser.md: 4.9-6.6 fps).
  'real-time': 'Real-time (~5-7 fps at full size in the browser on a 2-core CPU; Smooth holds 15)',
  balanced: 'Balanced',
  full: 'Full quality (slow: ~0.5 fps in the browser at 640x480)',
};

/**
 * The smooth / sharp control: 'smooth' holds this frame rate by stylizing at a lower resolution when
 * the model cannot keep up (LiveStylizer's targetFps); 'sharp' stylizes every frame at full size.
 * 15 fps reads as fluid motion and is two to three times what the real-time students reach at 640x480 here.
 */
const SMOOTH_FPS = 15;
type Mode = 'smooth' | 'sharp';
const targetFps = (m: Mode) => (m === 'smooth' ? SMOOTH_FPS : undefined);

type CameraMessage = 'no-camera' | 'permission-denied' | 'camera-lost';
type ModelMessage = 'model-failed' | 'no-models' | 'loading' | 'mix-failed';

const params = new URLSearchParams(location.search);
const TEST = params.get('test') === '1';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  style: $<HTMLSelectElement>('style'),
  blend: $<HTMLSpanElement>('blend'),
  blendA: $<HTMLSelectElement>('blend-a'),
  blendB: $<HTMLSelectElement>('blend-b'),
  blendT: $<HTMLInputElement>('blend-t'),
  mode: $<HTMLSelectElement>('mode'),
  split: $<HTMLInputElement>('split'),
  splitPos: $<HTMLInputElement>('split-pos'),
  snapshot: $<HTMLButtonElement>('snapshot'),
  record: $<HTMLButtonElement>('record'),
  cameraMessage: $<HTMLDivElement>('camera-message'),
  modelMessage: $<HTMLDivElement>('model-message'),
  view: $<HTMLCanvasElement>('view'),
  hud: $<HTMLPreElement>('hud'),
  downloads: $<HTMLDivElement>('downloads'),
};

function option<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const v = params.get(name);
  return v && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

let size: FrameSize = { width: 640, height: 480 };
const problems: string[] = [];
try {
  if (params.get('size')) size = parseSize(params.get('size')!);
} catch (e) {
  problems.push((e as Error).message);
}

let mode = option<Mode>('mode', ['smooth', 'sharp'], 'sharp');
ui.mode.value = mode;

const live = new LiveStylizer(ui.view, {
  size,
  backend: option<BackendRequest>('backend', ['auto', 'wasm', 'webgpu'], 'auto'),
  queue: Math.max(1, Math.min(8, Number(params.get('queue')) || 2)),
  targetFps: targetFps(mode),
});

ui.mode.onchange = () => {
  mode = ui.mode.value as Mode;
  live.setTargetFps(targetFps(mode));
};

// ---- messages -------------------------------------------------------------------------------

// Camera and model problems are independent, so each has its own line: one never hides the other.
const messages = {
  camera: { el: ui.cameraMessage, kind: undefined as CameraMessage | undefined },
  model: { el: ui.modelMessage, kind: undefined as ModelMessage | undefined },
};

function show<S extends keyof typeof messages>(slot: S, kind: NonNullable<(typeof messages)[S]['kind']>, text: string): void {
  const m = messages[slot];
  m.kind = kind;
  m.el.dataset.kind = kind;
  m.el.textContent = text;
  m.el.hidden = false;
}

function clear(slot: keyof typeof messages): void {
  const m = messages[slot];
  m.kind = undefined;
  delete m.el.dataset.kind;
  m.el.textContent = '';
  m.el.hidden = true;
}

// ---- styles ---------------------------------------------------------------------------------

let modelId: string | undefined;
let backend = '-';
let lastSeq = -1;
let lastModel: string | undefined;
let recoveries = 0;

function loadStyle(id: string): void {
  modelId = id;
  backend = '-';
  // The old model's styles mean nothing to the new one: no blending until it is loaded.
  hideBlend();
  const mixText = initialMix;
  initialMix = undefined;
  show('model', 'loading', `Loading style '${titleOf(id)}'…`);
  const context = models.find((m) => m.id === id)?.context;
  live.setStyle(`/api/models/${encodeURIComponent(id)}.onnx`, context ? { context } : {}).then(
    (info) => {
      if (id !== modelId) return;
      backend = info.backend === 'wasm' ? `wasm (${info.threads} thread${info.threads === 1 ? '' : 's'})` : info.backend;
      clear('model');
      showBlend(id, info.styles, mixText);
      ui.snapshot.disabled = false;
      ui.record.disabled = typeof MediaRecorder === 'undefined';
    },
    (e: Error) => {
      if (id === modelId) show('model', 'model-failed', `Style '${titleOf(id)}' failed to load: ${e.message}`);
    },
  );
}

// ---- blend (multi-style models) ---------------------------------------------------------------

/** ?mix= (as `--style` takes it): the first model's starting mix; later models start at their first style. */
let initialMix = params.get('mix') ?? undefined;
/** The loaded model's style names: empty for a single-style model. */
let styles: readonly string[] = [];
/** The mix last asked of the model, normalized (what the HUD shows); undefined for a single-style model. */
let mix: Readonly<Record<string, number>> | undefined;

/** The control's mix: A weighs 1 - t and B weighs t. A style at weight 0 is left out, so A == B is that style alone. */
function blendMix(a: string, b: string, t: number): Record<string, number> {
  if (a === b || t <= 0) return { [a]: 1 };
  if (t >= 1) return { [b]: 1 };
  return { [a]: 1 - t, [b]: t };
}

function hideBlend(): void {
  styles = [];
  mix = undefined;
  ui.blend.hidden = true;
}

/** Ask the model for `next` from the next frame on (the same session: nothing reloads). */
function applyMix(next: Readonly<Record<string, number>>): void {
  const id = modelId;
  const sum = Object.values(next).reduce((s, w) => s + w, 0);
  mix = Object.fromEntries(Object.entries(next).map(([k, w]) => [k, w / sum]));
  live.setStyle(next).catch((e: Error) => {
    if (id === modelId) show('model', 'mix-failed', `Blend not applied: ${e.message}`);
  });
}

function applyBlend(): void {
  // A move of the control supersedes a complaint about ?mix= or an earlier blend.
  if (messages.model.kind === 'mix-failed') clear('model');
  applyMix(blendMix(ui.blendA.value, ui.blendB.value, Number(ui.blendT.value) / 100));
}

/**
 * Show the control for a model with two or more styles (one style has nothing to blend), set to
 * `mixText` when it names this model's styles, else to all of the first style with the second
 * one next to it, and apply that.
 */
function showBlend(id: string, names: readonly string[], mixText: string | undefined): void {
  styles = names;
  if (!names.length) {
    if (mixText !== undefined) show('model', 'mix-failed', `?mix=${mixText} not applied: '${titleOf(id)}' is a single-style model`);
    return;
  }
  const options = () => names.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n }));
  ui.blendA.replaceChildren(...options());
  ui.blendB.replaceChildren(...options());
  const [first, second = first] = names as [string, ...string[]];
  let a = first;
  let b = second;
  let t = 0;
  let start: Readonly<Record<string, number>> | undefined;
  if (mixText !== undefined) {
    try {
      const parsed = parseStyleMix(mixText);
      // Checked here so a bad ?mix= leaves the control at its default instead of half set.
      mixWeights(names.map((name) => ({ name })), parsed, titleOf(id));
      const entries = (typeof parsed === 'string' ? [[parsed, 1] as const] : Object.entries(parsed)).filter(([, w]) => w > 0);
      // The control holds two styles: of a larger mix it shows the two heaviest (the HUD shows it all).
      const [x, y] = entries.length > 2 ? [...entries].sort((p, q) => q[1] - p[1]) : entries;
      a = x![0];
      b = y?.[0] ?? names.find((n) => n !== a) ?? a;
      t = y ? y[1] / (x![1] + y[1]) : 0;
      start = Object.fromEntries(entries);
    } catch (e) {
      show('model', 'mix-failed', `?mix=${mixText} not applied: ${(e as Error).message}`);
    }
  }
  ui.blendA.value = a;
  ui.blendB.value = b;
  ui.blendT.value = String(Math.round(t * 100));
  ui.blend.hidden = names.length < 2;
  applyMix(start ?? blendMix(a, b, t));
}

ui.blendA.onchange = applyBlend;
ui.blendB.onchange = applyBlend;
ui.blendT.oninput = applyBlend;

// ---- drawing --------------------------------------------------------------------------------

const viewCtx = ui.view.getContext('2d')!;

/** Draw the left `x` view pixels of a frame, upsampled when it was stylized smaller. */
function paint(img: ImageBitmap, x = size.width): void {
  viewCtx.drawImage(img, 0, 0, (x / size.width) * img.width, img.height, 0, 0, x, size.height);
}

/** Split view: left of the divider the very frame that was stylized, so both halves are in sync. */
function draw(): void {
  const f = live.lastFrame();
  if (!f) return;
  paint(f.outputBitmap);
  if (!ui.split.checked) return;
  const x = Math.round((Number(ui.splitPos.value) / 100) * size.width);
  if (x > 0) paint(f.inputBitmap, x);
  viewCtx.fillStyle = '#fff';
  viewCtx.fillRect(Math.min(x, size.width - 1), 0, 1, size.height);
}

live.addEventListener('frame', (e) => {
  lastSeq = e.detail.seq;
  lastModel = modelId;
  if (ui.split.checked) draw();
});
ui.split.onchange = draw;
ui.splitPos.oninput = draw;

// ---- camera ---------------------------------------------------------------------------------

let retryTimer: number | undefined;

async function startCamera(): Promise<void> {
  if (live.running) return;
  try {
    await live.start();
    if (messages.camera.kind === 'camera-lost') recoveries++;
    clear('camera');
  } catch (e) {
    if (e instanceof CameraPermissionError) {
      show('camera', 'permission-denied', 'Camera permission denied: allow camera access for this site in the browser settings, then reload the page.');
      return;
    }
    // While recovering from a lost camera, keep saying so rather than flipping to 'no camera'.
    if (messages.camera.kind !== 'camera-lost') show('camera', 'no-camera', `No camera found or usable (${(e as Error).message}); the app starts one as soon as it appears.`);
    scheduleRetry();
  }
}

function scheduleRetry(): void {
  if (retryTimer !== undefined) return;
  retryTimer = window.setTimeout(() => {
    retryTimer = undefined;
    void startCamera();
  }, 1500);
}

live.addEventListener('error', (e) => {
  if (e.detail instanceof CameraLostError) {
    show('camera', 'camera-lost', 'Camera lost; waiting for it to come back…');
    scheduleRetry();
  } else if (modelId) {
    show('model', 'model-failed', `Style '${titleOf(modelId)}' failed on a frame: ${e.detail.message}`);
  }
});

navigator.mediaDevices?.addEventListener?.('devicechange', () => {
  if (!live.running && messages.camera.kind !== 'permission-denied') void startCamera();
});

// ---- snapshot and recording -------------------------------------------------------------------

const downloads: { name: string; size: number; type: string }[] = [];

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.textContent = `${name} (${Math.round(blob.size / 1024)} KiB)`;
  ui.downloads.prepend(a);
  downloads.push({ name, size: blob.size, type: blob.type });
  a.click();
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

ui.snapshot.onclick = () => {
  ui.view.toBlob((b) => {
    if (b) save(b, `stylecast-${stamp()}.png`);
  }, 'image/png');
};

let recorder: MediaRecorder | undefined;

ui.record.onclick = () => {
  if (recorder) {
    recorder.stop();
    return;
  }
  const type = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4'].find((t) => MediaRecorder.isTypeSupported(t));
  const chunks: Blob[] = [];
  const r = new MediaRecorder(ui.view.captureStream(30), type ? { mimeType: type } : {});
  r.ondataavailable = (e) => {
    if (e.data.size) chunks.push(e.data);
  };
  r.onstop = () => {
    recorder = undefined;
    ui.record.textContent = 'Record';
    const blob = new Blob(chunks, { type: r.mimeType || type || 'video/webm' });
    save(blob, `stylecast-${stamp()}.${blob.type.includes('mp4') ? 'mp4' : 'webm'}`);
  };
  r.start(250);
  recorder = r;
  ui.record.textContent = 'Stop';
};

// ---- HUD ------------------------------------------------------------------------------------

/** A mix as ?mix= and `--style` take it, weights to two decimals; a single style by its name. */
function mixLabel(m: Readonly<Record<string, number>>): string {
  const entries = Object.entries(m).filter(([, w]) => w > 0);
  if (entries.length === 1) return entries[0]![0];
  return formatStyleMix(Object.fromEntries(entries.map(([k, w]) => [k, Math.round(w * 100) / 100])));
}

function hudValues(): LiveStats & { backendText: string; model: string; size: string; mode: Mode; mix: string | undefined } {
  return { ...live.stats(), backendText: backend, model: modelId ?? '-', size: `${size.width}x${size.height}`, mode, mix: mix && mixLabel(mix) };
}

setInterval(() => {
  const h = hudValues();
  ui.hud.textContent = [
    `capture ${h.captureFps.toFixed(1)} fps`,
    `infer   ${h.inferenceMs.toFixed(1)} ms`,
    `main    ${h.mainThreadMs.toFixed(1)} ms/frame`,
    `shown   ${h.shownFps.toFixed(1)} fps`,
    `dropped ${h.dropped}${h.resized ? `  resized ${h.resized}` : ''}`,
    `backend ${h.backendText}`,
    `scale   ${h.scale}${h.targetFps ? ` (smooth: ${h.targetFps} fps)` : ' (sharp)'}`,
    ...(h.mix === undefined ? [] : [`mix     ${h.mix}`]),
  ].join('\n');
}, 250);

// ---- models ---------------------------------------------------------------------------------

let models: ModelEntry[] = [];
const titleOf = (id: string) => models.find((m) => m.id === id)?.title ?? id;

async function loadModelList(): Promise<void> {
  try {
    const res = await fetch('/api/models');
    if (!res.ok) throw new Error((await res.text()).split('\n')[0] || `HTTP ${res.status}`);
    models = ((await res.json()) as { models: ModelEntry[] }).models;
  } catch (e) {
    show('model', 'no-models', `Cannot list styles: ${(e as Error).message}`);
    return;
  }
  if (models.length === 0) {
    show('model', 'no-models', 'No styles available: run stylecast serve with STYLECAST_MIRROR set or with --models DIR holding .onnx files.');
    return;
  }
  const groups = new Map<string, HTMLOptGroupElement>();
  for (const m of models) {
    const label = m.speed ? (SPEED_LABELS[m.speed] ?? m.speed) : 'Your models';
    let g = groups.get(label);
    if (!g) groups.set(label, (g = Object.assign(document.createElement('optgroup'), { label })));
    const o = document.createElement('option');
    o.value = m.id;
    o.textContent = m.speed ? `${m.title} · ${m.speed}` : m.title;
    o.dataset.speed = m.speed ?? '';
    g.append(o);
  }
  ui.style.replaceChildren(...groups.values());
  const wanted = params.get('model');
  const first = wanted && models.some((m) => m.id === wanted) ? wanted : models[0]!.id;
  ui.style.value = first;
  ui.style.disabled = false;
  loadStyle(first);
}

ui.style.onchange = () => loadStyle(ui.style.value);

// ---- test hook (only with ?test=1) ------------------------------------------------------------

function base64(data: Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(s);
}

if (TEST) {
  Object.assign(window, {
    __stylecast: {
      hud: () => ({ ...hudValues(), backend }),
      state: () => ({ modelId, modelReady: live.styleInfo !== undefined, styles: [...styles], mix: mix ?? null, backend, shown: live.stats().shown, lastSeq, frameModel: lastModel ?? null, cameraMessage: messages.camera.kind ?? null, modelMessage: messages.model.kind ?? null, cameraText: ui.cameraMessage.textContent, modelText: ui.modelMessage.textContent, recoveries, downloads: [...downloads], crossOriginIsolated }),
      /** The last stylized frame, its input and what the canvas shows now (RGBA, base64). */
      frame: () => {
        const f = live.lastFrame();
        return f
          ? {
              modelId: lastModel,
              seq: f.seq,
              scale: f.scale,
              width: f.output.width,
              height: f.output.height,
              input: base64(f.input.data),
              output: base64(f.output.data),
              displayed: base64(viewCtx.getImageData(0, 0, size.width, size.height).data),
            }
          : null;
      },
      /** The library's info on the loaded model: a new object each time a session loads. */
      styleInfo: () => live.styleInfo,
      /** Ends the camera track as an unplug would (stop() alone fires no 'ended'). */
      loseCamera: () => live.stream?.getVideoTracks()[0]?.dispatchEvent(new Event('ended')),
    },
  });
}

// ---- start ----------------------------------------------------------------------------------

if (problems.length) show('camera', 'no-camera', problems.join('; '));
void loadModelList();
void startCamera();
