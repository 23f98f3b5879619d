/**
 * Typed failures of the browser entry, so a page can tell them apart with `instanceof` (or `code`,
 * which survives the trip from the inference worker) and show its own message.
 */
export type StylecastErrorCode = 'model-not-found' | 'model-corrupt' | 'no-camera' | 'camera-permission' | 'camera-lost' | 'backend-unavailable' | 'worker-failed';

export abstract class StylecastError extends Error {
  abstract readonly code: StylecastErrorCode;
}

/** The model name is not a built-in one, or its URL answered 404 (or could not be fetched). */
export class ModelNotFoundError extends StylecastError {
  readonly code = 'model-not-found';
  override readonly name = 'ModelNotFoundError';
}

/** The bytes are not a stylecast model file (truncated, not ONNX, no stylecast metadata, bad weights). */
export class ModelCorruptError extends StylecastError {
  readonly code = 'model-corrupt';
  override readonly name = 'ModelCorruptError';
}

/** The browser has no camera (or none matching the request), or no camera API at all. */
export class NoCameraError extends StylecastError {
  readonly code = 'no-camera';
  override readonly name = 'NoCameraError';
}

/** The user or the browser's settings denied camera access. */
export class CameraPermissionError extends StylecastError {
  readonly code = 'camera-permission';
  override readonly name = 'CameraPermissionError';
}

/** A running camera stopped delivering (unplugged, taken by another app, revoked). */
export class CameraLostError extends StylecastError {
  readonly code = 'camera-lost';
  override readonly name = 'CameraLostError';
}

/** The requested backend cannot run here (e.g. 'webgpu' without WebGPU), or onnxruntime-web failed to start. */
export class BackendUnavailableError extends StylecastError {
  readonly code = 'backend-unavailable';
  override readonly name = 'BackendUnavailableError';
}

/**
 * The inference worker could not start (its script failed to load or threw) or died; every call
 * waiting on it rejects with this, and later calls on the same Stylizer do too.
 */
export class WorkerFailedError extends StylecastError {
  readonly code = 'worker-failed';
  override readonly name = 'WorkerFailedError';
}

const BY_CODE: Readonly<Record<StylecastErrorCode, new (message: string) => StylecastError>> = Object.freeze({
  'model-not-found': ModelNotFoundError,
  'model-corrupt': ModelCorruptError,
  'no-camera': NoCameraError,
  'camera-permission': CameraPermissionError,
  'camera-lost': CameraLostError,
  'backend-unavailable': BackendUnavailableError,
  'worker-failed': WorkerFailedError,
});

/** An error as it crosses postMessage: class instances arrive as plain Errors, so carry the code. */
export interface WireError {
  readonly code?: StylecastErrorCode;
  readonly message: string;
}

export function toWire(e: unknown): WireError {
  const message = String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 500);
  return e instanceof StylecastError ? { code: e.code, message } : { message };
}

export function fromWire(w: WireError): Error {
  const Ctor = w.code ? BY_CODE[w.code] : undefined;
  return Ctor ? new Ctor(w.message) : new Error(w.message);
}
