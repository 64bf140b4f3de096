// TF.js's remaining pooling ops: dilation2d (grayscale morphological dilation: the max over each
// window of x + filter, as running maximums of strided slices, so it differentiates and
// compiles), maxPoolWithArgmax (maxPool, and the argmax flat indexes read from its values) and
// pool (max or average pooling with dilations, by TF.js's spaceToBatch -> pool -> batchToSpace).
import { Tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { add, maximum } from './elementwise.ts';
import { reshape, slice } from './layout.ts';
import { pad4d } from './linalg.ts';
import { convInfo, maxPool, pair, type Pair, poolInfo } from './conv.ts';
import { avgPool } from './spatial.ts';
import { onImages, tfjsGeometry, type TfjsPad } from './positional.ts';
import { batchToSpaceND, spaceToBatchND } from './blocks.ts';
import { tensor } from '../core/tensor.ts';

const need = (what: string, name: string, t: unknown): void => { if (!(t instanceof Tensor)) throw new Error(`${what}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`); };

/**
 * TF.js's tf.dilation2d(x, filter, strides, pad, dilations = [1, 1], dataFormat = 'NHWC'):
 * out[b, i, j, c] = max over (di, dj) of x[b, i*sh + di*rh - top, j*sw + dj*rw - left, c] + filter[di, dj, c],
 * positions outside x left out. x [b, h, w, c] or [h, w, c]; filter [fh, fw, c].
 */
export function dilation2d(x: Tensor, filter: Tensor, strides: Pair, pad: TfjsPad, dilations: Pair = [1, 1], dataFormat: 'NHWC' = 'NHWC'): Tensor {
  const what = 'dilation2d';
  need(what, 'x', x);
  need(what, 'filter', filter);
  if (x.rank !== 3 && x.rank !== 4) throw new Error(`${what}: x must be [batch, height, width, channels] or [height, width, channels], got shape ${formatShape(x.shape)}`);
  const c = x.shape[x.rank - 1];
  if (filter.rank !== 3 || filter.shape[2] !== c) throw new Error(`${what}: filter must be [filterHeight, filterWidth, ${c}] (x's channels), got ${formatShape(filter.shape)}`);
  const geometry = tfjsGeometry(what, strides, pad, dataFormat, dilations);
  return onImages(x, (xs) => {
    const [fh, fw] = filter.shape;
    const info = convInfo(xs.shape, [fh, fw, c, c], { ...geometry, what });
    const { batch, inH, inW, outH, outW, strideH: sh, strideW: sw, dilationH: rh, dilationW: rw, padTop, padLeft } = info;
    // Padding of -Infinity: a position outside x never wins the max.
    const bottom = Math.max(0, (outH - 1) * sh + (fh - 1) * rh + 1 - inH - padTop), right = Math.max(0, (outW - 1) * sw + (fw - 1) * rw + 1 - inW - padLeft);
    const padded = padTop || bottom || padLeft || right ? pad4d(xs, [[0, 0], [padTop, bottom], [padLeft, right], [0, 0]], -Infinity) : xs;
    let y: Tensor | null = null;
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const tap = add(slice(padded, [0, i * rh, j * rw, 0], [batch, outH, outW, c], [1, sh, sw, 1]), reshape(slice(filter, [i, j, 0], [1, 1, c]), [c]));
        y = y ? maximum(y, tap) : tap;
      }
    }
    return y!;
  });
}

/**
 * TF.js's tf.maxPoolWithArgmax(x, filterSize, strides, pad, includeBatchInIndex = false):
 * {result, indexes}: the max pooling, and each maximum's flat index in x, ((b * h + y) * w + x) * c + ch
 * with the batch included, (y * w + x) * c + ch without; the first maximum of a window in row order.
 */
