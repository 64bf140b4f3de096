// Plan rewrites for the patterns of inference (and of residual blocks in any step); part of
// the table in fusions.ts, which runs them first.
import type { TypedArray } from '../core/dtype.ts';
import { KERNEL_OUTPUTS, type ConvActivation, type ConvInfo } from '../backends/backend.ts';
import { activationOf, isArray, newBuffer, onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';

/** Row-major strides of a shape. */
function contiguous(shape: number[]): number[] {
  const strides = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}
/** Whether strides walk a whole row-major array of this shape (size-1 axes aside): no broadcast. */
export const walksWhole = (strides: number[], shape: number[]): boolean =>
  contiguous(shape).every((s, d) => shape[d] === 1 || strides[d] === s);

/**
 * BatchNormalization at inference folded into the convolution before it: conv2d(x, w, b) ->
 * channelAffine(scale, shift) becomes conv2d(x, w * scale, b * scale + shift). The folded
 * kernel and bias are computed by kernels in the plan (channelAffine over the kernel's rows
 * and over the bias) from the live weights and moving statistics, in an inference plan's
 * prologue (prologue.ts: redone whenever a weight may have changed, so a fit between two
 * predicts is seen); a later rewrite fuses the activation behind as the epilogue.
 * Any convolution (strides, dilations, groups, depthwise): the kernel's last axis is the
 * output channel in every layout ([kH, kW, inC / groups, outC]).
 */
export const batchNormIntoConv: Fusion = {
  name: 'conv2d + channelAffine (BatchNormalization at inference) -> conv2d with folded weights',
  rewrite(calls, kept) {
    const uses = useCounts(calls);
    const affineOf = new Map<TypedArray, number>();
    calls.forEach((c, k) => { if (c.kernel === 'channelAffine' && isArray(c.args[0])) affineOf.set(c.args[0], k); });
    const replaced = new Map<number, Call[]>(), dropped = new Set<number>();
    calls.forEach((call, i) => {
      if (call.kernel !== 'conv2d') return;
      const [x, w, bias, y, info] = call.args as [TypedArray, TypedArray, TypedArray | null, TypedArray, ConvInfo];
      const j = affineOf.get(y);
      if (j === undefined || j < i || !onlyOneReader(y, uses, kept)) return;
      const [, scale, shift, z, , channels] = calls[j].args as [TypedArray, TypedArray, TypedArray | null, TypedArray, number, number];
      const F = info.outC;
      if (channels !== F || scale.length !== F || (shift && shift.length !== F) || w.length % F !== 0) return;
      if (writtenBetween(calls, i, j, [x, w, bias])) return;
      // The kernel seen as [K, F] rows, each scaled per channel; the bias is b * scale + shift.
      const folded = newBuffer(w, w.length);
      const steps: Call[] = [{ kernel: 'channelAffine', args: [w, scale, null, folded, w.length / F, F] }];
      let b = shift;
      if (bias) {
        b = newBuffer(bias, F);
        steps.push({ kernel: 'channelAffine', args: [bias, scale, shift, b, 1, F] });
      }
      // At the affine's place: scale and shift are computed by then (x and w long before).
      steps.push({ kernel: 'conv2d', args: [x, folded, b, z, info] });
      dropped.add(i);
      replaced.set(j, steps);
    });
    return calls.flatMap((c, k) => (dropped.has(k) ? [] : replaced.get(k) ?? [c]));
  },
};

/** Whether a call between positions i and j (exclusive) writes one of these buffers. */
export function writtenBetween(calls: Call[], i: number, j: number, buffers: unknown[]): boolean {
  for (let k = i + 1; k < j; k++) {
    const c = calls[k];
    if (KERNEL_OUTPUTS[c.kernel].some((o) => buffers.includes(c.args[o]))) return true;
  }
  return false;
}

/**
 * A residual block's end: conv2d -> add (the other operand of the same shape, no broadcast)
 * [-> relu or relu6] becomes one conv2dResidual call at the add's place (the other operand is
 * computed by then), the convolution's output never stored. The activation joins when the sum
 * has no other reader (its gradient reads its output, so in training too).
 */
export const residualIntoConv: Fusion = {
  name: 'conv2d + add [+ relu / relu6] -> conv2dResidual',
  rewrite(calls, kept) {
    let out = calls;
    for (let i = 0; i < out.length; i++) {
      const conv = out[i];
      if (conv.kernel !== 'conv2d') continue;
      const uses = useCounts(out);
      const [x, w, bias, y, info] = conv.args as [TypedArray, TypedArray, TypedArray | null, TypedArray, ConvInfo];
      if (!onlyOneReader(y, uses, kept)) continue;
      const j = out.findIndex((c, k) => k > i && c.kernel === 'binary' && c.args[0] === 'add' && (c.args[1] === y || c.args[3] === y));
      if (j < 0) continue;
      const [, a, aStrides, b, bStrides, sum, shape] = out[j].args as [string, TypedArray, number[], TypedArray, number[], TypedArray, number[]];
      const residual = a === y ? b : a;
      if (residual === y || a.length !== sum.length || b.length !== sum.length || !walksWhole(aStrides, shape) || !walksWhole(bStrides, shape)) continue;
      if (writtenBetween(out, i, j, [x, w, bias, residual])) continue;
      let result = sum, activation: ConvActivation | null = null, relu = -1;
      if (onlyOneReader(sum, uses, kept)) {
        relu = out.findIndex((c, k) => k > j && activationOf(c, sum) !== undefined);
        if (relu >= 0) { result = out[relu].args[2] as TypedArray; activation = activationOf(out[relu], sum)!; }
      }
      const fused: Call = { kernel: 'conv2dResidual', args: [x, w, bias, residual, result, info, activation] };
      out = out.flatMap((c, k) => (k === i || k === relu ? [] : k === j ? [fused] : [c]));
      i--; // the list moved up by one at i
    }
    return out;
  },
};
