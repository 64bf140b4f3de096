// Plan rewrites for batch normalization in training: batchNorm -> relu (or relu6) becomes one
// batchNormActivation call (y = relu(bn(x)) written once), and the activation's gradient in
// front of batchNormGrad (step(r), dy * step(r), batchNormGrad; relu6Step for relu6) becomes
// one batchNormActivationGrad call that masks dy as it reads it: two passes over the tensor
// instead of five.
import type { TypedArray } from '../core/dtype.ts';
import type { ConvActivation } from '../backends/backend.ts';
import { activationOf, EPILOGUE_MASK, onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';

export const bnActivation: Fusion = {
  name: 'batchNorm + relu / relu6 (and its gradient)',
  rewrite(calls, kept) {
    const uses = useCounts(calls);
    const gone = new Set<Call>();
    // Forward: batchNorm(x, .., y, ..) whose y only the activation reads.
    const fused = new Map<TypedArray, Call>(); // activation output -> fused call
    let out = calls.map((call, i) => {
      if (call.kernel !== 'batchNorm') return call;
      const y = call.args[3];
      if (!onlyOneReader(y, uses, kept)) return call;
      const relu = calls.find((c, k) => k > i && activationOf(c, y) !== undefined);
      if (!relu) return call;
      const activation = relu.args[0] as ConvActivation;
      gone.add(relu);
      const [x, gamma, beta, , mean, variance, rows, channels, epsilon] = call.args;
      const r = relu.args[2] as TypedArray;
      const f: Call = { kernel: 'batchNormActivation', args: [x, gamma, beta, r, mean, variance, rows, channels, epsilon, activation] };
      fused.set(r, f);
      return f;
    });
    // Backward: mask(r, s), mul(dr, s, g) (either order), batchNormGrad(x, g, ..) of the same
    // normalization; mask is step for relu, relu6Step for relu6.
    const maskOf = (r: TypedArray): unknown => EPILOGUE_MASK[fused.get(r)!.args[9] as ConvActivation];
    const isMask = (c: Call): boolean => c.kernel === 'unary' && fused.has(c.args[1] as TypedArray) && c.args[0] === maskOf(c.args[1] as TypedArray);
    const steps = new Map<TypedArray, TypedArray>(); // s -> r
    for (const c of out) if (isMask(c)) steps.set(c.args[2] as TypedArray, c.args[1] as TypedArray);
    const grads = new Map<TypedArray, Call>();
    for (const c of out) if (c.kernel === 'batchNormGrad') grads.set(c.args[1] as TypedArray, c);
    const replace = new Map<Call, Call>();
    for (const mul of out) {
      if (mul.kernel !== 'binary' || mul.args[0] !== 'mul') continue;
      const [, a, , b, , g] = mul.args as [string, TypedArray, unknown, TypedArray, unknown, TypedArray];
      const s = steps.has(b) ? b : steps.has(a) ? a : undefined;
      if (!s || !onlyOneReader(s, uses, kept) || !onlyOneReader(g, uses, kept)) continue;
      const dr = s === b ? a : b, r = steps.get(s)!;
      const grad = grads.get(g), forward = fused.get(r)!;
      if (!grad || dr.length !== g.length || s.length !== g.length || grad.args[0] !== forward.args[0] || grad.args[2] !== forward.args[4]) continue;
      const [x, , mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon] = grad.args;
      replace.set(grad, { kernel: 'batchNormActivationGrad', args: [x, dr, r, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon, forward.args[9]] });
      gone.add(mul);
      for (const c of out) if (isMask(c) && c.args[2] === s) gone.add(c);
    }
    out = out.filter((c) => !gone.has(c)).map((c) => replace.get(c) ?? c);
    return out;
  },
};
