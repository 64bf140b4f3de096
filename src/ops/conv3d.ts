// 3-D convolutions (NDHWC, kernels [kd, kh, kw, in, out]) composed of conv2d's fast kernels:
// the kd depth taps of each output slice become kd channel blocks of one [n*outD, h, w, kd*c]
// image (an im2col over depth only), convolved in 2-D by the [kh, kw, kd*c, f] kernel. Every
// part (pad, slice, concat, reshape, transpose, conv2d / conv2dTranspose) has its own gradient
// rule and wasm kernel, so conv3d's input and filter gradients are those parts' rules.
import { formatShape, type Shape } from '../core/shape.ts';
import { zeros, type Tensor } from '../core/tensor.ts';
import { reshape, slice, transpose } from './layout.ts';
import { concat } from './concat.ts';
import { pad as zeroPad } from './spatial.ts';
import { conv2d, dilatedSize, outputSize, type Padding } from './conv.ts';
import { conv2dTranspose } from './conv-variants.ts';

/** One number for all three axes, or [depth, height, width]. */
export type Conv3dTriple = number | readonly [number, number, number];

const tripleOf = (v: Conv3dTriple): [number, number, number] => (typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]]);

export interface Conv3dGeometry {
  strides?: Conv3dTriple;
  padding?: Padding;
  /** Taps this many voxels apart (atrous convolution). */
  dilations?: Conv3dTriple;
  /** Input and output channels split into this many independent groups. */
  groups?: number;
  /** The op's name in error messages. */
  what?: string;
}

export interface Conv3dOptions extends Conv3dGeometry {
  /** Added per output channel by the 2-D kernel. */
  bias?: Tensor;
}

/** A conv3d's checked geometry: sizes, and the depth axis's output size and leading padding. */
export interface Conv3dInfo {
  batch: number; inD: number; inH: number; inW: number; inC: number;
  kD: number; kH: number; kW: number; outC: number;
  outD: number; outH: number; outW: number; padFront: number;
  strides: [number, number, number]; dilations: [number, number, number]; padding: Padding; groups: number;
}

