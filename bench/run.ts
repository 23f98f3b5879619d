/**
 * `npm run bench [-- name...]`: run the named benchmarks (all by default). Each writes its own
 * Markdown and JSON under bench/results/, with machine info and the command; every speed is also
 * reported as a ratio to a baseline measured in the same run, since these machines are shared.
 */
const BENCHES: Readonly<Record<string, () => Promise<object>>> = Object.freeze({
  inference: async () => (await import('./inference.js')).benchInference(),
  train: async () => (await import('./train.js')).benchTrain(),
  video: async () => (await import('./video.js')).benchVideo(),
  flicker: async () => (await import('./flicker.js')).benchFlicker(),
  browser: async () => (await import('./browser.js')).benchBrowser(),
  backends: async () => (await import('./backends.js')).benchBackends(),
  compression: async () => (await import('./compression.js')).benchCompression(),
  stability: async () => (await import('./stability.js')).benchStability(),
  student: async () => (await import('./student.js')).benchStudent({ write: true, command: 'npm run bench -- student' }),
  scale: async () => (await import('./scale.js')).benchScale([]),
  multistyle: async () => {
    const m = await import('./multistyle.js');
    return m.benchMultiStyle({ model: m.DEFAULT_MODEL, speed: true, command: 'npm run bench -- multistyle' });
  },
  'learn-style': async () => (await import('./learn-style.js')).benchLearnStyle({ command: 'npm run bench -- learn-style' }),
});

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(1);
}
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
  process.stderr.write(`bench: ${name}...\n`);
  const result = await BENCHES[name]!();
  process.stdout.write(`${JSON.stringify({ [name]: result })}\n`);
}
