/** Inference-time experiments: architecture sweeps on random weights, precision variants, reports. */
export * from './grid.js';
export * from './sweep.js';
export * from './report.js';
