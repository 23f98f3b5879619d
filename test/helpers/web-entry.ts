/**
 * Driving the published browser entry (`stylecast-nst/web`, dist/browser/) in headless Chromium the way a
 * page author would: the example page in examples/page/ served by a plain static server, with the
 * package and onnxruntime-web where `npm install` would put them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type * as Web from '../../src/web/index.js';
import { REPO_ROOT } from '../../src/serve/build.js';
import { buildBrowserEntry, isBrowserEntryStale } from '../../scripts/browser-entry.js';
import { serveStatic, type StaticServer } from './static.js';

export type WebApi = typeof Web;

export async function ensureBrowserEntry(): Promise<void> {
  if (await isBrowserEntryStale()) await buildBrowserEntry();
}

/**
 * The minimal example page as installed in a project: node_modules/stylecast is this package. `mounts`
 * adds folders beside it (a benchmark's own files, served from the same origin).
 */
export function serveExamplePage(opts: { isolate?: boolean; mounts?: Readonly<Record<string, string>> } = {}): Promise<StaticServer> {
  return serveStatic(
    {
      ...opts.mounts,
      '/': join(REPO_ROOT, 'examples/page/'),
      '/node_modules/stylecast-nst/': REPO_ROOT,
      '/node_modules/onnxruntime-web/': join(REPO_ROOT, 'node_modules/onnxruntime-web/'),
      '/photos/': join(REPO_ROOT, 'examples/'),
    },
    { isolate: opts.isolate ?? false },
  );
}

/** Open the example page and expose the entry (imported through the page's import map) as window.sc. */
export async function openExample(page: Page, url: string): Promise<void> {
  // tsx compiles tests with esbuild's keepNames, which wraps named functions in __name(); functions
  // handed to page.evaluate carry those calls into the page.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.goto(url);
  await page.addScriptTag({ type: 'module', content: "import * as sc from 'stylecast-nst/web'; window.sc = sc;" });
  await page.waitForFunction(() => 'sc' in window, null, { timeout: 30_000 });
}

/** Mean absolute difference over the RGB channels of two RGBA buffers. */
export function meanDiffRgb(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) sum += Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!);
  return sum / ((a.length / 4) * 3);
}
