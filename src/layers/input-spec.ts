// TF.js's InputSpec class (tf.InputSpec): what a custom layer accepts, in TF.js's spelling
// (minNDim, maxNDim); a layer's inputSpec may be one or TF.js's list of them. Checked by
// Layer.assertInputCompatible with Keras's messages.
import { checkKnownOptions } from '../core/options.ts';
import type { InputSpec as Spec } from './layer.ts';

export interface InputSpecArgs { shape?: (number | null)[]; ndim?: number; maxNDim?: number; minNDim?: number; axes?: Record<number, number> }

const count = (name: string, v: unknown): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`InputSpec: ${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
};

export class InputSpec implements Spec {
  readonly ndim?: number;
  readonly minNdim?: number;
  readonly maxNdim?: number;
  readonly shape?: (number | null)[];
  readonly axes?: Record<number, number>;
  constructor(args: InputSpecArgs) {
    // TF.js's dtype is left out: the checks see shapes only, and a dtype that is not checked would be a silent ignore.
    checkKnownOptions(args, ['shape', 'ndim', 'maxNDim', 'minNDim', 'axes'], 'InputSpec');
    if (args.shape !== undefined && args.shape !== null) {
      if (!Array.isArray(args.shape) || args.shape.some((d) => d !== null && !(Number.isInteger(d) && d >= 0))) throw new Error(`InputSpec: shape must be a list of sizes (null for any), got ${JSON.stringify(args.shape)}`);
      this.shape = [...args.shape];
    }
    this.ndim = this.shape ? this.shape.length : count('ndim', args.ndim);
    this.minNdim = count('minNDim', args.minNDim);
    this.maxNdim = count('maxNDim', args.maxNDim);
    if (args.axes !== undefined && args.axes !== null) {
      if (typeof args.axes !== 'object' || Object.entries(args.axes).some(([k, v]) => !Number.isInteger(Number(k)) || !Number.isInteger(v))) throw new Error(`InputSpec: axes must map axis numbers to sizes, got ${JSON.stringify(args.axes)}`);
      this.axes = { ...args.axes };
    }
  }
  /** TF.js's spellings. */
  get minNDim(): number | undefined { return this.minNdim; }
  get maxNDim(): number | undefined { return this.maxNdim; }
}
