// Image kernels: resizing NHWC images the way TensorFlow's tf.image.resize does
// (half-pixel centers, no antialiasing), as the reference for every backend.

/**
 * Resizes x [batch, inH, inW, channels] into out [batch, outH, outW, channels], bilinear or
 * nearest. With halfPixelCenters the source coordinate of output pixel i is (i + 0.5) * scale
 * - 0.5 (bilinear) or (i + 0.5) * scale (nearest); with alignCorners the corner pixels map onto
 * each other; otherwise i * scale (TF's legacy mode).
 */
export function resizeImages(
  x: ArrayLike<number>, out: { [i: number]: number }, batch: number, inH: number, inW: number, channels: number,
  outH: number, outW: number, method: 'bilinear' | 'nearest', alignCorners: boolean, halfPixelCenters: boolean,
): void {
  const ratio = (inSize: number, outSize: number): number => (alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize);
  const rowRatio = ratio(inH, outH), colRatio = ratio(inW, outW);
  const inRow = inW * channels, inImage = inH * inRow;
  let o = 0;
  if (method === 'nearest') {
    const source = (i: number, r: number, size: number): number => {
      const f = halfPixelCenters ? (i + 0.5) * r : i * r;
      const s = Math.min(size - 1, alignCorners ? Math.round(f) : Math.floor(f));
      return halfPixelCenters ? Math.max(0, s) : s;
    };
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < outH; i++) {
        const row = b * inImage + source(i, rowRatio, inH) * inRow;
        for (let j = 0; j < outW; j++) {
          const at = row + source(j, colRatio, inW) * channels;
          for (let c = 0; c < channels; c++) out[o++] = x[at + c];
        }
      }
    }
    return;
  }
  // Per output column: the two source columns and the weight of the right one (TF's cached weights).
  const left = new Int32Array(outW), right = new Int32Array(outW), colFrac = new Float64Array(outW);
  for (let j = 0; j < outW; j++) {
    const f = halfPixelCenters ? (j + 0.5) * colRatio - 0.5 : j * colRatio;
    left[j] = Math.max(0, Math.floor(f));
    right[j] = Math.min(inW - 1, Math.ceil(f));
    colFrac[j] = f - left[j];
  }
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outH; i++) {
      const f = halfPixelCenters ? (i + 0.5) * rowRatio - 0.5 : i * rowRatio;
      const top = Math.max(0, Math.floor(f)), bottom = Math.min(inH - 1, Math.ceil(f)), rowFrac = f - top;
      const topRow = b * inImage + top * inRow, bottomRow = b * inImage + bottom * inRow;
      for (let j = 0; j < outW; j++) {
        const l = left[j] * channels, r = right[j] * channels, cf = colFrac[j];
        for (let c = 0; c < channels; c++) {
          const tl = x[topRow + l + c], tr = x[topRow + r + c], bl = x[bottomRow + l + c], br = x[bottomRow + r + c];
          const t = tl + (tr - tl) * cf, btm = bl + (br - bl) * cf;
          out[o++] = t + (btm - t) * rowFrac;
        }
      }
    }
  }
}
