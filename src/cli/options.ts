import { InvalidArgumentError } from 'commander';
import { defaultContext, TEACHER_CONTEXT } from '../io/registry.js';
import { checkContext } from '../models/context.js';
import { parseStyleMix, type StyleMix } from '../models/styles.js';
import { checkTargetFps } from '../runtime/adaptive.js';

/** Commander parser for positive integers with a message naming the flag's problem. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

/** 'WxH' -> [width, height]. */
export function size(value: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(value.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`expected WIDTHxHEIGHT, got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

/** `--style candy` or `--style candy=0.7,mosaic=0.3` (a multi-style model's style or mix; names are checked against the model). */
export function styleMix(value: string): StyleMix {
  try {
    return parseStyleMix(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Help of the `--style` flag of the commands that stylize. */
export const STYLE_HELP = "a multi-style model's style, or a blend: candy, or candy=0.7,mosaic=0.3 (weights normalized; defaults to its first style)";

/** A frame rate to hold: a positive finite number (0, negative, NaN and 'Infinity' are refused). */
export function targetFps(value: string): number {
  try {
    // Number('') is 0 and Number(' 15 ') is 15: blank and padded values go through the same check.
    return checkTargetFps(value.trim() === '' ? NaN : Number(value));
  } catch {
    throw new InvalidArgumentError(`expected a positive number of frames per second, got '${value}'`);
  }
}

/** ffmpeg decoder/encoder threads: a whole number, or 'auto' (also 0) for ffmpeg's own choice. */
export function ffmpegThreads(value: string): number {
  const v = value.trim();
  if (v === 'auto') return 0;
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`expected a number of threads or 'auto', got '${value}'`);
  return Number(v);
}

/** Help of the `--context` flag of the commands that stylize. */
export const CONTEXT_HELP = `pixels of mirrored context around each image, cut off the result, so the model paints no frame along the borders (as la_muse does); costs the extra area (defaults to ${TEACHER_CONTEXT} for the built-in teachers, 0 otherwise)`;

/** `--context <px>`: a whole number of pixels from 0 up. */
export function contextPx(value: string): number {
  try {
    return checkContext(/^\d+$/.test(value.trim()) ? Number(value) : NaN);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/got .*$/, `got '${value}'`));
  }
}

/** The context a command runs `model` (its -m value) with: the flag's, else the registry's default for it. */
export function contextFor(model: string, flag: number | undefined): number {
  return flag ?? defaultContext(model);
}
