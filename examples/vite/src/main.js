import { BUILTIN_MODELS, LiveStylizer, StylecastError } from 'stylecast-nst/web';

const $ = (id) => document.getElementById(id);
const say = (text) => ($('status').textContent = text);
// Typed errors (NoCameraError, CameraPermissionError, ModelNotFoundError...) carry a message worth showing.
const fail = (e) => say(e instanceof StylecastError ? `${e.name}: ${e.message}` : `unexpected error: ${e}`);

for (const name of BUILTIN_MODELS) $('style').append(new Option(name, name));

const live = new LiveStylizer($('view'), { size: { width: 640, height: 480 } });
live.addEventListener('stats', ({ detail: s }) => {
  say(`${s.backend} · capture ${s.captureFps.toFixed(1)} fps · shown ${s.shownFps.toFixed(1)} fps · ${s.inferenceMs.toFixed(0)} ms/frame · ${s.dropped} dropped`);
});
live.addEventListener('error', (e) => fail(e.detail));

$('start').onclick = async () => {
  try {
    const { backend, threads } = await live.setStyle($('style').value);
    say(`style loaded on ${backend}${threads ? ` (${threads} threads)` : ''}`);
    await live.start();
  } catch (e) {
    fail(e);
  }
};
$('stop').onclick = () => live.stop();
$('style').onchange = () => live.setStyle($('style').value).catch(fail);
