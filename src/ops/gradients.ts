// Every differentiable op's gradient rule in one table. Its type is a mapped type over
// OpName: an op added to OpAttrs without a rule here is a compile error.
import type { GradTable, OpName } from './registry.ts';
import { elementwiseGrads } from './elementwise.ts';
import { reduceGrads } from './reduce.ts';
import { layoutGrads } from './layout.ts';
import { convGrads } from './conv.ts';
import { convVariantGrads } from './conv-variants.ts';
import { nnGrads } from './nn.ts';
import { normGrads } from './norm.ts';
import { concatGrads } from './concat.ts';
import { spatialGrads } from './spatial.ts';
import { imageTransformGrads } from './image-transform.ts';
import { activationGrads } from './activations.ts';
import { mathGrads } from './math.ts';
import { indexingGrads } from './indexing.ts';
import { cumulativeGrads } from './cumulative.ts';
import { customGradGrads } from './custom-grad.ts';
import { scatterGrads } from './scatter.ts';

export const gradRules: GradTable<OpName> = {
  ...elementwiseGrads,
  ...reduceGrads,
  ...layoutGrads,
  ...convGrads,
  ...convVariantGrads,
  ...nnGrads,
  ...normGrads,
  ...concatGrads,
  ...spatialGrads,
  ...imageTransformGrads,
  ...activationGrads,
  ...mathGrads,
  ...indexingGrads,
  ...cumulativeGrads,
  ...customGradGrads,
  ...scatterGrads,
};
