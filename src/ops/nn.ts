// Matrix product, softmax and the fused softmax cross-entropy.
import { backend, record } from '../core/engine.ts';
import { upcast, isFloat, type DType } from '../core/dtype.ts';
import { broadcastShapes, formatShape, normalizeAxis, shapesEqual } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { GradTable } from './registry.ts';
import { make } from './util.ts';
import { add, mul, sub, exp } from './elementwise.ts';
import { broadcastTo, sum } from './reduce.ts';
import { cast, reshape, transpose } from './layout.ts';

export interface MatMulOptions { transposeA?: boolean; transposeB?: boolean }

/** a @ b for matrices, or for stacks of them with equal leading dimensions; also TF.js's matMul(a, b, transposeA, transposeB). */
export function matMul(a: Tensor, b: Tensor, options?: MatMulOptions): Tensor;
export function matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
export function matMul(a: Tensor, b: Tensor, options: MatMulOptions | boolean = {}, positionalB?: boolean): Tensor {
  // TF.js passes the flags positionally; destructuring a boolean would silently give false, false.
  const { transposeA = false, transposeB = false } = typeof options === 'boolean' || (options === undefined && positionalB !== undefined)
    ? { transposeA: options ?? false, transposeB: positionalB ?? false } : options ?? {};
  for (const [name, v] of [['transposeA', transposeA], ['transposeB', transposeB]] as const) {
    if (typeof v !== 'boolean') throw new Error(`matMul: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  }
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matMul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not matrices (or stacks of them), ranks ${a.rank} and ${b.rank}`);
  }
  const ra = a.rank, rb = b.rank;
  const [m, ka] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (ka !== kb) {
    throw new Error(`matMul: inner dimensions differ: ${formatShape(a.shape)}${transposeA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${ka} vs ${kb})`);
  }
  const la = a.shape.slice(0, -2), lb = b.shape.slice(0, -2);
  if (!shapesEqual(la, lb) && rb === 2 && !transposeA && m > 0) {
    // A stack times one matrix: one [batch * m, k] @ [k, n] product, no copies of b.
    return reshape(matMul(reshape(a, [-1, ka]), b, { transposeB }), [...la, m, n]);
  }
  if (!shapesEqual(la, lb)) {
    // The batch dimensions broadcast (TF.js's, NumPy's and Keras's matmul): both operands are
    // broadcast to them first (broadcastTo's gradient sums back), decided by the shapes alone.
    const lead = broadcastShapes(la, lb, `matMul: the batch dimensions of ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    return matMul(broadcastTo(a, [...lead, ...a.shape.slice(-2)]), broadcastTo(b, [...lead, ...b.shape.slice(-2)]), { transposeA, transposeB });
  }
  const lead = a.shape.slice(0, -2);
  const batch = lead.reduce((x, y) => x * y, 1);
  // Integer operands give int32, as TF.js's and NumPy's (the reference kernel sums them in float64).
  const dtype = isFloat(upcast(a.dtype, b.dtype)) ? upcast(a.dtype, b.dtype) : 'int32';
  const y = make(dtype, [...lead, m, n], (out) => backend().matMul(a.data, b.data, out, batch, m, ka, n, transposeA, transposeB));
  if (isFloat(dtype)) record('matMul', [a, b], y, { transposeA, transposeB });
  return y;
}

/** Applies a last-axis row kernel along any axis by moving that axis last and back. */
function alongAxis(x: Tensor, axis: number, f: (t: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank, 'softmax: axis');
  if (a === x.rank - 1) return f(x);
  const perm = x.shape.map((_, i) => i);
  [perm[a], perm[x.rank - 1]] = [perm[x.rank - 1], perm[a]];
  return transpose(f(transpose(x, perm)), perm);
}

function rowOp(op: 'softmax' | 'logSoftmax', x: Tensor): Tensor {
  if (x.rank === 0) throw new Error(`${op}: needs at least one axis`);
  const cols = x.shape[x.rank - 1];
  const y = make(isFloat(x.dtype) ? x.dtype : 'float32', x.shape, (out) => backend()[op](x.data, out, x.size / cols, cols));
  record(op, [x], y, {});
  return y;
}

const softmaxInputs = new WeakMap<Tensor, Tensor>();

export function softmax(x: Tensor, axis = -1): Tensor {
  const y = alongAxis(x, axis, (t) => rowOp('softmax', t));
  if (x.rank === 2 && normalizeAxis(axis, 2) === 1) softmaxInputs.set(y, x);
  return y;
}

/** The logits a [batch, classes] softmax output was computed from, if it came from softmax(). */
export const softmaxInputOf = (y: Tensor): Tensor | undefined => softmaxInputs.get(y);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => alongAxis(x, axis, (t) => rowOp('logSoftmax', t));

/**
 * Per-sample -log softmax(logits)[label] for logits [n, classes] and integer labels [n],
 * computed in one stable pass; its gradient is softmax - onehot.
 */
export function sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.rank !== 2) throw new Error(`sparseSoftmaxCrossEntropy: logits must be [batch, classes], got ${formatShape(logits.shape)}`);
  const [rows, cols] = logits.shape;
  if (labels.size !== rows) throw new Error(`sparseSoftmaxCrossEntropy: ${labels.size} labels for ${rows} rows of logits`);
  const dtype = logits.dtype === 'float64' ? 'float64' : 'float32';
  const probs = make(dtype, logits.shape, () => {});
  const loss = make(dtype, [rows], (out) => backend().sparseSoftmaxCrossEntropy(logits.data, labels.data, out, probs.data, rows, cols));
  record('sparseSoftmaxCrossEntropy', [logits, labels], loss, {}, [probs]);
  return loss;
}

/** TF.js's tf.oneHot: one-hot rows for integer labels (not differentiable), int32 unless dtype says otherwise. */
export function oneHot(indices: Tensor, depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor {
  for (const c of indices.data) {
    if (!Number.isInteger(c) || c < 0 || c >= depth) throw new Error(`oneHot: index ${c} is outside [0, ${depth})`);
  }
  for (const [name, v] of [['onValue', onValue], ['offValue', offValue]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`oneHot: ${name} must be a number, got ${JSON.stringify(v)}`);
  }
  const rows = make('float32', [...indices.shape, depth], (out) => backend().oneHot(indices.data, out, depth));
  const valued = onValue === 1 && offValue === 0 ? rows : add(mul(rows, onValue - offValue), offValue);
  return dtype === 'float32' ? valued : cast(valued, dtype);
}

export const nnGrads: GradTable<'matMul' | 'softmax' | 'logSoftmax' | 'sparseSoftmaxCrossEntropy'> = {
  matMul: (dy, { inputs: [a, b], attrs: { transposeA: tA, transposeB: tB } }) => {
    const mm = (x: Tensor, y: Tensor, transposeA: boolean, transposeB: boolean): Tensor => matMul(x, y, { transposeA, transposeB });
    if (!tA && !tB) return [mm(dy, b, false, true), mm(a, dy, true, false)];
    if (!tA && tB) return [mm(dy, b, false, false), mm(dy, a, true, false)];
    if (tA && !tB) return [mm(b, dy, false, true), mm(a, dy, false, false)];
    return [mm(b, dy, true, true), mm(dy, a, true, true)];
  },
  softmax: (dy, { output: y }) => [mul(y, sub(dy, sum(mul(dy, y), -1, true)))],
  logSoftmax: (dy, { output: y }) => [sub(dy, mul(exp(y), sum(dy, -1, true)))],
  sparseSoftmaxCrossEntropy: (dy, { inputs: [logits, labels], saved: [probs] }) => {
    const [rows, cols] = logits.shape;
    const d = make(dy.dtype, logits.shape, (out) => backend().sparseSoftmaxCrossEntropyGrad(probs.data, labels.data, dy.data, out, rows, cols));
    return [reshape(d, logits.shape), null];
  },
};
