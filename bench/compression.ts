/**
 * The built-in students against their teachers on held-out photos at 640x480 (`stylecast eval` per
 * teacher): PSNR/SSIM vs the teacher, style and content loss vs the teacher's, params, MACs, and ms
 * per frame timed in the same run as the teacher. The default student is also measured in fp16 and
 * int8, and extra models of the same teacher (e.g. the paper-experiment students) can be added:
 *
 *   STYLECAST_MIRROR=../shared/assets npx tsx bench/compression.ts [--limit 32] [--trials 100] [teacher=model.onnx ...]
 *
 * Needs the teachers and the VGG from the mirror. Run alone on a quiet machine.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, formatEvalJson, formatEvalMarkdown, type EvalReport } from '../src/eval/index.js';
import { DEFAULT_MODEL, REGISTRY } from '../src/io/registry.js';
import { loadModel } from '../src/models/load.js';
import { quantizeModel } from '../src/compress/quantize.js';
import { waitForQuiet } from '../src/perf/machine.js';

const RESULTS = fileURLToPath(new URL('./results/compression/', import.meta.url));

export async function benchCompression(argv: readonly string[] = []): Promise<Record<string, EvalReport>> {
  const mirror = process.env.STYLECAST_MIRROR;
  if (!mirror) throw new Error('bench compression: set STYLECAST_MIRROR (teachers, VGG, test photos)');
  const flag = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const limit = flag('--limit', 32);
  const trials = flag('--trials', 100);
  const extra = new Map<string, string[]>();
  for (const a of argv.filter((x) => x.includes('='))) {
    const [teacher, file] = a.split('=') as [string, string];
    extra.set(teacher, [...(extra.get(teacher) ?? []), file]);
  }
  await mkdir(RESULTS, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'stylecast-bench-compression-'));
  const reports: Record<string, EvalReport> = {};
  for (const s of REGISTRY.filter((e) => e.kind === 'student' && e.teacher)) {
    const models = [s.name, ...(extra.get(s.teacher!) ?? [])];
    if (s.name === DEFAULT_MODEL) {
      // Precision variants of the default student, calibrated on training photos (never the test set).
      const base = await loadModel(s.name);
      for (const precision of ['fp16', 'int8'] as const) {
        const q = await quantizeModel(base, precision, { calibration: { folder: join(mirror, 'photos/train'), count: 16 } });
        const file = join(scratch, `${s.name}-${precision}.onnx`);
        await writeFile(file, q.onnx);
        models.push(file);
      }
    }
    await waitForQuiet();
    process.stderr.write(`bench compression: ${s.name} vs ${s.teacher} (${models.length} models, ${limit} photos, ${trials} trials)\n`);
    const report = await evaluate({
      models,
      reference: s.teacher!,
      photos: join(mirror, 'photos/test'),
      limit,
      trials,
      command: `npx tsx bench/compression.ts ${argv.join(' ')}`.trim(),
    });
    reports[s.name] = report;
    await writeFile(join(RESULTS, `${s.name}.md`), formatEvalMarkdown(report));
    await writeFile(join(RESULTS, `${s.name}.json`), formatEvalJson(report));
  }
  return reports;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchCompression(process.argv.slice(2));
