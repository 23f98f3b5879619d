/** Names of the training graph's inputs and outputs. */
export const TRAIN_IO = Object.freeze({
  content: 'content',
  /** A multi-style network's style weights (one-hot: the style this step trains). */
  style: 'style',
  teacher: 'teacher',
  gram: (layer: string) => `gram.${layer}`,
  loss: (term: string) => `loss.${term}`,
  grad: (param: string) => `grad.${param}`,
  output: 'output',
  /** The stability term's motion: warp taps, kept-pixel mask and noise (see MotionBatch). */
  motion: { index: 'motion.index', weight: 'motion.weight', mask: 'motion.mask', noise: 'motion.noise' },
});
