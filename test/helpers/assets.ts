import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Shared assets (teachers, VGG, photos, videos, PyTorch fixtures) are reached through the model
 * store's offline mirror (STYLECAST_MIRROR) and STYLECAST_REFERENCE (defaults to the mirror's sibling
 * 'reference'). In CI a missing asset fails loudly; elsewhere tests that need one are skipped with a
 * message saying which variable to set.
 */
const mirrorEnv = process.env.STYLECAST_MIRROR;
export const MIRROR = mirrorEnv ? resolve(mirrorEnv) : undefined;
export const REFERENCE = process.env.STYLECAST_REFERENCE
  ? resolve(process.env.STYLECAST_REFERENCE)
  : MIRROR
    ? join(MIRROR, '..', 'reference')
    : undefined;

const inCI = process.env.CI === 'true' || process.env.CI === '1';

function check(root: string | undefined, variable: string, rel: string, example: string): string | false {
  if (!root) {
    if (inCI) throw new Error(`${variable} is not set in CI: tests need ../shared (see .ci/run)`);
    return `set ${variable} (e.g. ${example}) to run tests that need shared assets`;
  }
  if (!existsSync(join(root, rel))) {
    if (inCI) throw new Error(`asset ${join(root, rel)} is missing in CI`);
    return `asset ${join(root, rel)} is missing`;
  }
  return false;
}

/** `skip` value for a test needing a file under the mirror (false = run it). */
export const needsMirror = (rel = '.') => check(MIRROR, 'STYLECAST_MIRROR', rel, '../shared/assets');
/** `skip` value for a test needing a file under the reference fixtures. */
export const needsReference = (rel = '.') => check(REFERENCE, 'STYLECAST_REFERENCE', rel, '../shared/reference');

export const mirrorPath = (rel: string) => join(MIRROR ?? '', rel);
export const referencePath = (rel: string) => join(REFERENCE ?? '', rel);
