/**
 * `loadModel` for the browser: a built-in student by name, a model file by URL, or its bytes. Returns
 * the same {@link LoadedModel} as Node's `loadModel`, decoded by the same code.
 */
import { decodeModel, type LoadedModel } from '../models/codec.js';
import { STUDENTS, type StudentName } from '../io/students.js';
import { ModelCorruptError, ModelNotFoundError } from './errors.js';
import { preBundledHint } from './vite-dev.js';

/** A model name ('candy_rt'), a URL of a stylecast .onnx file, or the file's bytes. */
export type ModelSource = StudentName | string | URL | ArrayBuffer | ArrayBufferView | Blob;

/** The built-in real-time students (models/*.onnx in the package). */
export const BUILTIN_MODELS: readonly StudentName[] = Object.freeze(STUDENTS.map((s) => s.name));

const NAME = /^[\w-]+$/;

/** Where a built-in model is served: the package's models/ folder, found from this module (dist/browser/ or src/web/). */
function builtinModelUrl(name: StudentName): URL {
  // A template literal, so a page's bundler (Vite) copies the package's models/*.onnx as assets.
  return new URL(`../../models/${name}.onnx`, import.meta.url);
}

function resolve(source: string | URL): { url: string; name: string; builtin: boolean } {
  if (typeof source === 'string' && NAME.test(source)) {
    if (!(BUILTIN_MODELS as readonly string[]).includes(source)) {
      throw new ModelNotFoundError(`unknown model '${source}'; built-in models are ${BUILTIN_MODELS.join(', ')} (or pass a URL or bytes)`);
    }
    return { url: builtinModelUrl(source as StudentName).href, name: source, builtin: true };
  }
  const base = (globalThis as { document?: { baseURI: string } }).document?.baseURI ?? globalThis.location?.href;
  const url = new URL(source, base).href;
  return { url, name: url, builtin: false };
}

async function fetchBytes(url: string, signal: AbortSignal | undefined, hint: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ModelNotFoundError(`cannot fetch model ${url} (${(e as Error).message})${hint}`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().split('\n')[0]!.slice(0, 300);
    const what = `${text || `HTTP ${res.status}`} (${url})`;
    // 422: the server found the file but could not read it as a model.
    throw res.status === 422 ? new ModelCorruptError(what) : new ModelNotFoundError(`model not found: ${what}${hint}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** Decode model file bytes; anything wrong with them is a ModelCorruptError naming `origin`. */
function decodeModelBytes(bytes: Uint8Array, origin: string): LoadedModel {
  try {
    return decodeModel(bytes, origin);
  } catch (e) {
    throw new ModelCorruptError((e as Error).message);
  }
}

/**
 * @example
 * const model = await loadModel('candy_rt');          // built-in
 * const mine = await loadModel('/models/mine.onnx');  // a stylecast model file by URL
 */
export async function loadModel(source: ModelSource, opts: { readonly signal?: AbortSignal } = {}): Promise<LoadedModel> {
  if (source instanceof ArrayBuffer) return decodeModelBytes(new Uint8Array(source), 'model bytes');
  if (ArrayBuffer.isView(source)) return decodeModelBytes(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), 'model bytes');
  if (typeof Blob !== 'undefined' && source instanceof Blob) return decodeModelBytes(new Uint8Array(await source.arrayBuffer()), 'model blob');
  const { url, name, builtin } = resolve(source as string | URL);
  return decodeModelBytes(await fetchBytes(url, opts.signal, builtin ? preBundledHint() : ''), name);
}
