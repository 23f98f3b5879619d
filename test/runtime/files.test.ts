import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import type { RawImage } from '../../src/io/pixels.js';
import { stylizeFiles, type FileEvent } from '../../src/runtime/files.js';
import type { FrameStylizer } from '../../src/runtime/worker.js';
import { tempDir } from '../helpers/tmp.js';

test("stylizeFiles: each image's time is its own, not the batch's average", async () => {
  const dir = tempDir();
  const small = join(dir, 'small.png');
  const big = join(dir, 'big.png');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toFile(small);
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#654321' } }).png().toFile(big);
  // A network whose run time grows with the pixels it is given: 1 ms per 2 pixels, so the big image's
  // run (2 s) dwarfs decode and write times even on a loaded machine (they took 190 ms beside training).
  const slow: FrameStylizer = {
    async stylizeMany(imgs: readonly RawImage[]) {
      await sleep(imgs.reduce((n, i) => n + i.width * i.height, 0) / 2);
      return [...imgs];
    },
  };
  const events: FileEvent[] = [];
  const r = await stylizeFiles([small, big], [join(dir, 'a.png'), join(dir, 'b.png')], { stylizer: slow, batchSize: 4, onFile: (e) => events.push(e) });
  assert.deepEqual(r, { done: 2, failed: 0 });
  const ms = Object.fromEntries(events.map((e) => [e.input, e.ok ? e.ms : NaN]));
  assert.ok(ms[big]! >= 2000, `big: ${ms[big]} ms`);
  // An average would give both about 1 s; the small image's own share is its 32 ms run plus I/O.
  assert.ok(ms[small]! < ms[big]! / 4, `small: ${ms[small]} ms, big: ${ms[big]} ms`);
});
