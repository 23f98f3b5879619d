import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { findEntry, REGISTRY, type AssetEntry } from '../io/registry.js';
import { cacheRoot, convertedModelPath, defaultStore, resolveAsset, type StoreOptions } from '../io/store.js';
import { importEngstrom } from './importers/engstrom.js';
import { importTorch } from './importers/torch.js';
import { decodeModel, readModelFile, toLoaded, transformerOf, type LoadedModel, type StyleModel } from './modelfile.js';
import { PRESETS } from './transformer.js';

/** True when `spec` names a file rather than a registered model. */
export async function isModelPath(spec: string): Promise<boolean> {
  if (/\.onnx$/i.test(spec) || spec.includes('/') || spec.includes('\\')) return true;
  return stat(spec).then((s) => s.isFile(), () => false);
}

/** Import a registered teacher from its verified files into a StyleModel. */
export async function importTeacher(e: AssetEntry, opts: StoreOptions = defaultStore()): Promise<StyleModel> {
  const dir = await resolveAsset(e, opts);
  if (e.format === 'stylecast-model') return transformerOf(await readModelFile(join(dir, Object.keys(e.files)[0]!)), `teacher ${e.name}`);
  const info = { name: e.name, style: e.title, source: e.source, license: e.license, inputRange: [0, 255] as const, provenance: { imported: e.format, files: e.path } };
  switch (e.format) {
    case 'engstrom-checkpoint':
      return { config: PRESETS.engstrom, weights: await importEngstrom(dir), info };
    case 'torch-manifest':
      return { config: PRESETS.torch, weights: await importTorch(dir), info };
    default:
      throw new Error(`'${e.name}' is a ${e.kind}, not a style model`);
  }
}

/** Where `stylecast import --name <n>` keeps a model so it is found by name: <cache>/local/<n>.onnx. */
export function localModelPath(name: string, opts: StoreOptions = defaultStore()): string {
  return join(cacheRoot(opts), 'local', `${name}.onnx`);
}

/** Throws when `name` cannot name a model in the local store (a path, or a registered model's name). */
export function checkLocalName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.endsWith('.onnx')) throw new Error(`model name '${name}': use letters, digits, '_', '-' and '.', without a path or .onnx`);
  if (REGISTRY.some((e) => e.name === name)) throw new Error(`model name '${name}' is a registered model; pick another name`);
}

/** Keep a model file in the local store under a name; registered names cannot be taken. */
export async function registerLocalModel(name: string, onnx: Uint8Array, opts: StoreOptions = defaultStore()): Promise<string> {
  checkLocalName(name);
  const path = localModelPath(name, opts);
  await mkdir(join(cacheRoot(opts), 'local'), { recursive: true });
  await writeFileAtomic(path, onnx);
  return path;
}

/**
 * Load a style model by registered name ('candy'), by a name given to `stylecast import`, or by path
 * to a stylecast .onnx file. Imported
 * teachers are cached as model files, keyed by the digest of their source files.
 *
 * @example
 * const model = await loadModel('candy');
 */
export async function loadModel(spec: string, opts: StoreOptions = defaultStore()): Promise<LoadedModel> {
  if (await isModelPath(spec)) return readModelFile(spec);
  if (!REGISTRY.some((r) => r.name === spec)) {
    // A model imported under a name (stylecast import --name) lives in the local store.
    const local = localModelPath(spec, opts);
    if (await stat(local).then((s) => s.isFile(), () => false)) return readModelFile(local);
  }
  const e = findEntry(spec);
  if (e.kind === 'loss-network') throw new Error(`'${spec}' is a ${e.kind}, not a style model`);
  if (e.format === 'stylecast-model') return readModelFile(join(await resolveAsset(e, opts), Object.keys(e.files)[0]!));
  const cached = convertedModelPath(e, opts);
  const bytes = await readFile(cached).catch(() => undefined);
  if (bytes) {
    try {
      return decodeModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), cached);
    } catch {
      // A damaged cache entry is rebuilt from the verified source below.
    }
  }
  const model = toLoaded(await importTeacher(e, opts));
  try {
    await mkdir(join(cacheRoot(opts), 'models'), { recursive: true });
    await writeFileAtomic(cached, model.onnx);
  } catch {
    // Caching is an optimization; a read-only cache dir must not stop inference.
  }
  return model;
}
