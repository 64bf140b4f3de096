// fit's sampleWeight and classWeight, as Keras defines them: one weight per sample that
// multiplies its loss (and its metric values); a class weight is the sample weight of every
// sample of that class. Checked once per fit, then read per batch like x and y.
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { ShapeSpec } from '../layers/layer.ts';

export type ClassWeight = Record<number | string, number>;

/** Per-sample weights [n] (float32) from sampleWeight and/or classWeight, or undefined for none. */
export function sampleWeights(
  what: string, y: Tensor, outputShape: ShapeSpec, sampleWeight: Tensor | undefined, classWeight: ClassWeight | undefined, outputName: string,
): Tensor | undefined {
  const n = y.shape[0];
  if (sampleWeight !== undefined && classWeight !== undefined) {
    throw new Error(`${what}: give sampleWeight or classWeight, not both (Keras refuses the pair too); fold the class weights into sampleWeight instead`);
  }
  if (sampleWeight !== undefined) {
    if (!(sampleWeight instanceof Tensor)) throw new Error(`${what}: sampleWeight must be a Tensor of shape [${n}], got ${typeof sampleWeight}`);
    if (sampleWeight.size !== n || sampleWeight.rank === 0 || sampleWeight.shape[0] !== n) {
      throw new Error(`${what}: sampleWeight has shape ${formatShape(sampleWeight.shape)}, expected one weight per sample: shape [${n}] (y has ${n} samples)`);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(sampleWeight.data[i])) throw new Error(`${what}: sampleWeight[${i}] is ${sampleWeight.data[i]}; weights must be finite numbers`);
    }
    return new Tensor(Float32Array.from(sampleWeight.data), [n]);
  }
  if (classWeight === undefined) return undefined;
  const units = outputShape[outputShape.length - 1];
  const classes = units === 1 ? 2 : units; // one sigmoid unit: classes 0 and 1
  const table = new Map<number, number>();
  for (const [key, w] of Object.entries(classWeight)) {
    const c = Number(key);
    if (!Number.isInteger(c) || c < 0 || (classes !== null && c >= classes)) {
      throw new Error(`${what}: classWeight has class ${key}, but the model's output (layer "${outputName}", ${units} unit${units === 1 ? '' : 's'}) has classes 0..${(classes ?? 1) - 1}`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new Error(`${what}: classWeight[${key}] must be a finite number, got ${w}`);
    table.set(c, w);
  }
  // Keras's class of a sample: the argmax of a one-hot row, else the rounded label.
  const cols = y.rank >= 2 ? y.shape[y.rank - 1] : 1, per = y.size / n;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let c: number;
    if (cols > 1 && per === cols) {
      c = 0;
      for (let j = 1; j < cols; j++) if (y.data[i * cols + j] > y.data[i * cols + c]) c = j;
    } else c = Math.round(y.data[i * per]);
    out[i] = table.get(c) ?? 1;
  }
  return new Tensor(out, [n]);
}
