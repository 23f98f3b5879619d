import { writeFileAtomic } from '../io/atomic.js';
import { readBytes } from '../io/read.js';
import { decodeModel, encodeModel, type LoadedModel, type StyleModel } from './codec.js';

// The format itself is browser-safe and lives in codec.ts; this module adds the file system.
export * from './codec.js';

export async function readModelFile(path: string): Promise<LoadedModel> {
  return decodeModel(await readBytes(path, 'cannot read model'), path);
}

/** Write a model file atomically (temp file + rename), so a crash never leaves half a model. */
export async function writeModelFile(path: string, m: StyleModel): Promise<void> {
  await writeFileAtomic(path, encodeModel(m));
}
