/**
 * stylecast in the browser (`import { ... } from 'stylecast-nst/web'`): the same names as the Node API
 * where the concept is the same (`loadModel`, `Stylizer`, `stylize`), plus a live camera loop.
 *
 * @example
 * import { loadModel, Stylizer } from 'stylecast-nst/web';
 * const stylizer = await Stylizer.create(await loadModel('candy_rt'));
 * await stylizer.stylize(document.querySelector('img'), document.querySelector('canvas'));
 */
export { chooseBackend, isSoftwareAdapter, type AdapterLike, type Backend, type BackendRequest } from './backend.js';
export {
  BackendUnavailableError,
  CameraLostError,
  CameraPermissionError,
  ModelCorruptError,
  ModelNotFoundError,
  NoCameraError,
  StylecastError,
  WorkerFailedError,
  type StylecastErrorCode,
} from './errors.js';
export type { LiveFrame } from './frame.js';
export { LiveStylizer, type LiveEvents, type LiveOptions, type LiveStats, type ModelOptions, type StyleInfo } from './live.js';
export { BUILTIN_MODELS, loadModel, type ModelSource } from './model.js';
export { env, openSessions, type WebEnv } from './ort.js';
export type { ImageSource } from './source.js';
export type { FrameSize } from './stats.js';
export { Stylizer, type StylizerOptions } from './stylizer.js';
export type { LoadedModel, ModelInfo, StyleEntry, StyleMix } from '../models/codec.js';
