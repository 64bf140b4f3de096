// Plan rewrites for the backward pass: where a gradient sum adds a convolution's input
// gradient (a residual block's input receives the gradient of its shortcut and of its first
// convolution), the sum is made as the input gradient is written.
import type { TypedArray } from '../core/dtype.ts';
import type { ConvInfo } from '../backends/backend.ts';
import { onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';
import { walksWhole, writtenBetween } from './fusions-inference.ts';

/** Switches for before/after measurements (bench/profile-zoo.ts --input-grad-add off). */
export const gradFusionTuning = { inputGradAdd: true };

/**
 * conv2dBackpropInput(dy, w) -> t, add(t, s) -> sum (s of the same shape, no broadcast), t read
 * by nothing else: one conv2dBackpropInputAdd(dy, w, s, sum) at the add's place (s is computed
 * by then), provided dy and w are not written between the two calls; t is never stored.
 */
export const inputGradAdd: Fusion = {
  name: 'conv2dBackpropInput + add -> conv2dBackpropInputAdd',
  rewrite(calls, kept) {
    if (!gradFusionTuning.inputGradAdd) return calls;
    let out = calls;
    for (let i = 0; i < out.length; i++) {
      const grad = out[i];
      if (grad.kernel !== 'conv2dBackpropInput') continue;
      const uses = useCounts(out);
      const [dy, w, t, info] = grad.args as [TypedArray, TypedArray, TypedArray, ConvInfo];
      if (!onlyOneReader(t, uses, kept)) continue;
      const j = out.findIndex((c, k) => k > i && c.kernel === 'binary' && c.args[0] === 'add' && (c.args[1] === t || c.args[3] === t));
      if (j < 0) continue;
      const [, a, aStrides, b, bStrides, sum, shape] = out[j].args as [string, TypedArray, number[], TypedArray, number[], TypedArray, number[]];
      const addend = a === t ? b : a;
      if (addend === t || a.length !== sum.length || b.length !== sum.length || !walksWhole(aStrides, shape) || !walksWhole(bStrides, shape)) continue;
      if (writtenBetween(out, i, j, [dy, w])) continue;
      const fused: Call = { kernel: 'conv2dBackpropInputAdd', args: [dy, w, addend, sum, info] };
      out = out.flatMap((c, k) => (k === i ? [] : k === j ? [fused] : [c]));
      i--; // the list moved up by one at i
    }
    return out;
  },
};
