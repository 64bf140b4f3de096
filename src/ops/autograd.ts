// Reverse-mode differentiation: run f with a tape, then walk the tape backwards applying
// each op's gradient rule (micrograd's idea, over tensors).
import { Tape, noGrad, withTape } from '../core/engine.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import { isFloat } from '../core/dtype.ts';
import { Tensor, ones, zeros } from '../core/tensor.ts';
import { gradRules } from './gradients.ts';
import { add } from './elementwise.ts';
import type { GradRule, OpName } from './registry.ts';

function backward(tape: Tape, y: Tensor, dy: Tensor, targets: readonly Tensor[]): Tensor[] {
  const grads = new Map<Tensor, Tensor>([[y, dy]]);
  noGrad(() => {
    for (let i = tape.entries.length - 1; i >= 0; i--) {
      const entry = tape.entries[i];
      const g = grads.get(entry.output);
      if (!g) continue;
      const rule = gradRules[entry.op] as GradRule<OpName>;
      const inputGrads = rule(g, entry, entry.inputs.map((x) => tape.tracked.has(x)));
      entry.inputs.forEach((x, j) => {
        const gx = inputGrads[j];
        if (!gx || !tape.tracked.has(x)) return;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new Error(`internal: gradient of ${entry.op} input ${j} has shape ${formatShape(gx.shape)}, expected ${formatShape(x.shape)}`);
        }
        const prev = grads.get(x);
        grads.set(x, prev ? add(prev, gx) : gx);
      });
    }
  });
  // A target the output does not depend on gets a zero gradient (as tf.grads gives).
  return targets.map((t) => grads.get(t) ?? zeros(t.shape, isFloat(t.dtype) ? t.dtype : 'float32'));
}

/**
 * Runs f, recording ops on the given tensors (usually a model's Variables), and returns f's
 * value with the gradient of its sum with respect to each of them.
 *
 *   const { value, grads } = valueAndGrads(() => loss(model.apply(x)), model.trainableWeights);
 */
export function valueAndGrads(f: () => Tensor, xs: readonly Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  for (const x of xs) {
    if (!isFloat(x.dtype)) throw new Error(`valueAndGrads: cannot differentiate with respect to a ${x.dtype} tensor`);
  }
  const tape = new Tape();
  xs.forEach((x) => tape.watch(x));
  const value = withTape(tape, f);
  if (!(value instanceof Tensor)) throw new Error('valueAndGrads: f must return a Tensor');
  if (dy && !shapesEqual(dy.shape, value.shape)) {
    throw new Error(`valueAndGrads: dy has shape ${formatShape(dy.shape)} but f returned ${formatShape(value.shape)}`);
  }
  return { value, grads: backward(tape, value, dy ?? ones(value.shape, value.dtype), xs) };
}

/** grad(f) is the function x => d(sum f(x))/dx. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) => valueAndGrads(() => f(x), [x]).grads[0];
}

/** valueAndGrad(f) is the function x => {value: f(x), grad: d(sum f(x))/dx}. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor) => { value: Tensor; grad: Tensor } {
  return (x) => {
    const { value, grads } = valueAndGrads(() => f(x), [x]);
    return { value, grad: grads[0] };
  };
}