function checkTriple(what: string, name: string, v: unknown): [number, number, number] {
  const ok = typeof v === 'number' || (Array.isArray(v) && v.length === 3);
  const t = ok ? tripleOf(v as Conv3dTriple) : [];
  if (!ok || !t.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${what}: ${name} must be a positive integer or [depth, height, width] of them, got ${JSON.stringify(v)}`);
  }
  return t as [number, number, number];
}

/** Checks x [n, d, h, w, c] and w [kd, kh, kw, c / groups, f] and computes the output geometry. */
export function conv3dInfo(xShape: Shape, wShape: Shape, geometry: Conv3dGeometry = {}): Conv3dInfo {
  const { strides = 1, padding = 'valid', dilations = 1, groups = 1, what = 'conv3d' } = geometry;
  if (xShape.length !== 5) throw new Error(`${what}: expected input of rank 5 [batch, depth, height, width, channels], got shape ${formatShape(xShape)}`);
  if (wShape.length !== 5) throw new Error(`${what}: expected a filter of rank 5 [kd, kh, kw, in, out], got shape ${formatShape(wShape)}`);
  if (padding !== 'valid' && padding !== 'same') throw new Error(`${what}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
  const s = checkTriple(what, 'strides', strides), dl = checkTriple(what, 'dilations', dilations);
  const [batch, inD, inH, inW, inC] = xShape;
  const [kD, kH, kW, kC, outC] = wShape;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${what}: groups must be a positive integer, got ${groups}`);
  if (inC % groups !== 0 || outC % groups !== 0) {
    throw new Error(`${what}: groups=${groups} must divide the ${inC} input channels and the ${outC} output channels (filters)`);
  }
  if (kC * groups !== inC) {
    throw new Error(`${what}: input has ${inC} channels, so with groups=${groups} the filter must have ${inC / groups} input channels (its axis 3); got filter shape ${formatShape(wShape)}`);
  }
  if (![kD, kH, kW].every((k) => Number.isInteger(k) && k >= 1)) throw new Error(`${what}: the filter's sizes must be positive, got shape ${formatShape(wShape)}`);
  const spans = [kD, kH, kW].map((k, a) => dilatedSize(k, dl[a]));
  const outs = [inD, inH, inW].map((d, a) => outputSize(d, spans[a], s[a], padding));
  if (outs.some((o) => o.out < 1)) {
    throw new Error(`${what}: a ${kD}x${kH}x${kW} filter (spanning ${spans.join('x')} with dilations [${dl}]) is larger than the ${inD}x${inH}x${inW} input with padding '${padding}'; use a smaller filter or dilation, or padding 'same'`);
  }
  return { batch, inD, inH, inW, inC, kD, kH, kW, outC, outD: outs[0].out, outH: outs[1].out, outW: outs[2].out, padFront: outs[0].padBefore,
    strides: s, dilations: dl, padding, groups };
}

/**
 * The depth im2col: x [n, d, h, w, c] -> [n * outD, h, w, taps * c], block t of output slice o
 * being x's depth slice starts[t] + o * stride (counted from padFront zero slices before x),
 * zeros outside x. The copies run on rank-3/4 views (h * w * c as one axis, depth split into
 * [d / stride, stride]) so that every slice, pad and their gradients are step-1 block copies,
 * which the wasm backend runs itself (it leaves strided and rank-5 ones to the reference).
 */
function depthColumns(x: Tensor, starts: number[], strideArg: number, padFront: number, outD: number): Tensor {
  const [n, d, h, w, c] = x.shape, hwc = h * w * c, taps = starts.length;
  // One output slice reads no stride: padding the depth to a multiple of a huge one would not fit in memory.
  const stride = outD === 1 ? 1 : strideArg;
  const needed = Math.max(...starts) + (outD - 1) * stride + 1;
  const total = Math.ceil(Math.max(needed, padFront + d) / stride) * stride;
  if (taps === 1 && starts[0] === 0 && stride === 1 && outD === d && padFront === 0) return reshape(x, [n * d, h, w, c]);
  const x3 = reshape(x, [n, d, hwc]);
  const padded = total > d ? zeroPad(x3, [[0, 0], [padFront, total - padFront - d], [0, 0]]) : x3;
  const phases = reshape(padded, [n, total / stride, stride, hwc]);
  const blocks = starts.map((start) =>
    reshape(slice(phases, [0, Math.floor(start / stride), start % stride, 0], [n, outD, 1, hwc]), [n * outD, h, w, c]));
  return blocks.length === 1 ? blocks[0] : concat(blocks, 3);
}

/** With groups, one ungrouped conv3d per group on its channel slices (of rank-2 views), concatenated. */
function perGroup(x: Tensor, w: Tensor, bias: Tensor | undefined, info: Conv3dInfo, geometry: Conv3dGeometry): Tensor {
  const g = info.groups, cg = info.inC / g, fg = info.outC / g;
  const [n, d, h, wd, c] = x.shape, [kD, kH, kW] = w.shape;
  const xs = reshape(x, [n * d * h * wd, c]), ws = reshape(w, [kD * kH * kW * cg, info.outC]);
  const outs = Array.from({ length: g }, (_, i) => conv3d(
    reshape(slice(xs, [0, i * cg], [xs.shape[0], cg]), [n, d, h, wd, cg]),
    reshape(slice(ws, [0, i * fg], [ws.shape[0], fg]), [kD, kH, kW, cg, fg]),
    { ...geometry, groups: 1, bias: bias && slice(bias, [i * fg], [fg]) }));
  return concat(outs, 4);
}

/**
 * x [n, d, h, w, c] cross-correlated with w [kd, kh, kw, c / groups, f] -> [n, outD, outH, outW, f];
 * also in TF.js's form conv3d(x, filter, strides, pad, dataFormat, dilations), where x may be
 * one [d, h, w, c] volume.
 */
export function conv3d(x: Tensor, w: Tensor, options?: Conv3dOptions): Tensor;
export function conv3d(x: Tensor, w: Tensor, strides: Conv3dTriple, pad: Padding, dataFormat?: 'NDHWC', dilations?: Conv3dTriple): Tensor;
export function conv3d(x: Tensor, w: Tensor, a: Conv3dOptions | Conv3dTriple = {}, pad?: Padding, dataFormat?: 'NDHWC', dilations?: Conv3dTriple): Tensor {
  if (typeof a === 'number' || Array.isArray(a)) {
    return onVolumes(x, (xs) => conv3d(xs, w, { ...tfjsGeometry('conv3d', pad, dataFormat), strides: a as Conv3dTriple, dilations: dilations ?? 1 }));
  }
  const { bias, ...geometry } = a as Conv3dOptions;
  const what = geometry.what ?? 'conv3d';
  const info = conv3dInfo(x.shape, w.shape, geometry);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== info.outC)) {
    throw new Error(`${what}: bias must have shape [${info.outC}] (one per filter), got ${formatShape(bias.shape)}`);
  }
  if (info.groups > 1) return perGroup(x, w, bias, info, geometry);
  const { kD, kH, kW, inC, outC, outD, strides: [sD, sH, sW], dilations: [dD, dH, dW] } = info;
  const cols = depthColumns(x, Array.from({ length: kD }, (_, t) => t * dD), sD, info.padFront, outD);
  // [kd, kh, kw, c, f] -> [kh, kw, kd, c, f]: channel t * c + k of the columns meets tap t's weights.
  // (as the rank-3 transpose [kd, kh * kw, c * f] -> [kh * kw, kd, c * f], which wasm runs itself).
  const w2 = reshape(kD === 1 ? w : transpose(reshape(w, [kD, kH * kW, inC * outC]), [1, 0, 2]), [kH, kW, kD * inC, outC]);
  const y = conv2d(cols, w2, { strides: [sH, sW], padding: info.padding, dilations: [dH, dW], bias, what });
  return reshape(y, [info.batch, outD, y.shape[1], y.shape[2], outC]);
}

