// Plan rewrites for batch normalization in training: batchNorm -> relu (or relu6) becomes one
// batchNormActivation call (y = relu(bn(x)) written once), and the activation's gradient in
// front of batchNormGrad (reluGrad(dy, r), batchNormGrad; relu6Grad for relu6) becomes one
// batchNormActivationGrad call that masks dy as it reads it: two passes over the tensor
// instead of four.
import type { TypedArray } from '../core/dtype.ts';
import type { ConvActivation } from '../backends/backend.ts';
import { activationGradOf, activationOf, isArray, onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';

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
    // Backward: activationGrad(dr, r) -> g, batchNormGrad(x, g, ..) of the same normalization.
    const grads = new Map<TypedArray, Call>();
    for (const c of out) if (c.kernel === 'batchNormGrad') grads.set(c.args[1] as TypedArray, c);
    const replace = new Map<Call, Call>();
    for (const c of out) {
      const r = c.args[3], forward = isArray(r) ? fused.get(r) : undefined;
      if (!isArray(r)) continue;
      if (!forward || !activationGradOf(c, forward.args[9] as ConvActivation, r)) continue;
      const [, dr, , , , g] = c.args as [string, TypedArray, unknown, TypedArray, unknown, TypedArray];
      const grad = grads.get(g);
      if (!grad || !onlyOneReader(g, uses, kept) || dr.length !== g.length || r.length !== g.length || grad.args[0] !== forward.args[0] || grad.args[2] !== forward.args[4]) continue;
      const [x, , mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon] = grad.args;
      replace.set(grad, { kernel: 'batchNormActivationGrad', args: [x, dr, r, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon, forward.args[9]] });
      gone.add(c);
    }
    out = out.filter((c) => !gone.has(c)).map((c) => replace.get(c) ?? c);
    return out;
  },
};
