// How a compiled step's inputs are laid out, shared by the models that build steps and the
// loops (and memory budgets) that feed them.
import type { Tensor } from '../core/tensor.ts';

/** nIn inputs, nOut targets, then the sample weights of the heads marked weighted. */
export interface StepLayout { nIn: number; nOut: number; weighted: boolean[] }
export const stepLayout = (xs: Tensor[], ys: Tensor[], weighted: boolean[]): StepLayout => ({ nIn: xs.length, nOut: ys.length, weighted });
