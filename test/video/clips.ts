import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A test clip made with ffmpeg: testsrc video (moving) plus, optionally, a sine audio track.
 * `keyint`: frames between keyframes (x264's default is 250).
 */
export function makeClip(dir: string, name: string, opts: { width?: number; height?: number; seconds?: number; audio?: boolean; keyint?: number } = {}): string {
  const { width = 640, height = 480, seconds = 3, audio = true } = opts;
  const out = join(dir, name);
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=30`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', ...(opts.keyint ? ['-g', String(opts.keyint)] : []), '-pix_fmt', 'yuv420p', ...(audio ? ['-c:a', 'aac'] : []), out,
  ]);
  return out;
}

export interface Probed {
  frames: number;
  duration: number;
  audio: boolean;
  width: number;
  height: number;
}

/** Decoded frame count (not the container's claim), duration and audio presence, via ffprobe. */
export function probeCounted(path: string): Probed {
  const json = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format', path], { encoding: 'utf8' }),
  ) as { streams: { codec_type: string; nb_read_frames?: string; width?: number; height?: number }[]; format: { duration: string } };
  const v = json.streams.find((s) => s.codec_type === 'video')!;
  return {
    frames: Number(v.nb_read_frames),
    duration: Number(json.format.duration),
    audio: json.streams.some((s) => s.codec_type === 'audio'),
    width: v.width!,
    height: v.height!,
  };
}
