import type { Tensor } from '../graph/tensor.js';

/** The buffers behind `tensors`, each once, to move them to another thread instead of copying them. */
export function buffersOf(tensors: Readonly<Record<string, Tensor>>): ArrayBuffer[] {
  return [...new Set(Object.values(tensors).map((t) => t.data.buffer as ArrayBuffer))];
}
