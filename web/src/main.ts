/**
 * The stylecast web app: camera -> bounded drop-oldest queue -> inference worker -> canvas.
 * The main thread only captures, draws and keeps the HUD; the worker owns onnxruntime-web.
 */
import type { Backend, FromWorker, ToWorker } from './protocol.js';
import { DropOldestQueue } from './queue.js';
import { Ema, parseSize, planFrame, RateMeter, type FrameSize } from './stats.js';

interface ModelEntry {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  /** Registered models: 'real-time', 'balanced' or 'full'; files from --models have none. */
  readonly speed?: string;
}

/** Picker groups, in the server's order (fastest first): the speed class says what to expect live. */
const SPEED_LABELS: Readonly<Record<string, string>> = {
  'real-time': 'Real-time (~30 fps on a laptop CPU)',
  balanced: 'Balanced',
  full: 'Full quality (slow: ~3 fps)',
};

interface Frame {
  readonly seq: number;
  readonly pixels: ArrayBuffer;
}

type CameraMessage = 'no-camera' | 'permission-denied' | 'camera-lost' | 'camera-error' | 'insecure';
type ModelMessage = 'model-failed' | 'no-models' | 'loading';

const params = new URLSearchParams(location.search);
const TEST = params.get('test') === '1';
const ORT_PATH = '/ort/';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  style: $<HTMLSelectElement>('style'),
  split: $<HTMLInputElement>('split'),
  splitPos: $<HTMLInputElement>('split-pos'),
  snapshot: $<HTMLButtonElement>('snapshot'),
  record: $<HTMLButtonElement>('record'),
  cameraMessage: $<HTMLDivElement>('camera-message'),
  modelMessage: $<HTMLDivElement>('model-message'),
  view: $<HTMLCanvasElement>('view'),
  hud: $<HTMLPreElement>('hud'),
  downloads: $<HTMLDivElement>('downloads'),
  video: $<HTMLVideoElement>('video'),
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
const backendChoice = option<Backend | 'auto'>('backend', ['auto', 'wasm', 'webgpu'], 'auto');
const queueCapacity = Math.max(1, Math.min(8, Number(params.get('queue')) || 2));

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

// ---- stats ----------------------------------------------------------------------------------

const captureRate = new RateMeter();
const shownRate = new RateMeter();
const inferMs = new Ema();
const runMs = new Ema();
let rejected = 0;
let resized = 0;
let stale = 0;
let shown = 0;
let recoveries = 0;

// ---- worker ---------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (msg: ToWorker, transfer: Transferable[] = []) => worker.postMessage(msg, transfer);

let modelId: string | undefined;
let modelReady = false;
let backend = '-';
let busy = false;
let seq = 0;
const queue = new DropOldestQueue<Frame>(queueCapacity);

let lastInput: ImageData | undefined;
let lastOutput: ImageData | undefined;
let lastSeq = -1;
let lastModel: string | undefined;

function loadModel(id: string): void {
  modelId = id;
  modelReady = false;
  backend = '-';
  inferMs.reset();
  runMs.reset();
  show('model', 'loading', `Loading style '${titleOf(id)}'…`);
  send({ type: 'load', id, url: `/api/models/${encodeURIComponent(id)}.onnx`, backend: backendChoice, ortPath: ORT_PATH });
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'ready':
      if (msg.id !== modelId) return;
      modelReady = true;
      backend = msg.backend === 'wasm' ? `wasm (${msg.threads} thread${msg.threads === 1 ? '' : 's'})` : msg.backend;
      clear('model');
      ui.snapshot.disabled = false;
      ui.record.disabled = typeof MediaRecorder === 'undefined';
      pump();
      return;
    case 'error':
      if (msg.phase === 'load') {
        if (msg.id !== modelId) return;
        show('model', 'model-failed', `Style '${titleOf(msg.id)}' failed to load: ${msg.message}`);
        return;
      }
      busy = false;
      stale++;
      if (msg.id && msg.id === modelId) show('model', 'model-failed', `Style '${titleOf(msg.id)}' failed on a frame: ${msg.message}`);
      pump();
      return;
    case 'result':
      busy = false;
      if (msg.id !== modelId) {
        // Computed by the previous style just before a switch: not worth showing.
        stale++;
      } else {
        present(msg);
      }
      pump();
      return;
  }
};

