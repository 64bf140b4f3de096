// fit's sampleWeight and classWeight, as Keras defines them: one weight per sample that
// multiplies its loss (and its metric values); a class weight is the sample weight of every
// sample of that class. Checked once per fit, then read per batch like x and y.
import { formatShape } from '../core/shape.ts';
import { Tensor } from '../core/tensor.ts';
import type { ShapeSpec } from '../layers/layer.ts';

export type ClassWeight = Record<number | string, number>;

/** Weights [n] (or [n, t] for a sequence output; float32) from sampleWeight or classWeight, or undefined for none. */
export function sampleWeights(
  what: string, y: Tensor, outputShape: ShapeSpec, sampleWeight: Tensor | undefined, classWeight: ClassWeight | undefined, outputName: string,
): Tensor | undefined {
  const n = y.shape[0];
  if (sampleWeight !== undefined && classWeight !== undefined) {
    throw new Error(`${what}: give sampleWeight or classWeight, not both (Keras refuses the pair too); fold the class weights into sampleWeight instead`);
  }
  // Weighted entries: the samples, and the timesteps (positions) of a sequence output, as Keras
  // broadcasts sample weights [n, t] over the losses of outputs [n, t, units].
  const lead = Math.max(outputShape.length - 1, 1);
  if (sampleWeight !== undefined) {
    if (!(sampleWeight instanceof Tensor)) throw new Error(`${what}: sampleWeight must be a Tensor of shape [${n}], got ${typeof sampleWeight}`);
    const perSample = sampleWeight.size === n && sampleWeight.rank > 0 && sampleWeight.shape[0] === n;
    const perStep = sampleWeight.rank >= 2 && sampleWeight.rank <= lead && sampleWeight.shape.every((d, i) => d === y.shape[i]);
    if (!perSample && !perStep) {
      const steps = lead > 1 ? `, or per position of the sequence output: shape ${formatShape(y.shape.slice(0, lead))}` : '';
      throw new Error(`${what}: sampleWeight has shape ${formatShape(sampleWeight.shape)}, expected one weight per sample: shape [${n}] (y has ${n} samples)${steps}`);
    }
    for (let i = 0; i < sampleWeight.size; i++) {
      if (!Number.isFinite(sampleWeight.data[i])) throw new Error(`${what}: sampleWeight[${i}] is ${sampleWeight.data[i]}; weights must be finite numbers`);
    }
    return new Tensor(Float32Array.from(sampleWeight.data), perSample ? [n] : sampleWeight.shape.slice());
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
  // Keras's class of an entry: the argmax of a one-hot row, else the rounded label; one weight
  // per sample, or per position of a sequence output (as Keras's tf.data path weighs them).
  const shape = y.shape.slice(0, Math.min(lead, y.rank));
  if (shape.length === 0) shape.push(n);
  const count = shape.reduce((a, b) => a * b, 1), per = y.size / count;
  if (per > 1 && per !== y.shape[y.rank - 1]) {
    throw new Error(`${what}: classWeight needs one label or one-hot row per ${lead > 1 ? 'position' : 'sample'} (y of shape ${formatShape(shape)} or ${formatShape([...shape, units ?? null])}), got y of shape ${formatShape(y.shape)}`);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let c = 0;
    if (per > 1) {
      for (let j = 1; j < per; j++) if (y.data[i * per + j] > y.data[i * per + c]) c = j;
    } else c = Math.round(y.data[i]);
    out[i] = table.get(c) ?? 1;
  }
  return new Tensor(out, lead > 1 ? shape : [n]);
}
