// Shape arithmetic shared by ops, layers and kernels.
export type Shape = readonly number[];

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export const shapesEqual = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export const formatShape = (s: readonly (number | null)[]): string =>
  `[${s.map((d) => (d === null ? 'null' : d)).join(', ')}]`;

/** Resolves a possibly negative axis; throws if it is outside the rank. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    const valid = rank === 0 ? 'a scalar has no axes' : `valid axes are ${-rank} to ${rank - 1}`;
    throw new Error(`${what} ${axis} is out of range for a tensor of rank ${rank} (${valid})`);
  }
  return a;
}

/** NumPy broadcasting: align from the right; a dimension of 1 stretches. */
export function broadcastShapes(a: Shape, b: Shape, op = 'op'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides for reading `shape` as if it were broadcast to `outShape` (0 on stretched axes). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : strides[j];
  });
}

/** Axes of `outShape` along which `shape` was stretched: what a gradient must be summed over. */
export function broadcastedAxes(shape: Shape, outShape: Shape): number[] {
  const offset = outShape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    const j = i - offset;
    if (j < 0 || (shape[j] === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}

/** Fills in one -1 in a reshape target, checking the element count. */
export function inferShape(target: Shape, size: number, what = 'reshape'): number[] {
  const minus = target.filter((d) => d === -1).length;
  if (minus > 1) throw new Error(`${what}: only one dimension may be -1, got ${formatShape(target)}`);
  if (target.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new Error(`${what}: invalid target shape ${formatShape(target)}`);
  }
  const known = target.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const out = target.map((d) => (d === -1 ? size / known : d));
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d))) {
    throw new Error(`${what}: cannot reshape ${size} elements into shape ${formatShape(target)}`);
  }
  return out;
}
