// Reference kernels for the network ops: direct loops in NHWC / HWIO layout. Readable first;
// the innermost loop always runs over the contiguous channel axis so V8 keeps it tight.
import type { TypedArray } from '../../core/dtype.ts';
import type { ConvActivation, ConvInfo, PoolInfo } from '../backend.ts';
import { epilogueActivation } from './epilogue.ts';

export function matMul(
  a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean,
): void {
  for (let t = 0; t < batch; t++) {
    const ao = t * m * k, bo = t * k * n, oo = t * m * n;
    for (let i = 0; i < m; i++) {
      const row = oo + i * n;
      if (!transB) {
        for (let j = 0; j < n; j++) out[row + j] = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a[ao + p * m + i] : a[ao + i * k + p];
          const brow = bo + p * n;
          for (let j = 0; j < n; j++) out[row + j] += av * b[brow + j];
        }
      } else {
        for (let j = 0; j < n; j++) {
          let s = 0;
          const brow = bo + j * k;
          for (let p = 0; p < k; p++) s += (transA ? a[ao + p * m + i] : a[ao + i * k + p]) * b[brow + p];
          out[row + j] = s;
        }
      }
    }
  }
}

/**
 * Calls visit(outOffset, inOffset, weightOffset) for every (output pixel, kernel tap) pair
 * whose input pixel lies inside the image: the loop nest all three conv kernels share. Offsets
 * are to the pixel's first channel and to the tap's first weight row.
 */
function forEachTap(info: ConvInfo, visit: (o: number, x: number, w: number) => void): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups } = info;
  const tapSize = (inC / groups) * outC;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const o = ((n * outH + oh) * outW + ow) * outC;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH - padTop + kh * dilationH;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW - padLeft + kw * dilationW;
            if (iw < 0 || iw >= inW) continue;
            visit(o, ((n * inH + ih) * inW + iw) * inC, (kh * kW + kw) * tapSize);
          }
        }
      }
    }
  }
}

/**
 * For one tap: calls pair(inChannel, weightRow, f0, f1) for each input channel, with the
 * output channels [f0, f1) of its group (all of them without groups).
 */
function forEachChannel(info: ConvInfo, pair: (c: number, wRow: number, f0: number, f1: number) => void): void {
  const { inC, outC, groups } = info;
  const cg = inC / groups, fg = outC / groups;
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < cg; c++) pair(g * cg + c, c * outC, g * fg, (g + 1) * fg);
  }
}

export function conv2d(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo): void {
  const { outC } = info;
  for (let o = 0; o < out.length; o += outC) for (let f = 0; f < outC; f++) out[o + f] = bias ? bias[f] : 0;
  forEachTap(info, (o, xi, wi) => forEachChannel(info, (c, wr, f0, f1) => {
    const xv = x[xi + c];
    for (let f = f0; f < f1; f++) out[o + f] += xv * w[wi + wr + f];
  }));
}

export function conv2dActivation(x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo, activation: ConvActivation): void {
  const act = epilogueActivation('conv2dActivation', activation);
  conv2d(x, w, bias, out, info);
  for (let i = 0; i < out.length; i++) out[i] = act(out[i]);
}

export function conv2dBackpropInput(dy: TypedArray, w: TypedArray, dx: TypedArray, info: ConvInfo): void {
  dx.fill(0);
  forEachTap(info, (o, xi, wi) => forEachChannel(info, (c, wr, f0, f1) => {
    let s = 0;
    for (let f = f0; f < f1; f++) s += dy[o + f] * w[wi + wr + f];
    dx[xi + c] += s;
  }));
}

export function conv2dBackpropFilter(x: TypedArray, dy: TypedArray, dw: TypedArray, info: ConvInfo): void {
  dw.fill(0);
  forEachTap(info, (o, xi, wi) => forEachChannel(info, (c, wr, f0, f1) => {
    const xv = x[xi + c];
    for (let f = f0; f < f1; f++) dw[wi + wr + f] += xv * dy[o + f];
  }));
}