export interface Conv3dTransposeOptions extends Omit<Conv3dGeometry, 'groups'> {}

/**
 * The transposed 3-D convolution (conv3d's input gradient run forward): x [n, d, h, w, c] and
 * w [kd, kh, kw, f, c] give [n, outSize..., f], the volume whose conv3d by w with these strides,
 * padding and dilations has x's shape: along depth by phases (below), so that no tap multiplies
 * a zero; height and width are conv2dTranspose's.
 */
export function conv3dTranspose(x: Tensor, w: Tensor, outSize: readonly [number, number, number], geometry?: Conv3dTransposeOptions): Tensor;
/** TF.js's form: conv3dTranspose(x, filter, outputShape [n, d, h, w, f] or [d, h, w, f], strides, pad); x may be one [d, h, w, c] volume. */
export function conv3dTranspose(x: Tensor, w: Tensor, outputShape: readonly number[], strides: Conv3dTriple, pad: Padding): Tensor;
export function conv3dTranspose(x: Tensor, w: Tensor, outSize: readonly number[], g: Conv3dTransposeOptions | Conv3dTriple = {}, pad?: Padding): Tensor {
  if (typeof g === 'number' || Array.isArray(g)) {
    if (outSize.length !== x.rank) throw new Error(`conv3dTranspose: outputShape must have the input's rank (${x.rank}), got [${outSize}]`);
    const f = outSize[outSize.length - 1];
    if (w.rank === 5 && w.shape[3] !== f) throw new Error(`conv3dTranspose: outputShape's last axis ${f} does not match the filter's ${w.shape[3]} output channels (its axis 3)`);
    const [d, h, wd] = outSize.slice(-4);
    return onVolumes(x, (xs) => conv3dTranspose(xs, w, [d, h, wd], { ...tfjsGeometry('conv3dTranspose', pad, undefined), strides: g as Conv3dTriple }));
  }
  const geometry = g as Conv3dTransposeOptions, what = geometry.what ?? 'conv3dTranspose';
  if (outSize.length !== 3 || !outSize.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`${what}: outSize must be [depth, height, width] of positive integers, got [${outSize}]`);
  if (x.rank !== 5) throw new Error(`${what}: expected input of rank 5 [batch, depth, height, width, channels], got shape ${formatShape(x.shape)}`);
  if (w.rank !== 5 || w.shape[4] !== x.shape[4]) {
    throw new Error(`${what}: expected a filter [kd, kh, kw, filters, ${x.shape[4]}] for an input of ${x.shape[4]} channels, got ${formatShape(w.shape)}`);
  }
  const [n, inD, inH, inW, c] = x.shape, [kD, kH, kW, f] = w.shape;
  const info = conv3dInfo([n, outSize[0], outSize[1], outSize[2], f], w.shape, { ...geometry, what });
  if (info.outD !== inD || info.outH !== inH || info.outW !== inW) {
    throw new Error(`${what}: an output of ${outSize.join('x')} convolved with these strides and padding gives ${info.outD}x${info.outH}x${info.outW}, not the input's ${inD}x${inH}x${inW}`);
  }
  const { strides: [sD, sH, sW], dilations: [dD, dH, dW] } = info;
  // Output slice z takes tap t of input slice i where i * sD + t * dD = z + padFront =: q. The q
  // of one residue r mod sD (a phase) meet only the taps with t * dD = r (mod sD): for them
  // i = m + e with q = m * sD + r and e = (r - t * dD) / sD, a stride-1 depth im2col of x
  // (zeros outside it) feeding one conv2dTranspose. The phases' m-th slices interleave into q.
  const phases = Math.ceil((info.padFront + outSize[0]) / sD), hwf = outSize[1] * outSize[2] * f;
  const wTaps = reshape(w, [kD, kH * kW * f * c]);
  const phaseOutputs = Array.from({ length: sD }, (_, r) => {
    const taps = Array.from({ length: kD }, (_, t) => t).filter((t) => (r - t * dD) % sD === 0);
    // No tap reaches this phase (a kernel shorter than its stride): zeros.
    if (taps.length === 0) return zeros([n, phases, 1, hwf], x.dtype === 'float64' || w.dtype === 'float64' ? 'float64' : 'float32');
    const offsets = taps.map((t) => (r - t * dD) / sD), front = -Math.min(...offsets);
    const cols = depthColumns(x, offsets.map((e) => e + front), 1, front, phases);
    // The phase's taps [taps, kh, kw, f, c] -> [kh, kw, f, taps, c]: channel j * c + k of the columns meets tap j's weights.
    const wPhase = taps.length === kD ? wTaps : concat(taps.map((t) => slice(wTaps, [t, 0], [1, wTaps.shape[1]])), 0);
    const w2 = reshape(taps.length === 1 ? wPhase : transpose(reshape(wPhase, [taps.length, kH * kW * f, c]), [1, 0, 2]), [kH, kW, f, taps.length * c]);
    const y = conv2dTranspose(cols, w2, [outSize[1], outSize[2]], { strides: [sH, sW], padding: info.padding, dilations: [dH, dW], what });
    return reshape(y, [n, phases, 1, hwf]);
  });
  const q = reshape(sD === 1 ? phaseOutputs[0] : concat(phaseOutputs, 2), [n, phases * sD, hwf]);
  const out = info.padFront === 0 && phases * sD === outSize[0] ? q : slice(q, [0, info.padFront, 0], [n, outSize[0], hwf]);
  return reshape(out, [n, outSize[0], outSize[1], outSize[2], f]);
}

/** f on x, where TF.js also takes one [d, h, w, c] volume: it runs as a batch of one. */
function onVolumes(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  if (x.rank !== 4) return f(x);
  const y = f(reshape(x, [1, ...x.shape]));
  return reshape(y, y.shape.slice(1));
}

function tfjsGeometry(what: string, pad: unknown, dataFormat: unknown): Conv3dGeometry {
  if (dataFormat !== undefined && dataFormat !== 'NDHWC') throw new Error(`${what}: only dataFormat 'NDHWC' is supported, got '${String(dataFormat)}'; transpose the input to [batch, depth, height, width, channels]`);
  if (pad !== 'valid' && pad !== 'same') throw new Error(`${what}: pad must be 'valid' or 'same', got ${JSON.stringify(pad)}`);
  return { padding: pad, what };
}
