// Plan rewrites for batch normalization in training: batchNorm -> relu (or relu6) becomes one
// batchNormActivation call (y = relu(bn(x)) written once), and the activation's gradient in
// front of batchNormGrad (reluGrad(dy, r), batchNormGrad; relu6Grad for relu6) becomes one
// batchNormActivationGrad call that masks dy as it reads it: two passes over the tensor
// instead of four (the forward also records its coefficients, so that a backend can rebuild the
// mask from x and not read the activation's output again). A residual block's tail, batchNorm -> add -> relu, becomes one
// batchNormResidualActivation call (its gradient is unchanged: the add passes the masked
// gradient to both branches, so it is stored once either way).
import type { TypedArray } from '../core/dtype.ts';
import { KERNEL_OUTPUTS, type ConvActivation } from '../backends/backend.ts';
import { activationGradOf, activationOf, isArray, newBuffer, onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';

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
      // The forward's record for the fused gradient (3C + 1 floats; see Backend.batchNormActivation).
      const coefficients = newBuffer(r, 3 * (channels as number) + 1);
      const f: Call = { kernel: 'batchNormActivation', args: [x, gamma, beta, r, mean, variance, rows, channels, epsilon, activation, coefficients] };
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
      replace.set(grad, { kernel: 'batchNormActivationGrad', args: [x, dr, r, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon, forward.args[9], forward.args[10]] });
      gone.add(c);
    }
    out = out.filter((c) => !gone.has(c)).map((c) => replace.get(c) ?? c);
    return out;
  },
};

/**
 * batchNorm(x) -> y, add(y, s) -> z, act(z) -> r, y and z read by nothing else: one
 * batchNormResidualActivation(x, .., s, r, ..) where the batchNorm was (its statistics' readers
 * follow it), so s must already be written there and not written again before the add.
 */
export const bnResidualActivation: Fusion = {
  name: 'batchNorm + add + relu / relu6 (a residual block\'s tail)',
  rewrite(calls, kept) {
    const uses = useCounts(calls);
    const writers = new Map<TypedArray, number[]>(); // buffer -> the calls that write it, in order
    calls.forEach((c, i) => { for (const j of KERNEL_OUTPUTS[c.kernel]) if (isArray(c.args[j])) writers.set(c.args[j] as TypedArray, [...(writers.get(c.args[j] as TypedArray) ?? []), i]); });
    const gone = new Set<number>(), replaced = new Map<number, Call>();
    calls.forEach((add, i) => {
      if (add.kernel !== 'binary' || add.args[0] !== 'add') return;
      const [, a, , b, , z] = add.args;
      if (!isArray(a) || !isArray(b) || !onlyOneReader(z, uses, kept)) return;
      const k = calls.findIndex((c, n) => n > i && activationOf(c, z) !== undefined);
      if (k < 0) return;
      for (const [y, s] of [[a, b], [b, a]]) {
        const [j] = writers.get(y) ?? [];
        const bn = calls[j];
        if (bn?.kernel !== 'batchNorm' || replaced.has(j) || !onlyOneReader(y, uses, kept) || y.length !== z.length || s.length !== z.length) continue;
        // s is ready at j (an input of the step, or written before j) and unchanged until the add.
        if ((writers.get(s) ?? []).some((w) => w > j && w < i)) continue;
        const [x, gamma, beta, , mean, variance, rows, channels, epsilon] = bn.args;
        const act = calls[k];
        replaced.set(j, { kernel: 'batchNormResidualActivation', args: [x, gamma, beta, s, act.args[2], mean, variance, rows, channels, epsilon, act.args[0]] });
        gone.add(i).add(k);
        break;
      }
    });
    return calls.flatMap((c, i) => (gone.has(i) ? [] : [replaced.get(i) ?? c]));
  },
};
