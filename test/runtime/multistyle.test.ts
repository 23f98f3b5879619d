import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawImage } from '../../src/io/pixels.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { WorkerStylizer } from '../../src/runtime/worker.js';
import { tinyModel } from '../helpers/models.js';
import { tinyMultiModel } from '../helpers/multistyle.js';

const image: RawImage = { width: 20, height: 12, channels: 3, data: Uint8Array.from({ length: 20 * 12 * 3 }, (_, i) => (i * 53) % 256) };
const same = (a: RawImage, b: RawImage) => a.data.every((v, i) => v === b.data[i]);

test('Stylizer: the style option, setStyle and a per-call style select and blend on one session', async () => {
  const model = tinyMultiModel(['candy', 'mosaic', 'wave']);
  const s = await Stylizer.create(model, { shared: false });
  try {
    const first = await s.stylize(image);
    const candy = await s.stylize(image, { style: 'candy' });
    const mosaic = await s.stylize(image, { style: 'mosaic' });
    assert.ok(same(first, candy), 'defaults to the first style');
    assert.ok(!same(candy, mosaic));
    s.setStyle({ mosaic: 2, wave: 0 });
    assert.ok(same(await s.stylize(image), mosaic), 'weights are normalized; setStyle lasts');
    assert.ok(same(await s.stylize(image, { style: 'candy' }), candy), 'a per-call style is for that call');
    assert.ok(same(await s.stylize(image), mosaic));
    assert.throws(() => s.setStyle('scream'), /unknown style 'scream'; tiny-multi's styles are candy, mosaic, wave/);
    await assert.rejects(s.stylize(image, { style: { candy: -1 } }), /style weight of 'candy' must be a number >= 0, got -1/);
    const other = await Stylizer.create(model, { shared: false, style: 'mosaic' });
    assert.ok(same(await other.stylize(image), mosaic));
    await other.release();
  } finally {
    await s.release();
  }
  await assert.rejects(Stylizer.create(model, { style: { candy: 0 } }), /style weights are all zero/);
  await assert.rejects(Stylizer.create(tinyModel(), { style: 'candy' }), /^Error: tiny is a single-style network: it takes no style selection/);
});

test('WorkerStylizer: styles and blends on a worker thread (the style feed is copied for each run)', async () => {
  const model = tinyMultiModel(['candy', 'mosaic']);
  const local = await Stylizer.create(model, { shared: false });
  const w = await WorkerStylizer.create(model, { style: 'mosaic' });
  try {
    const [a, b] = await w.stylizeMany([image, image]);
    assert.ok(same(a!, b!));
    assert.ok(same(a!, await local.stylize(image, { style: 'mosaic' })));
    const [mix] = await w.stylizeMany([image], { style: { candy: 0.5, mosaic: 0.5 } });
    assert.ok(same(mix!, await local.stylize(image, { style: { candy: 1, mosaic: 1 } })));
  } finally {
    await w.close();
    await local.release();
  }
});

test('the style rides beside the pixels on the pixel graph sessions: a new mix or a per-call style opens no session', async () => {
  const { SessionStylizer } = await import('../../src/runtime/session-stylizer.js');
  const { pixelOnnx } = await import('../../src/models/pixel-io.js');
  const { createSession } = await import('../../src/runtime/ort.js');
  const model = tinyMultiModel(['candy', 'mosaic']);
  const opened: string[] = [];
  const sessions: Awaited<ReturnType<typeof createSession>>[] = [];
  const s = new SessionStylizer(model, async (layout) => {
    opened.push(`${layout.input}:${layout.output}`);
    const session = await createSession(pixelOnnx(model, layout), { threads: 1 });
    assert.deepEqual([...session.inputNames].sort(), ['pixels', 'style']);
    sessions.push(session);
    return session;
  }, { batchSize: 1, inFlight: 1 });
  const ref = await Stylizer.create(model, { shared: false });
  try {
    const candy = await s.stylize(image);
    s.setStyle('mosaic');
    const mosaic = await s.stylize(image);
    const mixed = await s.stylize(image, { style: { candy: 1, mosaic: 1 } });
    assert.ok(same(candy, await ref.stylize(image, { style: 'candy' })));
    assert.ok(same(mosaic, await ref.stylize(image, { style: 'mosaic' })));
    assert.ok(same(mixed, await ref.stylize(image, { style: { candy: 0.5, mosaic: 0.5 } })));
    assert.ok(!same(candy, mosaic));
    const planes = await s.stylizeFloat(image, { style: 'candy' });
    assert.deepEqual(planes, await ref.stylizeFloat(image, { style: 'candy' }));
    assert.deepEqual(opened, ['3:3', '3:planes'], 'one session per layout, whatever the style');
  } finally {
    await ref.release();
    for (const x of sessions) await x.release();
  }
});

test('a multi-style model quantized to fp16 keeps its styles and its style input; int8 is refused', async () => {
  const { quantizeModel } = await import('../../src/compress/quantize.js');
  const model = tinyMultiModel(['candy', 'mosaic']);
  const half = await quantizeModel(model, 'fp16');
  assert.deepEqual(half.styles!.map((s) => s.name), ['candy', 'mosaic']);
  const [a, b] = [await Stylizer.create(model, { shared: false }), await Stylizer.create(half, { shared: false })];
  try {
    for (const style of ['candy', 'mosaic', { candy: 1, mosaic: 1 }]) {
      const [x, y] = [await a.stylizeFloat(image, { style }), await b.stylizeFloat(image, { style })];
      let d = 0;
      for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
      assert.ok(d < 3, `fp16 within 3 levels at ${JSON.stringify(style)}: ${d}`);
    }
  } finally {
    await a.release();
    await b.release();
  }
  await assert.rejects(quantizeModel(model, 'int8', { calibration: [] }), /int8 quantization of the multi-style network tiny-multi is not supported/);
});

test('eval of a multi-style model at a style or mix (--style-mix): the photos and the timed runs feed the style; an unknown style is refused', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const sharp = (await import('sharp')).default;
  const { evaluate } = await import('../../src/eval/index.js');
  const { tempDir } = await import('../helpers/tmp.js');
  const dir = tempDir('stylecast-multi-eval-');
  mkdirSync(join(dir, 'photos'));
  await sharp(Buffer.from(image.data), { raw: { width: 20, height: 12, channels: 3 } }).png().toFile(join(dir, 'photos', 'a.png'));
  const file = join(dir, 'multi.onnx');
  writeFileSync(file, tinyMultiModel(['candy', 'mosaic']).onnx);
  const base = { models: [file], reference: file, photos: join(dir, 'photos'), width: 20, height: 12, trials: 2, warmup: 1, threads: 1, peak: false } as const;
  const same = await evaluate({ ...base, modelStyle: 'mosaic' });
  assert.equal(same.rows[0]!.psnr, Infinity, 'model and reference paint the same style');
  assert.equal(same.rows[0]!.time.n, 2);
  const mix = await evaluate({ ...base, modelStyle: { candy: 1, mosaic: 1 } });
  assert.equal(mix.rows[0]!.psnr, Infinity);
  await assert.rejects(evaluate({ ...base, modelStyle: 'scream' }), /unknown style 'scream'/);
});
