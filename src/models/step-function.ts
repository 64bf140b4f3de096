// The function each kind of step runs, and a plan compiles, on [...xs, ...ys, ...sample weights
// present]: train -> [losses..., predictions..., gradients...], evaluate -> [losses...,
// predictions...], predict -> predictions.
import type { Tensor } from '../core/tensor.ts';
import { noGrad } from '../core/engine.ts';
import { valueAndGrads } from '../ops/autograd.ts';
import { add } from '../ops/elementwise.ts';
import type { StepLayout } from '../training/step-layout.ts';
import { headLosses } from './heads.ts';
import type { Model, StepKind } from './model.ts';

const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Sample weights back in their heads' places from the step's inputs (only the present ones travel). */
function unpackWeights(present: Tensor[], weighted: boolean[]): (Tensor | undefined)[] {
  let k = 0;
  return weighted.map((w) => (w ? present[k++] : undefined));
}

export function stepFunction(model: Model, kind: StepKind, { nIn, nOut, weighted }: StepLayout): (batch: Tensor[]) => Tensor[] {
  const forward = (batch: Tensor[], training: boolean): Tensor[] =>
    asList(model.apply((nIn === 1 ? batch[0] : batch.slice(0, nIn)) as never, { training }) as Tensor | Tensor[]);
  if (kind === 'predict') return (batch) => noGrad(() => forward(batch, false));
  const { heads } = model.compiled(kind === 'train' ? 'train' : 'evaluate');
  // The heads' losses, and in the total the regularization penalties (Keras's model.losses).
  const losses = (batch: Tensor[], yPreds: Tensor[]): Tensor[] => {
    const parts = headLosses(heads, batch.slice(nIn, nIn + nOut), yPreds, unpackWeights(batch.slice(nIn + nOut), weighted));
    const extra = model.regularizationLoss();
    return extra ? [add(parts[0], extra), ...parts.slice(1)] : parts;
  };
  if (kind === 'evaluate') return (batch) => noGrad(() => { const yPreds = forward(batch, false); return [...losses(batch, yPreds), ...yPreds]; });
  const vars = model.trainableWeights;
  return (batch) => {
    let yPreds!: Tensor[], parts!: Tensor[];
    const { grads } = valueAndGrads(() => {
      yPreds = forward(batch, true);
      parts = losses(batch, yPreds);
      return parts[0];
    }, vars);
    return [...parts, ...yPreds, ...grads];
  };
}
