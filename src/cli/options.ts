import { InvalidArgumentError } from 'commander';

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
