// Helpers shared by the op modules.
import { alloc } from '../core/engine.ts';
import { floatOf, isFloat, type DType, type TypedArray } from '../core/dtype.ts';
import { sizeOf, type Shape } from '../core/shape.ts';
import { Tensor, type TensorLike } from '../core/tensor.ts';

/** Allocates an output tensor and lets a kernel fill it. */
export function make(dtype: DType, shape: Shape, fill: (out: TypedArray) => void): Tensor {
  const out = alloc(dtype, sizeOf(shape));
  fill(out);
  return new Tensor(out, shape);
}

/**
 * Runs a kernel that sums over its inputs, unless one of them is empty (a batch of 0 images, 0
 * filters): then the sum is over nothing and the output is zeros, as in TF.js. The kernels split
 * their work by these sizes, so they must not see zeros.
 */
export function sumOrZeros(out: TypedArray, inputs: TypedArray[], kernel: () => void): void {
  if (out.length > 0 && inputs.every((a) => a.length > 0)) kernel();
  else out.fill(0);
}

/** Turns a number operand into a scalar of a dtype that suits the other operand. */
export function asTensor(x: TensorLike, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new Error(`expected a Tensor or a number, got ${typeof x}`);
  const dtype: DType = isFloat(like.dtype) ? like.dtype : Number.isInteger(x) ? 'int32' : 'float32';
  const data = alloc(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

export const floatDType = (t: Tensor): DType => floatOf(t.dtype);
