// concat: tensors joined along one axis. The kernel copies each input into its columns of the
// output (one call per input, so a compiled plan records plain buffers); the gradient of each
// input is the slice of the output gradient it was copied to.
import { backend, record } from '../core/engine.ts';
import { upcast, type DType } from '../core/dtype.ts';
import { formatShape, normalizeAxis, sizeOf } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { slice } from './layout.ts';
import { cast } from './layout.ts';

/** The shape of xs joined along `axis`; every other axis must agree (Keras's message). */
export function concatShape(shapes: readonly (readonly number[])[], axis: number, what = 'concat'): number[] {
  if (shapes.length === 0) throw new Error(`${what}: needs at least one tensor`);
  const rank = shapes[0].length;
  const a = normalizeAxis(axis, rank, `${what}: axis`);
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0][i])) {
      throw new Error(`${what}: a concatenation along axis ${axis} requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${shapes.map((x) => formatShape(x)).join(', ')}`);
    }
  }
  return shapes[0].map((d, i) => (i === a ? shapes.reduce((n, s) => n + s[a], 0) : d));
}

export function concat(xs: Tensor[], axis = -1): Tensor {
  if (!Array.isArray(xs) || xs.some((x) => !(x instanceof Tensor))) throw new Error('concat: expected a list of Tensors');
  const shape = concatShape(xs.map((x) => x.shape), axis);
  const a = normalizeAxis(axis, shape.length);
  const dtype: DType = xs.map((x) => x.dtype).reduce(upcast);
  const inputs = xs.map((x) => cast(x, dtype));
  if (inputs.length === 1) return inputs[0];
  const outer = sizeOf(shape.slice(0, a)), inner = sizeOf(shape.slice(a + 1)), outInner = shape[a] * inner;
  const y = make(dtype, shape, (out) => {
    let offset = 0;
    for (const x of inputs) {
      backend().concatInto(x.data, out, outer, x.shape[a] * inner, outInner, offset);
      offset += x.shape[a] * inner;
    }
  });
  record('concat', inputs, y, { axis: a });
  return y;
}

export const concatGrads: GradTable<'concat'> = {
  concat: (dy, { inputs, attrs: { axis } }, needs) => {
    let at = 0;
    return inputs.map((x, i) => {
      const begin = dy.shape.map((_, d) => (d === axis ? at : 0));
      at += x.shape[axis];
      return needs[i] ? slice(dy, begin, x.shape) : null;
    });
  },
};
