// TF.js's positional convolution arguments (tf.conv2d(x, filter, strides, pad, dataFormat,
// dilations)) as deeptype's options: the conv ops accept both forms. pad is 'valid', 'same', a
// number (that many zeros on every side) or TF.js's explicit [[0, 0], [top, bottom], [left,
// right], [0, 0]]; only NHWC data.
import type { ConvGeometry, ExplicitPadding, Pair, Padding } from './conv.ts';
import type { Tensor } from '../core/tensor.ts';
import { reshape } from './layout.ts';

/** f on x, where TF.js also takes one [h, w, c] image: it runs as a batch of one, and the batch axis goes again. */
export function onImages(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  if (x.rank !== 3) return f(x);
  const y = f(reshape(x, [1, ...x.shape]));
  return reshape(y, y.shape.slice(1));
}

export type TfjsPad = Padding | number | readonly (readonly [number, number])[];

/** Whether a conv op's third argument starts TF.js's positional form (strides) rather than options. */
export const isPositional = (a: unknown): a is Pair => typeof a === 'number' || Array.isArray(a);

export function tfjsGeometry(what: string, strides: Pair, pad: TfjsPad | undefined, dataFormat: unknown, dilations: Pair | undefined): ConvGeometry {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`${what}: only dataFormat 'NHWC' is supported, got '${String(dataFormat)}'; transpose the input to [batch, height, width, channels]`);
  if (pad === undefined) throw new Error(`${what}: with strides given positionally (TF.js's form), pad is required: 'valid', 'same', a number or [[0, 0], [top, bottom], [left, right], [0, 0]]`);
  let padding: Padding | ExplicitPadding;
  if (pad === 'valid' || pad === 'same') padding = pad;
  else if (typeof pad === 'number' && Number.isInteger(pad) && pad >= 0) padding = [[pad, pad], [pad, pad]];
  else if (Array.isArray(pad) && pad.length === 4 && pad.every((p) => Array.isArray(p) && p.length === 2) && (pad[0] as number[]).every((v) => v === 0) && (pad[3] as number[]).every((v) => v === 0)) padding = [pad[1] as [number, number], pad[2] as [number, number]];
  else throw new Error(`${what}: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], got ${JSON.stringify(pad)}`);
  return { strides, padding, dilations: dilations ?? 1, what };
}

export type RoundingMode = 'floor' | 'round' | 'ceil';

/**
 * TF.js's dimRoundingMode, for a numeric pad p: out = mode((in + 2p - span) / stride + 1) per
 * spatial axis. Outputs beyond floor's read zeros past the end, so the padding after grows to
 * reach them (floor, the default, is the plain numeric pad).
 */
export function withRounding(what: string, g: ConvGeometry, pad: TfjsPad | undefined, mode: unknown, inHW: readonly number[], kHW: readonly number[]): ConvGeometry {
  if (mode === undefined || mode === null) return g;
  if (mode !== 'floor' && mode !== 'round' && mode !== 'ceil') throw new Error(`${what}: dimRoundingMode must be 'floor', 'round' or 'ceil', got ${JSON.stringify(mode)}`);
  if (typeof pad !== 'number') throw new Error(`${what}: dimRoundingMode '${mode}' needs a numeric pad (as in TF.js), got pad ${JSON.stringify(pad)}`);
  const both = (v: Pair | undefined): readonly number[] => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);
  const strides = both(g.strides), dilations = both(g.dilations);
  const [afterH, afterW] = [0, 1].map((a) => {
    const span = (kHW[a] - 1) * dilations[a] + 1;
    const out = Math[mode]((inHW[a] + 2 * pad - span) / strides[a] + 1);
    return Math.max(pad, (out - 1) * strides[a] + span - inHW[a] - pad);
  });
  return { ...g, padding: [[pad, afterH], [pad, afterW]] };
}
