/**
 * The students shipped in models/ as `<name>.onnx`. Kept apart from the registry (and its hash table)
 * so the browser entry can name the built-in models cheaply. `base` marks a temporally stable student
 * fine-tuned from that per-frame student (and compared with it).
 */
export const STUDENTS = Object.freeze([
  { name: 'candy_rt', teacher: 'candy', speed: 'real-time' },
  { name: 'la_muse_rt', teacher: 'la_muse', speed: 'real-time' },
  { name: 'mosaic_rt', teacher: 'mosaic', speed: 'real-time' },
  { name: 'wave_rt', teacher: 'wave', speed: 'real-time' },
  { name: 'udnie_rt', teacher: 'udnie_torch', speed: 'real-time' },
  { name: 'scream_rt', teacher: 'scream', speed: 'real-time' },
  { name: 'candy_rt_stable', teacher: 'candy', speed: 'real-time', base: 'candy_rt' },
  { name: 'la_muse_rt_stable', teacher: 'la_muse', speed: 'real-time', base: 'la_muse_rt' },
  { name: 'mosaic_rt_stable', teacher: 'mosaic', speed: 'real-time', base: 'mosaic_rt' },
  { name: 'udnie_rt_stable', teacher: 'udnie_torch', speed: 'real-time', base: 'udnie_rt' },
  { name: 'wave_rt_stable', teacher: 'wave', speed: 'real-time', base: 'wave_rt' },
  { name: 'scream_rt_stable', teacher: 'scream', speed: 'real-time', base: 'scream_rt' },
  // One network for the six styles (conditional instance norm): the style is a graph input (issue 18).
  {
    name: 'multi_rt',
    speed: 'real-time',
    styles: [
      { name: 'candy', teacher: 'candy' },
      { name: 'mosaic', teacher: 'mosaic' },
      { name: 'udnie', teacher: 'udnie_torch' },
      { name: 'la_muse', teacher: 'la_muse' },
      { name: 'wave', teacher: 'wave' },
      { name: 'scream', teacher: 'scream' },
    ],
  },
] as const satisfies readonly StudentSpec[]);

/** A single-style student names its teacher; a multi-style one names each style's teacher instead. */
export type StudentSpec = SingleStudentSpec | MultiStudentSpec;

interface StudentCommon {
  readonly name: string;
  readonly speed: 'real-time' | 'balanced';
}

export interface SingleStudentSpec extends StudentCommon {
  readonly teacher: string;
  readonly base?: string;
}

export interface MultiStudentSpec extends StudentCommon {
  /** In the network's row order: what `--style` takes, and the teacher each was distilled from. */
  readonly styles: readonly { readonly name: string; readonly teacher: string }[];
}

export type StudentName = (typeof STUDENTS)[number]['name'];
