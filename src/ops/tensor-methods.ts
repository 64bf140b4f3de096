// The op methods of Tensor (x.add(y), x.reshape([...]), x.sum()): declared in core/tensor.ts,
// installed here, so that core never imports the ops built on top of it.
import { Tensor, type TensorLike } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';
import type { Shape } from '../core/shape.ts';
import type { IndexSpec } from './layout.ts';
import * as elementwise from './elementwise.ts';
import * as reduce from './reduce.ts';
import * as layout from './layout.ts';
import * as nn from './nn.ts';

const ops = { ...elementwise, ...reduce, ...layout, ...nn };

type Axis = number | number[];
/** The op methods Tensor declares (everything that returns a Tensor, except the plain class methods). */
type OpMethod = Exclude<{ [K in keyof Tensor]: Tensor[K] extends (...args: never[]) => Tensor ? K : never }[keyof Tensor], 'clone'>;

// Typed against the declarations: a method declared on Tensor without a forward here is a compile error.
const methods: { [K in OpMethod]: (this: Tensor, ...args: Parameters<Tensor[K]>) => Tensor } = {
  reshape(this: Tensor, shape: Shape): Tensor { return ops.reshape(this, shape); },
  flatten(this: Tensor): Tensor { return ops.reshape(this, [-1]); },
  expandDims(this: Tensor, axis = 0): Tensor { return ops.expandDims(this, axis); },
  squeeze(this: Tensor, axis?: Axis): Tensor { return ops.squeeze(this, axis); },
  transpose(this: Tensor, perm?: number[]): Tensor { return ops.transpose(this, perm); },
  index(this: Tensor, ...spec: IndexSpec[]): Tensor { return ops.index(this, ...spec); },
  cast(this: Tensor, dtype: DType): Tensor { return ops.cast(this, dtype); },
  add(this: Tensor, b: TensorLike): Tensor { return ops.add(this, b); },
  sub(this: Tensor, b: TensorLike): Tensor { return ops.sub(this, b); },
  mul(this: Tensor, b: TensorLike): Tensor { return ops.mul(this, b); },
  div(this: Tensor, b: TensorLike): Tensor { return ops.div(this, b); },
  pow(this: Tensor, b: TensorLike): Tensor { return ops.pow(this, b); },
  maximum(this: Tensor, b: TensorLike): Tensor { return ops.maximum(this, b); },
  minimum(this: Tensor, b: TensorLike): Tensor { return ops.minimum(this, b); },
  equal(this: Tensor, b: TensorLike): Tensor { return ops.equal(this, b); },
  greater(this: Tensor, b: TensorLike): Tensor { return ops.greater(this, b); },
  less(this: Tensor, b: TensorLike): Tensor { return ops.less(this, b); },
  neg(this: Tensor): Tensor { return ops.neg(this); },
  abs(this: Tensor): Tensor { return ops.abs(this); },
  exp(this: Tensor): Tensor { return ops.exp(this); },
  log(this: Tensor): Tensor { return ops.log(this); },
  sqrt(this: Tensor): Tensor { return ops.sqrt(this); },
  square(this: Tensor): Tensor { return ops.square(this); },
  relu(this: Tensor): Tensor { return ops.relu(this); },
  sigmoid(this: Tensor): Tensor { return ops.sigmoid(this); },
  tanh(this: Tensor): Tensor { return ops.tanh(this); },
  clip(this: Tensor, min: number, max: number): Tensor { return ops.clip(this, min, max); },
  matMul(this: Tensor, b: Tensor): Tensor { return ops.matMul(this, b); },
  sum(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.sum(this, axis, keepDims); },
  mean(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.mean(this, axis, keepDims); },
  max(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.max(this, axis, keepDims); },
  min(this: Tensor, axis?: Axis, keepDims = false): Tensor { return ops.min(this, axis, keepDims); },
  argMax(this: Tensor, axis = -1): Tensor { return ops.argMax(this, axis); },
  softmax(this: Tensor, axis = -1): Tensor { return ops.softmax(this, axis); },  logSoftmax(this: Tensor, axis = -1): Tensor { return ops.logSoftmax(this, axis); },
};

Object.assign(Tensor.prototype, methods);
