// Reverse-mode differentiation: run f with a tape, then walk the tape backwards applying
// each op's gradient rule (micrograd's idea, over tensors).
import { Tape, noGrad, withTape } from '../core/engine.ts';
import { formatShape, shapesEqual } from '../core/shape.ts';
import { isFloat } from '../core/dtype.ts';
import { Tensor, liveVariables, ones, zeros, type Variable } from '../core/tensor.ts';
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

/** TF.js's tf.grads(f): the function (args, dy?) => the gradients of f(...args) with respect to each arg. */
export function grads(f: (...args: Tensor[]) => Tensor): (args: Tensor[], dy?: Tensor) => Tensor[] {
  if (typeof f !== 'function') throw new Error(`grads: f must be a function of tensors, got ${typeof f}`);
  return (args, dy) => {
    if (!Array.isArray(args) || args.some((a) => !(a instanceof Tensor))) throw new Error('grads: call the returned function with a list of tensors, as f\'s arguments');
    return valueAndGrads(() => f(...args), args, dy).grads;
  };
}

/**
 * TF.js's tf.variableGrads(f, varList): f's value (a scalar) and its gradient with respect to
 * each trainable variable, by name; varList defaults to every live trainable variable().
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = varList ?? liveVariables().filter((v) => v.trainable);
  if (vars.length === 0) throw new Error('variableGrads: no trainable variables (make them with variable(), or pass varList)');
  const { value, grads: gs } = valueAndGrads(f, vars);
  if (value.rank !== 0) throw new Error(`variableGrads: f must return a scalar, got shape ${formatShape(value.shape)}`);
  return { value, grads: Object.fromEntries(vars.map((v, i) => [v.name, gs[i]])) };
}
