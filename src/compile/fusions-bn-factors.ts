// A plan rewrite for inference BatchNormalization (part of the table in fusions.ts): the five
// element-wise calls its factors take (scale = gamma / sqrt(variance + epsilon), shift = beta -
// mean * scale) become one bnInferenceFactors call. At batch 1 those calls, on a few hundred
// floats each, cost their call overhead and little else: ResNet-20 makes 19 such chains per
// predict, the MobileNet-style net 13. The factors are still computed by a kernel (in an inference plan's prologue, prologue.ts),
// from the live statistics, so a fit between two predicts is seen.
import type { TypedArray } from '../core/dtype.ts';
import { isArray, onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';

/** A binary call of this op: [op, a, aStrides, b, bStrides, out, shape]. */
const binary = (c: Call, op: string): boolean => c.kernel === 'binary' && c.args[0] === op;

/** A per-channel vector of C values walked whole. */
const vector = (a: unknown, strides: unknown, C: number): a is TypedArray =>
  isArray(a) && a.length === C && (C === 1 || (strides as number[])[0] === 1);
/** A per-channel vector, or one value broadcast over the channels. */
const vectorOrOne = (a: unknown, strides: unknown, C: number): a is TypedArray =>
  vector(a, strides, C) || (isArray(a) && a.length === 1 && (strides as number[])[0] === 0);

/**
 * The chain at calls[i..i+4] as the layer records it (add(variance, epsilon), sqrt, div(gamma,
 * root), mul(mean, scale), sub(beta, product)), with its three intermediates read by the chain
 * alone and every array of one type: the one call that replaces it, or null.
 */
function factorsAt(calls: Call[], i: number, uses: Map<TypedArray, number>, kept: Set<TypedArray>): Call | null {
  if (i + 5 > calls.length) return null;
  const [add, sqrt, div, mul, sub] = calls.slice(i, i + 5);
  if (!binary(add, 'add') || sqrt.kernel !== 'unary' || sqrt.args[0] !== 'sqrt' || !binary(div, 'div') || !binary(mul, 'mul') || !binary(sub, 'sub')) return null;
  const shape = add.args[6] as number[];
  if (shape.length !== 1) return null;
  const C = shape[0];
  const [, variance, vS, epsilon, eS, sum] = add.args;
  const [, sqrtIn, root] = sqrt.args;
  const [, gamma, gS, divisor, dS, scale] = div.args;
  const [, mean, mS, scaleIn, sS, product] = mul.args;
  const [, beta, bS, subtrahend, pS, shift] = sub.args;
  const sameShape = [div, mul, sub].every((c) => (c.args[6] as number[]).length === 1 && (c.args[6] as number[])[0] === C);
  if (!sameShape || !vector(variance, vS, C) || !vectorOrOne(epsilon, eS, C) || !vector(sum, [1], C) || sqrtIn !== sum || !vector(root, [1], C)) return null;
  if (!vectorOrOne(gamma, gS, C) || divisor !== root || !vector(root, dS, C) || !vector(scale, [1], C)) return null;
  if (!vector(mean, mS, C) || scaleIn !== scale || !vector(scale, sS, C) || !vector(product, [1], C)) return null;
  if (!vectorOrOne(beta, bS, C) || subtrahend !== product || !vector(product, pS, C) || !vector(shift, [1], C)) return null;
  // The intermediates vanish: each written once and read once, by the chain.
  if (![sum, root, product].every((a) => onlyOneReader(a, uses, kept))) return null;
  const arrays = [variance, epsilon, gamma, mean, beta, sum, root, scale, product, shift];
  if (!arrays.every((a) => a.constructor === scale.constructor)) return null;
  // Outputs distinct from each other and from the inputs (the kernel writes scale before it reads mean, beta).
  const outputs = new Set<unknown>([scale, shift, sum, root, product]);
  if (outputs.size !== 5 || [variance, epsilon, gamma, mean, beta].some((a) => outputs.has(a))) return null;
  return { kernel: 'bnInferenceFactors', args: [variance, epsilon, gamma, mean, beta, scale, shift, C] };
}

export const bnFactorsChain: Fusion = {
  name: 'add + sqrt + div + mul + sub (BatchNormalization factors at inference) -> bnInferenceFactors',
  rewrite(calls, kept) {
    const uses = useCounts(calls);
    const out: Call[] = [];
    for (let i = 0; i < calls.length; i++) {
      const fused = factorsAt(calls, i, uses, kept);
      out.push(fused ?? calls[i]);
      if (fused) i += 4;
    }
    return out;
  },
};
