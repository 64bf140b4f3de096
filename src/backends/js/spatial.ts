// Reference kernels for average pooling and resizing (NHWC): plain loops, channels innermost.
import type { TypedArray } from '../../core/dtype.ts';
import type { PoolInfo, ResizeInfo } from '../backend.ts';

/** Calls visit(outPixel, h0, h1, w0, w1) with each window's in-bounds rows and columns. */
function forEachWindow(info: PoolInfo, visit: (o: number, n: number, h0: number, h1: number, w0: number, w1: number) => void): void {
  const { batch, inH, inW, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft } = info;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const top = oh * strideH - padTop, h0 = Math.max(top, 0), h1 = Math.min(top + poolH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const left = ow * strideW - padLeft, w0 = Math.max(left, 0), w1 = Math.min(left + poolW, inW);
        visit((n * outH + oh) * outW + ow, n, h0, h1, w0, w1);
      }
    }
  }
}

export function avgPool2d(x: TypedArray, out: TypedArray, info: PoolInfo): void {
  const { inH, inW, channels: C } = info;
  forEachWindow(info, (o, n, h0, h1, w0, w1) => {
    const inv = 1 / ((h1 - h0) * (w1 - w0));
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[((n * inH + ih) * inW + iw) * C + c];
      out[o * C + c] = s * inv;
    }
  });
}

export function avgPool2dBackward(dy: TypedArray, dx: TypedArray, info: PoolInfo): void {
  const { inH, inW, channels: C } = info;
  dx.fill(0);
  forEachWindow(info, (o, n, h0, h1, w0, w1) => {
    const inv = 1 / ((h1 - h0) * (w1 - w0));
    for (let ih = h0; ih < h1; ih++) {
      for (let iw = w0; iw < w1; iw++) {
        const xi = ((n * inH + ih) * inW + iw) * C;
        for (let c = 0; c < C; c++) dx[xi + c] += dy[o * C + c] * inv;
      }
    }
  });
}

/**
 * Where each output row (or column) reads from, by TF2's half-pixel rule: bilinear takes
 * lo, hi and the weight of hi; nearest takes floor((i + 0.5) * in / out).
 */
export function resizeTaps(inSize: number, outSize: number, bilinear: boolean): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize), hi = new Int32Array(outSize), frac = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    if (bilinear) {
      const src = (i + 0.5) * scale - 0.5, f = Math.floor(src);
      lo[i] = Math.max(f, 0);
      hi[i] = Math.min(Math.ceil(src), inSize - 1);
      frac[i] = src - f;
    } else {
      lo[i] = hi[i] = Math.min(Math.floor((i + 0.5) * scale), inSize - 1);
    }
  }
  return { lo, hi, frac };
}

/** Visits every output pixel with its four sources (offsets of pixel starts) and the lerp fractions. */
function forEachResized(info: ResizeInfo, visit: (o: number, a: number, b: number, c: number, d: number, fx: number, fy: number) => void): void {
  const { batch, inH, inW, channels: C, outH, outW, bilinear } = info;
  const rows = resizeTaps(inH, outH, bilinear), cols = resizeTaps(inW, outW, bilinear);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const top = (n * inH + rows.lo[oh]) * inW, bottom = (n * inH + rows.hi[oh]) * inW;
      for (let ow = 0; ow < outW; ow++) {
        const l = cols.lo[ow], r = cols.hi[ow];
        visit(((n * outH + oh) * outW + ow) * C, (top + l) * C, (top + r) * C, (bottom + l) * C, (bottom + r) * C, cols.frac[ow], rows.frac[oh]);
      }
    }
  }
}

export function resize(x: TypedArray, out: TypedArray, info: ResizeInfo): void {
  const C = info.channels;
  // Nearest copies its source (a lerp with fraction 0 made an infinity NaN and -0 +0).
  if (!info.bilinear) return forEachResized(info, (o, a) => { for (let k = 0; k < C; k++) out[o + k] = x[a + k]; });
  forEachResized(info, (o, a, b, c, d, fx, fy) => {
    // TF's order: lerp along x in both rows, then between the rows.
    for (let k = 0; k < C; k++) {
      const top = x[a + k] + (x[b + k] - x[a + k]) * fx;
      const bottom = x[c + k] + (x[d + k] - x[c + k]) * fx;
      out[o + k] = top + (bottom - top) * fy;
    }
  });
}

export function resizeBackward(dy: TypedArray, dx: TypedArray, info: ResizeInfo): void {
  const C = info.channels;
  dx.fill(0);
  if (!info.bilinear) return forEachResized(info, (o, a) => { for (let k = 0; k < C; k++) dx[a + k] += dy[o + k]; });
  forEachResized(info, (o, a, b, c, d, fx, fy) => {
    const wa = (1 - fy) * (1 - fx), wb = (1 - fy) * fx, wc = fy * (1 - fx), wd = fy * fx;
    for (let k = 0; k < C; k++) {
      const g = dy[o + k];
      dx[a + k] += g * wa; dx[b + k] += g * wb; dx[c + k] += g * wc; dx[d + k] += g * wd;
    }
  });
}
