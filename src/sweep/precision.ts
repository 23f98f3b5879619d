/**
 * Moved: precision rewriting is in src/graph/precision.ts (model files use it too) and calibration in
 * src/runtime/calibrate.ts. Re-exported here so imports written against the old path keep working.
 */
export * from '../graph/precision.js';
export { calibrate } from '../runtime/calibrate.js';
