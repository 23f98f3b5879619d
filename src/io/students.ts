/**
 * The students shipped in models/ as `<name>.onnx`: [name, teacher, speed class]. Kept apart from the
 * registry (and its hash table) so the browser entry can name the built-in models cheaply.
 */
export const STUDENTS = Object.freeze([
  ['candy_rt', 'candy', 'real-time'],
  ['la_muse_rt', 'la_muse', 'real-time'],
  ['mosaic_rt', 'mosaic', 'real-time'],
  ['wave_rt', 'wave', 'real-time'],
  ['udnie_rt', 'udnie_torch', 'real-time'],
  ['scream_rt', 'scream', 'real-time'],
] as const);

export type StudentName = (typeof STUDENTS)[number][0];
