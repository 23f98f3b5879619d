/** Opening a camera, with the browser's failures turned into typed errors a page can show. */
import { CameraPermissionError, NoCameraError } from './errors.js';
import type { FrameSize } from './stats.js';

export async function openCamera(size: FrameSize): Promise<MediaStream> {
  if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
    throw new NoCameraError('no camera API here: camera access needs a secure page (https or localhost)');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: size.width }, height: { ideal: size.height }, frameRate: { ideal: 30 } },
      audio: false,
    });
  } catch (e) {
    const name = (e as DOMException)?.name ?? '';
    switch (name) {
      case 'NotAllowedError':
      case 'PermissionDeniedError':
      case 'SecurityError':
        throw new CameraPermissionError('camera permission denied: allow camera access for this site in the browser settings, then reload');
      case 'NotFoundError':
      case 'DevicesNotFoundError':
      case 'OverconstrainedError':
        throw new NoCameraError('no camera found: connect a camera and try again');
      case 'NotReadableError':
      case 'TrackStartError':
      case 'AbortError':
        throw new NoCameraError('the camera could not be started (another application may be using it)');
      default:
        throw new NoCameraError(`the camera could not be started: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}
