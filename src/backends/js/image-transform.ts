// Projective image transforms as TensorFlow's ImageProjectiveTransformV3 computes them (and
// TF.js's tf.image.transform): each output pixel (x, y) reads the input at
// ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, the coordinate first
// mapped into the image by the fill mode, then sampled nearest or bilinear.
import type { TypedArray } from '../../core/dtype.ts';

export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';

/** Geometry of a batch of transforms: images [batch, inH, inW, channels] -> [batch, outH, outW, channels]. */
export interface TransformInfo {
  batch: number; inH: number; inW: number; channels: number; outH: number; outW: number;
  bilinear: boolean; fillMode: FillMode; fillValue: number;
  /** One transform [1, 8] for every image. */
  shared: boolean;
}

const clamp = (v: number, len: number): number => Math.min(Math.max(v, 0), len - 1);

/** A source coordinate mapped into [0, len - 1] (constant mode leaves it: reads outside give the fill value). */
export function mapCoordinate(c: number, len: number, mode: FillMode): number {
  if (mode === 'constant') return c;
  if (mode === 'nearest') return clamp(c, len);
  if (len <= 1) return c < 0 || c > len - 1 ? 0 : c;
  if (mode === 'reflect') {
    const sz2 = 2 * len;
    if (c < 0) {
      if (c < -sz2) c = sz2 * Math.trunc(-c / sz2) + c;
      c = c < -len ? c + sz2 : -c - 1;
    } else if (c > len - 1) {
      c -= sz2 * Math.trunc(c / sz2);
      if (c >= len) c = sz2 - c - 1;
    }
    return clamp(c, len);
  }
  // wrap
  const sz = len - 1;
  if (c < 0) c += len * (Math.trunc(-c / sz) + 1);
  else if (c > len - 1) c -= len * Math.trunc(c / sz);
  return clamp(c, len);
}

/**
 * Visits every output element with up to four (input index, weight) taps; a tap outside the
 * image (constant mode) has index -1 and carries the fill value instead.
 */
function forEachTap(transforms: TypedArray, info: TransformInfo, visit: (o: number, taps: Int32Array, weights: Float64Array, n: number) => void): void {
  const { batch, inH, inW, channels: C, outH, outW, bilinear, fillMode, shared } = info;
  const taps = new Int32Array(4), weights = new Float64Array(4);
  const at = (b: number, y: number, x: number): number => (y >= 0 && y < inH && x >= 0 && x < inW ? ((b * inH + y) * inW + x) * C : -1);
  for (let b = 0; b < batch; b++) {
    const t = shared ? 0 : b * 8;
    const [a0, a1, a2, b0, b1, b2, c0, c1] = [transforms[t], transforms[t + 1], transforms[t + 2], transforms[t + 3], transforms[t + 4], transforms[t + 5], transforms[t + 6], transforms[t + 7]];
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = ((b * outH + oy) * outW + ox) * C;
        const k = c0 * ox + c1 * oy + 1;
        if (k === 0) { visit(o, taps, weights, 0); continue; }
        const x = mapCoordinate((a0 * ox + a1 * oy + a2) / k, inW, fillMode);
        const y = mapCoordinate((b0 * ox + b1 * oy + b2) / k, inH, fillMode);
        if (!bilinear) {
          taps[0] = at(b, Math.round(y), Math.round(x)); weights[0] = 1;
          visit(o, taps, weights, 1);
          continue;
        }
        const xf = Math.floor(x), yf = Math.floor(y), fx = x - xf, fy = y - yf;
        taps[0] = at(b, yf, xf); weights[0] = (1 - fy) * (1 - fx);
        taps[1] = at(b, yf, xf + 1); weights[1] = (1 - fy) * fx;
        taps[2] = at(b, yf + 1, xf); weights[2] = fy * (1 - fx);
        taps[3] = at(b, yf + 1, xf + 1); weights[3] = fy * fx;
        visit(o, taps, weights, 4);
      }
    }
  }
}

export function imageTransform(x: TypedArray, transforms: TypedArray, out: TypedArray, info: TransformInfo): void {
  const C = info.channels, fill = info.fillValue;
  forEachTap(transforms, info, (o, taps, weights, n) => {
    for (let c = 0; c < C; c++) {
      if (n === 0) { out[o + c] = fill; continue; }
      let v = 0;
      for (let k = 0; k < n; k++) v += weights[k] * (taps[k] < 0 ? fill : x[taps[k] + c]);
      out[o + c] = v;
    }
  });
}

/** The adjoint in the image: each output's gradient goes back to its taps, by their weights. */
export function imageTransformBackward(dy: TypedArray, transforms: TypedArray, dx: TypedArray, info: TransformInfo): void {
  const C = info.channels;
  dx.fill(0);
  forEachTap(transforms, info, (o, taps, weights, n) => {
    for (let k = 0; k < n; k++) {
      if (taps[k] < 0) continue;
      for (let c = 0; c < C; c++) dx[taps[k] + c] += weights[k] * dy[o + c];
    }
  });
}

/** What augmentTransforms builds: one projective transform per image from its uniform draws. */
export interface AugmentInfo {
  kind: 'flip' | 'translate' | 'zoom' | 'rotate';
  batch: number; height: number; width: number;
  /** flip: [horizontal, vertical] as 0/1; translate and zoom: [heightLo, heightHi, widthLo, widthHi, tied]; rotate: [lo, hi] in turns. */
  params: number[];
}

/** Draws per image (u in [0, 1), [batch, 2] or [batch, 1] for rotate) -> transforms [batch, 8], by Keras's formulas. */
export function augmentTransforms(u: TypedArray, out: TypedArray, info: AugmentInfo): void {
  const { kind, batch, height: h, width: w, params: p } = info;
  const k = kind === 'rotate' ? 1 : 2;
  for (let b = 0; b < batch; b++) {
    const u0 = u[b * k], u1 = k > 1 ? u[b * k + 1] : 0;
    let t: number[];
    if (kind === 'flip') {
      const fh = p[0] && u0 < 0.5, fv = p[1] && u1 < 0.5;
      t = [fh ? -1 : 1, 0, fh ? w - 1 : 0, 0, fv ? -1 : 1, fv ? h - 1 : 0, 0, 0];
    } else if (kind === 'translate') {
      const dy = (p[0] + (p[1] - p[0]) * u0) * h, dx = (p[2] + (p[3] - p[2]) * u1) * w;
      t = [1, 0, -dx, 0, 1, -dy, 0, 0];
    } else if (kind === 'zoom') {
      const zh = 1 + p[0] + (p[1] - p[0]) * u0, zw = p[4] ? zh : 1 + p[2] + (p[3] - p[2]) * u1;
      t = [zw, 0, ((w - 1) / 2) * (1 - zw), 0, zh, ((h - 1) / 2) * (1 - zh), 0, 0];
    } else {
      const a = (p[0] + (p[1] - p[0]) * u0) * 2 * Math.PI, c = Math.cos(a), s = Math.sin(a);
      t = [c, -s, (w - 1 - (c * (w - 1) - s * (h - 1))) / 2, s, c, (h - 1 - (s * (w - 1) + c * (h - 1))) / 2, 0, 0];
    }
    for (let i = 0; i < 8; i++) out[b * 8 + i] = t[i];
  }
}
