import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium; browser tests skip (with this reason) where it or ffmpeg is missing. */
export const CHROMIUM = process.env.STYLECAST_CHROMIUM ?? '/usr/bin/chromium';

export function needsBrowser(): string | false {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (set STYLECAST_CHROMIUM)`;
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  } catch {
    return 'ffmpeg is not installed (needed for the fake camera clip)';
  }
  return false;
}

/** A y4m clip for Chromium's fake camera, converted from a video with ffmpeg. */
export function makeY4m(video: string, out: string, frames = 60): string {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', video, '-frames:v', String(frames), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

export interface LaunchOptions {
  /** y4m file for the fake camera; without it the browser has no camera at all. */
  readonly camera?: string;
  /** Grant camera access without a prompt (--use-fake-ui-for-media-stream). Defaults to true with a camera. */
  readonly autoAllow?: boolean;
  /** A software WebGPU adapter (SwiftShader) instead of no GPU at all: ~1000x slower than WASM, for correctness only. */
  readonly softwareWebGpu?: boolean;
  /** WebGPU on whatever adapter the machine has (a real GPU where there is one); ignored with softwareWebGpu. */
  readonly webGpu?: boolean;
  /** Blink features to turn on (--enable-features), e.g. WebMachineLearningNeuralNetwork for WebNN. */
  readonly features?: readonly string[];
}

/**
 * Headless Chromium on a closed network: no GPU, no background traffic. playwright gives every launch
 * a fresh empty profile (it refuses --user-data-dir) and removes it on close.
 */
export function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  const args = [
    '--headless',
    '--no-sandbox',
    ...(opts.softwareWebGpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : opts.webGpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu']),
    ...(opts.features?.length ? [`--enable-features=${opts.features.join(',')}`] : []),
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (opts.camera) args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${opts.camera}`);
  if (opts.autoAllow ?? opts.camera !== undefined) args.push('--use-fake-ui-for-media-stream');
  return chromium.launch({ executablePath: CHROMIUM, args });
}