worker.onerror = (ev) => {
  show('model', 'model-failed', `Inference worker failed: ${ev.message || 'could not start'}`);
};

/** Send the oldest queued frame when the worker is idle: at most one frame in flight. */
function pump(): void {
  if (busy || !modelReady) return;
  const f = queue.shift();
  if (!f) return;
  busy = true;
  send({ type: 'frame', seq: f.seq, width: size.width, height: size.height, pixels: f.pixels }, [f.pixels]);
}

// ---- drawing --------------------------------------------------------------------------------

ui.view.width = size.width;
ui.view.height = size.height;
const viewCtx = ui.view.getContext('2d', { willReadFrequently: TEST })!;

function present(msg: Extract<FromWorker, { type: 'result' }>): void {
  lastInput = new ImageData(new Uint8ClampedArray(msg.input), msg.width, msg.height);
  lastOutput = new ImageData(new Uint8ClampedArray(msg.output), msg.width, msg.height);
  lastSeq = msg.seq;
  lastModel = msg.id;
  draw();
  shown++;
  shownRate.tick(performance.now());
  inferMs.add(msg.totalMs);
  runMs.add(msg.runMs);
}

function draw(): void {
  if (!lastOutput || !lastInput) return;
  viewCtx.putImageData(lastOutput, 0, 0);
  if (ui.split.checked) {
    // Left of the divider: the very frame that was stylized, so both halves are in sync.
    const x = Math.round((Number(ui.splitPos.value) / 100) * size.width);
    if (x > 0) viewCtx.putImageData(lastInput, 0, 0, 0, 0, x, size.height);
    viewCtx.fillStyle = '#fff';
    viewCtx.fillRect(Math.min(x, size.width - 1), 0, 1, size.height);
  }
}

ui.split.onchange = draw;
ui.splitPos.oninput = draw;

// ---- camera ---------------------------------------------------------------------------------

const capture = document.createElement('canvas');
capture.width = size.width;
capture.height = size.height;
const captureCtx = capture.getContext('2d', { willReadFrequently: true })!;

let stream: MediaStream | undefined;
let retryTimer: number | undefined;
let cameraGeneration = 0;

function cameraError(e: unknown): { kind: CameraMessage; text: string; retry: boolean } {
  const name = (e as DOMException)?.name ?? '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return { kind: 'permission-denied', text: 'Camera permission denied: allow camera access for this site in the browser settings, then reload the page.', retry: false };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return { kind: 'no-camera', text: 'No camera found: connect a camera; the app starts it as soon as it appears.', retry: true };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return { kind: 'camera-error', text: 'The camera could not be started (another application may be using it); retrying…', retry: true };
    default:
      return { kind: 'camera-error', text: `The camera could not be started: ${(e as Error)?.message ?? String(e)}`, retry: true };
  }
}

async function startCamera(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) {
    show('camera', 'insecure', 'Camera access needs a secure page: open the app over https or on localhost.');
    return;
  }
  const generation = ++cameraGeneration;
  try {
    const s = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: size.width }, height: { ideal: size.height }, frameRate: { ideal: 30 } },
      audio: false,
    });
    if (generation !== cameraGeneration) {
      s.getTracks().forEach((t) => t.stop());
      return;
    }
    const wasLost = messages.camera.kind === 'camera-lost';
    stream = s;
    for (const t of s.getVideoTracks()) t.addEventListener('ended', () => cameraLost(s));
    ui.video.srcObject = s;
    await ui.video.play();
    clear('camera');
    if (wasLost) recoveries++;
    captureRate.reset();
    scheduleCapture(s);
  } catch (e) {
    if (generation !== cameraGeneration) return;
    const { kind, text, retry } = cameraError(e);
    // While recovering from a lost camera, keep saying so rather than flipping to 'no camera'.
    if (!(messages.camera.kind === 'camera-lost' && kind !== 'permission-denied')) show('camera', kind, text);
    if (retry) scheduleRetry();
  }
}

