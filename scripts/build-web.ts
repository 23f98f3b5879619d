/**
 * Build the browser entry (dist/browser/) and print its size: `npm run build:web`. docs/web.md
 * ("Use it in your page") quotes these numbers.
 */
import { buildBrowserEntry } from './browser-entry.js';

const s = await buildBrowserEntry();
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
process.stdout.write(`stylecast-nst/web: ${kib(s.bytes)} minified, ${kib(s.gzipBytes)} gzipped (${s.files.join(', ')}; onnxruntime-web not included)\n`);
