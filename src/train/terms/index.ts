import { contentTerm } from './content.js';
import { distillTerm } from './distill.js';
import { teacherContentTerm, teacherStyleTerm } from './perceptual-distill.js';
import { styleTerm } from './style.js';
import { temporalTerm } from './temporal.js';
import { tvTerm } from './tv.js';
import type { LossTermDef } from '../spec.js';

export type { ForwardPass, GraphContext, LossTermDef, RunContext, StepInput, TermFeeder, TermGraph, WeightFlag } from '../spec.js';

/**
 * The built-in terms, in the order of the loss outputs, the logged losses and the total's sum. The
 * stability term comes first: it was the first built when it changed the forward pass inline, and
 * keeping its place keeps logs and float sums as they were. The perceptual distillation terms come
 * last, after the pixel distillation whose teacher input they share.
 */
export const BUILT_IN_TERMS: readonly LossTermDef[] = Object.freeze([temporalTerm, contentTerm, styleTerm, tvTerm, distillTerm, teacherContentTerm, teacherStyleTerm]);