export function maxPool2d(x: TypedArray, out: TypedArray, argmax: Int32Array, info: PoolInfo): void {
  const { batch, inH, inW, channels: C, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft } = info;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity, at = -1;
          for (let ph = 0; ph < poolH; ph++) {
            const ih = oh * strideH - padTop + ph;
            if (ih < 0 || ih >= inH) continue;
            for (let pw = 0; pw < poolW; pw++) {
              const iw = ow * strideW - padLeft + pw;
              if (iw < 0 || iw >= inW) continue;
              const xi = ((n * inH + ih) * inW + iw) * C + c;
              if (x[xi] > best || at < 0) { best = x[xi]; at = xi; }
            }
          }
          const o = ((n * outH + oh) * outW + ow) * C + c;
          out[o] = best;
          argmax[o] = at;
        }
      }
    }
  }
}

export function conv2dMaxPool(
  x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, argmax: Int32Array | null, conv: ConvInfo, pool: PoolInfo,
): void {
  const y = new (out.constructor as Float32ArrayConstructor)(conv.batch * conv.outH * conv.outW * conv.outC);
  conv2d(x, w, bias, y, conv);
  maxPool2d(y, out, argmax ?? new Int32Array(out.length), pool);
}

export function conv2dBackpropFilterPooled(
  x: TypedArray, dyPool: TypedArray, argmax: Int32Array, dw: TypedArray, conv: ConvInfo, pool: PoolInfo,
): void {
  const dy = new (dw.constructor as Float32ArrayConstructor)(conv.batch * conv.outH * conv.outW * conv.outC);
  maxPool2dBackward(dyPool, argmax, dy, pool);
  conv2dBackpropFilter(x, dy, dw, conv);
}

export function maxPool2dBackward(dy: TypedArray, argmax: Int32Array, dx: TypedArray, _info: PoolInfo): void {
  dx.fill(0);
  for (let o = 0; o < dy.length; o++) dx[argmax[o]] += dy[o];
}

/** Numerically stable row softmax (log = true gives log-softmax). */
function rowSoftmax(x: TypedArray, out: TypedArray, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, x[o + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[o + j] - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < cols; j++) out[o + j] = log ? x[o + j] - lse : Math.exp(x[o + j] - lse);
  }
}

export const softmax = (x: TypedArray, out: TypedArray, rows: number, cols: number): void => rowSoftmax(x, out, rows, cols, false);
export const logSoftmax = (x: TypedArray, out: TypedArray, rows: number, cols: number): void => rowSoftmax(x, out, rows, cols, true);

export function sparseSoftmaxCrossEntropy(
  logits: TypedArray, labels: TypedArray, loss: TypedArray, probs: TypedArray, rows: number, cols: number,
): void {
  rowSoftmax(logits, probs, rows, cols, false);
  for (let r = 0; r < rows; r++) {
    const label = labels[r];
    // -log p computed from the logits, not from p, so it stays finite when p underflows.
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, logits[r * cols + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(logits[r * cols + j] - max);
    loss[r] = label >= 0 && label < cols && Number.isInteger(label) ? max + Math.log(sum) - logits[r * cols + label] : NaN;
  }
}

export function sparseSoftmaxCrossEntropyGrad(
  probs: TypedArray, labels: TypedArray, dy: TypedArray, dlogits: TypedArray, rows: number, cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) dlogits[r * cols + j] = probs[r * cols + j] * dy[r];
    dlogits[r * cols + labels[r]] -= dy[r];
  }
}

export function adam(
  w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, lr: number, beta1: number, beta2: number, epsilon: number, step: number,
): void {
  const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < w.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
  }
}

export function sgd(w: TypedArray, g: TypedArray, velocity: TypedArray | null, lr: number, momentum: number, nesterov: boolean): void {
  for (let i = 0; i < w.length; i++) {
    if (!velocity) { w[i] -= lr * g[i]; continue; }
    velocity[i] = momentum * velocity[i] - lr * g[i];
    w[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
  }
}

export function rmsprop(
  w: TypedArray, g: TypedArray, meanSquare: TypedArray, moment: TypedArray | null, lr: number, rho: number, momentum: number, epsilon: number,
): void {
  for (let i = 0; i < w.length; i++) {
    meanSquare[i] = rho * meanSquare[i] + (1 - rho) * g[i] * g[i];
    const increment = (lr * g[i]) / Math.sqrt(meanSquare[i] + epsilon);
    if (moment) { moment[i] = momentum * moment[i] + increment; w[i] -= moment[i]; }
    else w[i] -= increment;
  }
}
