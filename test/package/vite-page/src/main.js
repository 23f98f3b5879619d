// No top-level await: with it Vite kept onnxruntime-web out of the entry chunk, which hid the bug.
import { loadModel, Stylizer } from 'stylecast-nst/web';

const $ = (id) => document.getElementById(id);
const input = $('in').getContext('2d');
const gradient = input.createLinearGradient(0, 0, 96, 72);
gradient.addColorStop(0, '#e33');
gradient.addColorStop(1, '#33e');
input.fillStyle = gradient;
input.fillRect(0, 0, 96, 72);

async function run() {
  const stylizer = await Stylizer.create(await loadModel('candy_rt'));
  const out = await stylizer.stylize($('in'), $('out'));
  const before = input.getImageData(0, 0, 96, 72).data;
  let diff = 0;
  for (let i = 0; i < before.length; i++) if (i % 4 !== 3) diff += Math.abs(before[i] - out.data[i]);
  $('status').textContent = `done ${stylizer.backend} ${stylizer.threads} ${out.width}x${out.height} ${(diff / (96 * 72 * 3)).toFixed(1)}`;
  await stylizer.release();
}
run().catch((e) => ($('status').textContent = `error ${e.name}: ${e.message}`));