export function maxPoolWithArgmax(x: Tensor, filterSize: Pair, strides: Pair, pad: 'valid' | 'same', includeBatchInIndex = false): { result: Tensor; indexes: Tensor } {
  const what = 'maxPoolWithArgmax';
  need(what, 'x', x);
  if (x.rank !== 4) throw new Error(`${what}: x must be [batch, height, width, channels], got shape ${formatShape(x.shape)}`);
  if (typeof includeBatchInIndex !== 'boolean') throw new Error(`${what}: includeBatchInIndex must be a boolean, got ${JSON.stringify(includeBatchInIndex)}`);
  const result = maxPool(x, filterSize, strides, pad);
  const info = poolInfo(x.shape, filterSize, strides, pad, what);
  const { batch, inH, inW, channels: c, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft } = info;
  const v = x.data, out = new Int32Array(result.size);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity, at = -1;
          for (let ky = 0; ky < poolH; ky++) {
            const iy = oy * strideH + ky - padTop;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < poolW; kx++) {
              const ix = ox * strideW + kx - padLeft;
              if (ix < 0 || ix >= inW) continue;
              const flat = ((b * inH + iy) * inW + ix) * c + ch;
              if (at < 0 || v[flat] > best) { best = v[flat]; at = flat; }
            }
          }
          out[o++] = includeBatchInIndex ? at : at - b * inH * inW * c;
        }
      }
    }
  }
  return { result, indexes: tensor(out, result.shape, 'int32') };
}

/**
 * TF.js's tf.pool(input, windowShape, poolingType, pad, dilations = 1, strides = 1): 'max' or
 * 'avg' pooling; with dilations > 1 (strides then 1), TF.js's spaceToBatchND -> pooling 'valid'
 * -> batchToSpaceND, so an average there counts the zeros spaceToBatch padded in, as in TF.js.
 */
export function pool(input: Tensor, windowShape: Pair, poolingType: 'max' | 'avg', pad: 'valid' | 'same' | 0, dilations: Pair = 1, strides: Pair = 1, dimRoundingMode?: unknown): Tensor {
  const what = 'pool';
  need(what, 'input', input);
  if (poolingType !== 'max' && poolingType !== 'avg') throw new Error(`${what}: poolingType must be 'max' or 'avg', got ${JSON.stringify(poolingType)}`);
  if (dimRoundingMode !== undefined && dimRoundingMode !== null) throw new Error(`${what}: dimRoundingMode is not supported; give pad 'valid' or 'same'`);
  const padding = pad === 0 ? 'valid' : pad;
  if (padding !== 'valid' && padding !== 'same') throw new Error(`${what}: pad must be 'valid', 'same' or 0, got ${JSON.stringify(pad)}`);
  if (input.rank !== 3 && input.rank !== 4) throw new Error(`${what}: input must be [batch, height, width, channels] or [height, width, channels], got shape ${formatShape(input.shape)}`);
  const dilation = pair(dilations ?? 1), stride = pair(strides ?? 1);
  if ([...dilation, ...stride].some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${what}: dilations and strides must be positive integers, got dilations ${JSON.stringify(dilations)} and strides ${JSON.stringify(strides)}`);
  if (dilation.some((d) => d > 1) && stride.some((s) => s > 1)) throw new Error(`${what}: strides or dilations must be 1, got strides [${stride}] and dilations [${dilation}]`);
  const run = (x: Tensor, p: 'valid' | 'same'): Tensor => (poolingType === 'avg' ? avgPool(x, windowShape, stride, p) : maxPool(x, windowShape, stride, p));
  return onImages(input, (x) => {
    if (dilation[0] === 1 && dilation[1] === 1) return run(x, padding);
    const [wh, ww] = pair(windowShape);
    // TF.js's withSpaceToBatchBasePaddings and requiredSpaceToBatchPaddings.
    const base = padding === 'same' ? [wh, ww].map((k, i) => { const extra = (k - 1) * dilation[i]; return [Math.floor(extra / 2), extra - Math.floor(extra / 2)]; }) : [[0, 0], [0, 0]];
    const extraEnd = [x.shape[1], x.shape[2]].map((n, i) => (dilation[i] - ((n + base[i][0] + base[i][1]) % dilation[i])) % dilation[i]);
    const paddings = base.map(([s, e], i) => [s, e + extraEnd[i]] as [number, number]);
    const crops = extraEnd.map((e) => [0, e] as [number, number]);
    return batchToSpaceND(run(spaceToBatchND(x, dilation, paddings), 'valid'), dilation, crops);
  });
}
