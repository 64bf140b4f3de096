// The direct convolution split between threads by output channels instead of rows or images:
// what one image (batch 1 inference) needs to use every thread without each re-reading all
// the weights (a row split streams the whole kernel once per chunk) or leaving the pooled
// kernel on one thread (it splits by images). The images are zero-bordered once, up front
// (padImages), and every chunk computes its panels of 8 output channels for all pixels.
import { convRows, padImage, paddedSize, poolRowPair } from './conv';

// Copies images [n0, n1) into their zero-bordered [Hp, Wp, C] copies at xp, one after another.
export function padImages(x: usize, xp: usize, inH: i32, inW: i32, C: i32, Hp: i32, Wp: i32, padTop: i32, padLeft: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    padImage(x + (<usize>(n * inH * inW * C) << 2), xp + (<usize>(n * Hp * Wp * C) << 2), inH, inW, C, Hp, Wp, padTop, padLeft);
  }
}

// Output channels [8 p0, 8 p1) (the last panel: the channels past the last multiple of 8) of
// every pixel of `batch` images, from their zero-bordered copies at xp (padImages).
export function convColumns(xp: usize, w: usize, wp: usize, bias: usize, out: usize, batch: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, dH: i32, dW: i32, act: i32, p0: i32, p1: i32): void {
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const jHi = min(outC, 8 * p1);
  for (let n = 0; n < batch; n++) {
    const image = xp + (<usize>(n * Hp * Wp * inC) << 2), dst = out + (<usize>(n * outH * outW * outC) << 2);
    convRows(image, Wp, w, wp, bias, dst, inC, outW, outC, kH, kW, sH, sW, dH, dW, act, 0, outH, 8 * p0, jHi);
  }
}

// convColumns fused with 2x2, stride-2 max pooling (outH, outW even, outC % 4 == 0): each row
// pair's channels of this chunk go into the chunk's scratch (pairs: 2 * outW * outC floats per
// chunk) and are pooled from there; argmax as convPoolDirect's.
export function convPoolColumns(xp: usize, w: usize, wp: usize, bias: usize, pooled: usize, argmax: usize, pairs: usize, batch: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, dH: i32, dW: i32, chunk: i32, p0: i32, p1: i32): void {
  const Hp = paddedSize(outH, kH, sH, dH), Wp = paddedSize(outW, kW, sW, dW);
  const jLo = 8 * p0, jHi = min(outC, 8 * p1);
  const pairOut = pairs + (<usize>((p0 / chunk) * 2 * outW * outC) << 2);
  for (let n = 0; n < batch; n++) {
    const image = xp + (<usize>(n * Hp * Wp * inC) << 2);
    for (let oh = 0; oh < outH; oh += 2) {
      convRows(image, Wp, w, wp, bias, pairOut, inC, outW, outC, kH, kW, sH, sW, dH, dW, 0, oh, oh + 2, jLo, jHi);
      poolRowPair(pairOut, pooled, argmax, (n * outH + oh) * outW, outH, outW, outC, jLo, jHi);
    }
  }
}
