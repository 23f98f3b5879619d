/** The closed set of primitives; layers in src/models are compositions of these. */
export * from './elementwise.js';
export * from './conv.js';
export * from './norm.js';
export * from './movement.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './pool.js';
export * from './expand.js';
export * from './gather.js';
export * from './shape.js';
