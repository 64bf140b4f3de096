// Pooling over 3-D windows written out in float64, the reference for maxPool3d / avgPool3d and
// the 3-D pooling layers where TF.js is wrong or lacks them (see test/pooling3d-ops.test.ts).
import * as dt from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';

export type Triple = [number, number, number];
export type Padding = 'valid' | 'same';

/** TF's output size and leading pad on one axis. */
export function axis(size: number, k: number, s: number, padding: Padding): { out: number; before: number; tfjsWrong: boolean } {
  if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, before: 0, tfjsWrong: false };
  const out = Math.ceil(size / s), total = (out - 1) * s + k - size;
  return { out, before: Math.floor(Math.max(total, 0) / 2), tfjsWrong: total < 0 };
}

/**
 * Pooling over 3-D windows in float64, written out: outputs, and the input gradient of
 * sum(y * dy) (max: to the first maximum in (depth, row, column) order; average: dy / count of
 * the window's elements inside the input).
 */
export function reference(x: Tensor, pool: Triple, strides: Triple, padding: Padding, kind: 'max' | 'avg', dy?: Tensor): { y: Tensor; dx: Tensor } {
  const [n, D, H, W, C] = x.shape;
  const g = [D, H, W].map((size, a) => axis(size, pool[a], strides[a], padding));
  const [oD, oH, oW] = g.map((a) => a.out);
  const y = new Float64Array(n * oD * oH * oW * C), dx = new Float64Array(x.size);
  const at = (b: number, d: number, h: number, w: number, c: number) => (((b * D + d) * H + h) * W + w) * C + c;
  let o = 0;
  for (let b = 0; b < n; b++) for (let od = 0; od < oD; od++) for (let oh = 0; oh < oH; oh++) for (let ow = 0; ow < oW; ow++) for (let c = 0; c < C; c++, o++) {
    const cells: number[] = [];
    for (let pd = 0; pd < pool[0]; pd++) for (let ph = 0; ph < pool[1]; ph++) for (let pw = 0; pw < pool[2]; pw++) {
      const d = od * strides[0] - g[0].before + pd, h = oh * strides[1] - g[1].before + ph, w = ow * strides[2] - g[2].before + pw;
      if (d >= 0 && d < D && h >= 0 && h < H && w >= 0 && w < W) cells.push(at(b, d, h, w, c));
    }
    const grad = dy ? dy.data[o] : 0;
    if (kind === 'avg') {
      y[o] = cells.reduce((s, i) => s + x.data[i], 0) / cells.length;
      for (const i of cells) dx[i] += grad / cells.length;
    } else {
      let best = cells[0];
      for (const i of cells) if (x.data[i] > x.data[best]) best = i;
      y[o] = x.data[best];
      dx[best] += grad;
    }
  }
  return { y: dt.tensor(y, [n, oD, oH, oW, C], 'float64'), dx: dt.tensor(dx, x.shape, 'float64') };
}

