/**
 * Which onnxruntime-web backend to run on, as `npm run bench -- backends` measured them (bench/backends.ts,
 * table in bench/results/backends.md). `auto` takes WebGPU only on a real GPU: a software adapter
 * (SwiftShader, or any adapter the browser flags as a fallback) runs style networks about two orders of
 * magnitude slower than WASM, so it is left to an explicit `backend: 'webgpu'` request. WebNN is not a
 * choice: the Chromium measured (150, Linux) does not offer it (no `navigator.ml`; behind its flag, no
 * context). WASM's thread count and proxy setting are src/web/ort.ts's.
 */
import { BackendUnavailableError } from './errors.js';

export type Backend = 'webgpu' | 'wasm';
export type BackendRequest = Backend | 'auto';

/** The parts of a GPUAdapter the choice reads (typed here: the DOM lib in use has no WebGPU types). */
export interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { readonly architecture?: string; readonly description?: string; readonly isFallbackAdapter?: boolean };
}

export function isSoftwareAdapter(a: AdapterLike): boolean {
  if (a.isFallbackAdapter === true || a.info?.isFallbackAdapter === true) return true;
  return /swiftshader/i.test(`${a.info?.architecture ?? ''} ${a.info?.description ?? ''}`);
}

type Gpu = { requestAdapter(): Promise<AdapterLike | null> };

async function requestAdapter(): Promise<AdapterLike | undefined> {
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (!gpu) return undefined;
  try {
    return (await gpu.requestAdapter()) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Resolve a request to a backend; an explicit 'webgpu' without any adapter throws BackendUnavailableError. */
export async function chooseBackend(request: BackendRequest, adapter: () => Promise<AdapterLike | undefined> = requestAdapter): Promise<Backend> {
  if (request === 'wasm') return 'wasm';
  const a = await adapter();
  if (request === 'webgpu') {
    if (!a) throw new BackendUnavailableError("WebGPU is not available in this browser (no GPU adapter); use backend 'wasm' or 'auto'");
    return 'webgpu';
  }
  if (request !== 'auto') throw new BackendUnavailableError(`unknown backend '${String(request)}'; expected 'auto', 'webgpu' or 'wasm'`);
  return a && !isSoftwareAdapter(a) ? 'webgpu' : 'wasm';
}