function scheduleRetry(): void {
  if (retryTimer !== undefined) return;
  retryTimer = window.setTimeout(() => {
    retryTimer = undefined;
    void startCamera();
  }, 1500);
}

function cameraLost(s: MediaStream): void {
  if (s !== stream) return;
  stream = undefined;
  s.getTracks().forEach((t) => t.stop());
  ui.video.srcObject = null;
  queue.clear();
  show('camera', 'camera-lost', 'Camera lost; waiting for it to come back…');
  scheduleRetry();
}

navigator.mediaDevices?.addEventListener?.('devicechange', () => {
  if (!stream && messages.camera.kind !== 'permission-denied') void startCamera();
});

function scheduleCapture(s: MediaStream): void {
  const video = ui.video;
  // Without requestVideoFrameCallback, poll each animation frame and skip repeats of the same frame.
  const perFrame = 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
  let lastTime = -1;
  const next = () => (perFrame ? video.requestVideoFrameCallback(step) : requestAnimationFrame(step));
  const step = () => {
    if (s !== stream) return;
    if (perFrame || video.currentTime !== lastTime) {
      lastTime = video.currentTime;
      grab();
    }
    next();
  };
  next();
}

function grab(): void {
  const v = ui.video;
  const plan = planFrame({ width: v.videoWidth, height: v.videoHeight }, size);
  if (plan.kind === 'reject') {
    rejected++;
    return;
  }
  if (plan.kind === 'resize') resized++;
  captureCtx.drawImage(v, plan.sx, plan.sy, plan.sw, plan.sh, 0, 0, size.width, size.height);
  const img = captureCtx.getImageData(0, 0, size.width, size.height);
  captureRate.tick(performance.now());
  if (!modelReady) {
    // No style yet (loading or failed): show the live camera rather than a frozen frame.
    viewCtx.putImageData(img, 0, 0);
    return;
  }
  queue.push({ seq: seq++, pixels: img.data.buffer as ArrayBuffer });
  pump();
}

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

function hudValues() {
  const now = performance.now();
  return {
    captureFps: captureRate.rate(now),
    inferenceMs: inferMs.value,
    runMs: runMs.value,
    shownFps: shownRate.rate(now),
    dropped: queue.dropped + rejected + stale,
    resized,
    rejected,
    backend,
    model: modelId ?? '-',
    shown,
    size: `${size.width}x${size.height}`,
  };
}

setInterval(() => {
  const h = hudValues();
  ui.hud.textContent = [
    `capture ${h.captureFps.toFixed(1)} fps`,
    `infer   ${h.inferenceMs.toFixed(1)} ms`,
    `shown   ${h.shownFps.toFixed(1)} fps`,
    `dropped ${h.dropped}${h.resized ? `  resized ${h.resized}` : ''}`,
    `backend ${h.backend}`,
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
  loadModel(first);
}

ui.style.onchange = () => loadModel(ui.style.value);

// ---- test hook (only with ?test=1) ------------------------------------------------------------

function base64(data: Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(s);
}

if (TEST) {
  Object.assign(window, {
    __stylecast: {
      hud: hudValues,
      state: () => ({ modelId, modelReady, backend, shown, lastSeq, frameModel: lastModel ?? null, cameraMessage: messages.camera.kind ?? null, modelMessage: messages.model.kind ?? null, cameraText: ui.cameraMessage.textContent, modelText: ui.modelMessage.textContent, recoveries, downloads: [...downloads], crossOriginIsolated }),
      /** The last stylized frame, its input and what the canvas shows now (RGBA, base64). */
      frame: () =>
        lastInput && lastOutput
          ? {
              modelId: lastModel,
              seq: lastSeq,
              width: lastOutput.width,
              height: lastOutput.height,
              input: base64(lastInput.data),
              output: base64(lastOutput.data),
              displayed: base64(viewCtx.getImageData(0, 0, size.width, size.height).data),
            }
          : null,
      /** Ends the camera track as an unplug would (stop() alone fires no 'ended'). */
      loseCamera: () => {
        if (stream) cameraLost(stream);
      },
    },
  });
}

// ---- start ----------------------------------------------------------------------------------

if (problems.length) show('camera', 'camera-error', problems.join('; '));
void loadModelList();
void startCamera();
