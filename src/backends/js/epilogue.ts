// The activations a kernel can apply as it writes its output (a convolution's or a batch
// normalization's epilogue), and their gradients' masks read from that output: what a plan
// fuses for the relu / relu6 behind such a kernel (compile/fusions*.ts).
import type { ConvActivation } from '../backend.ts';

const ACTIVATIONS: Record<ConvActivation, { apply: (v: number) => number; mask: (y: number) => number }> = {
  // NaN stays NaN, as in the unfused relu and relu6 (a fused plan must give the eager answer).
  relu: { apply: (v) => (v > 0 || v !== v ? v : 0), mask: (y) => (y > 0 ? 1 : 0) },
  relu6: { apply: (v) => (v !== v ? v : v > 0 ? (v < 6 ? v : 6) : 0), mask: (y) => (y > 0 && y < 6 ? 1 : 0) },
};

function lookup(what: string, activation: ConvActivation): (typeof ACTIVATIONS)[ConvActivation] {
  if (!Object.hasOwn(ACTIVATIONS, activation)) {
    throw new Error(`${what}: unknown activation '${activation as string}', expected one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  return ACTIVATIONS[activation];
}

/** The epilogue function of an activation (unknown names: a clear error naming the kernel). */
export const epilogueActivation = (what: string, activation: ConvActivation): ((v: number) => number) => lookup(what, activation).apply;
/** 1 where the activation's derivative is 1, read from its output y, else 0 (step / relu6Step). */
export const epilogueMask = (what: string, activation: ConvActivation): ((y: number) => number) => lookup(what, activation).mask;
