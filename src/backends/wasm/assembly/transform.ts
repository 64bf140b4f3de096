// Projective image transforms (tf.image.transform, ImageProjectiveTransformV3) of NHWC images,
// as the reference kernel computes them (src/backends/js/image-transform.ts): the source point
// of each output pixel and its fill-mode mapping in f64, so both kernels pick the same taps,
// then the taps' channels blended four at a time.
// flags: bit 0 bilinear, bits 1-2 the fill mode (MODE_*), bit 3 one transform for every image.
// fill: the constant mode's fill value as f32 bits (job arguments reach threads as i32).

const MODE_REFLECT = 0, MODE_WRAP = 1, MODE_CONSTANT = 2, MODE_NEAREST = 3;

// @ts-ignore: decorator
@inline function clampTo(v: f64, len: i32): f64 { return min(max(v, 0), <f64>(len - 1)); }

// JavaScript's Math.round (halves go up), which the reference kernel uses for nearest sampling.
// @ts-ignore: decorator
@inline function roundHalfUp(v: f64): f64 {
  const up = Math.ceil(v);
  return up - 0.5 > v ? up - 1 : up;
}

// A source coordinate mapped into [0, len - 1]; constant mode leaves it (reads outside give the fill).
function mapCoordinate(c: f64, len: i32, mode: i32): f64 {
  if (mode == MODE_CONSTANT) return c;
  if (mode == MODE_NEAREST) return clampTo(c, len);
  const n = <f64>len;
  if (len <= 1) return c < 0 || c > n - 1 ? 0 : c;
  if (mode == MODE_REFLECT) {
    const sz2 = 2 * n;
    if (c < 0) {
      if (c < -sz2) c = sz2 * Math.trunc(-c / sz2) + c;
      c = c < -n ? c + sz2 : -c - 1;
    } else if (c > n - 1) {
      c -= sz2 * Math.trunc(c / sz2);
      if (c >= n) c = sz2 - c - 1;
    }
    return clampTo(c, len);
  }
  const sz = n - 1; // wrap, with TensorFlow's arithmetic
  if (c < 0) c += n * (Math.trunc(-c / sz) + 1);
  else if (c > n - 1) c -= n * Math.trunc(c / sz);
  return clampTo(c, len);
}

// The pixel (row y, column x) of image b: its byte offset, or -1 outside (compared in f64, so a
// NaN or huge coordinate never reaches an integer conversion).
// @ts-ignore: decorator
@inline function pixel(b: i32, y: f64, x: f64, inH: i32, inW: i32, C: i32): i32 {
  if (!(y >= 0 && y < <f64>inH && x >= 0 && x < <f64>inW)) return -1;
  return (((b * inH + <i32>y) * inW + <i32>x) * C) << 2;
}

// Up to four taps of one output pixel: byte offsets (-1 outside) and weights. Returns how many.
// Kept in module globals: each thread has its own instance, so its own copies.
let t0: i32 = 0, t1: i32 = 0, t2: i32 = 0, t3: i32 = 0;
let w0: f64 = 0, w1: f64 = 0, w2: f64 = 0, w3: f64 = 0;

// @ts-ignore: decorator
@inline function taps(tr: usize, b: i32, ox: i32, oy: i32, inH: i32, inW: i32, C: i32, flags: i32): i32 {
  const a0 = <f64>load<f32>(tr), a1 = <f64>load<f32>(tr, 4), a2 = <f64>load<f32>(tr, 8);
  const b0 = <f64>load<f32>(tr, 12), b1 = <f64>load<f32>(tr, 16), b2 = <f64>load<f32>(tr, 20);
  const c0 = <f64>load<f32>(tr, 24), c1 = <f64>load<f32>(tr, 28);
  const fx = <f64>ox, fy = <f64>oy;
  const k = c0 * fx + c1 * fy + 1;
  if (k == 0) return 0;
  const mode = (flags >> 1) & 3;
  const x = mapCoordinate((a0 * fx + a1 * fy + a2) / k, inW, mode);
  const y = mapCoordinate((b0 * fx + b1 * fy + b2) / k, inH, mode);
  if (!(flags & 1)) {
    t0 = pixel(b, roundHalfUp(y), roundHalfUp(x), inH, inW, C); w0 = 1;
    return 1;
  }
  const xf = Math.floor(x), yf = Math.floor(y), dx = x - xf, dy = y - yf;
  t0 = pixel(b, yf, xf, inH, inW, C); w0 = (1 - dy) * (1 - dx);
  t1 = pixel(b, yf, xf + 1, inH, inW, C); w1 = (1 - dy) * dx;
  t2 = pixel(b, yf + 1, xf, inH, inW, C); w2 = dy * (1 - dx);
  t3 = pixel(b, yf + 1, xf + 1, inH, inW, C); w3 = dy * dx;
  return 4;
}

// Output rows [r0, r1) of all images (row r = image r / outH, row r % outH).
export function imageTransform(x: usize, transforms: usize, out: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  flags: i32, fillBits: i32, r0: i32, r1: i32): void {
  const fill = reinterpret<f32>(fillBits), c4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const b = r / outH, oy = r - b * outH;
    const tr = transforms + (flags & 8 ? 0 : <usize>b * 32);
    for (let ox = 0; ox < outW; ox++) {
      const po = out + (<usize>((r * outW + ox) * C) << 2);
      const n = taps(tr, b, ox, oy, inH, inW, C, flags);
      if (n == 0) { for (let c = 0; c < C; c++) store<f32>(po + (<usize>c << 2), fill); continue; }
      if (n == 1) {
        if (t0 < 0) { for (let c = 0; c < C; c++) store<f32>(po + (<usize>c << 2), fill); continue; }
        const pi = x + <usize>t0;
        let c = 0;
        for (; c < c4; c += 4) v128.store(po + (<usize>c << 2), v128.load(pi + (<usize>c << 2)));
        for (; c < C; c++) store<f32>(po + (<usize>c << 2), load<f32>(pi + (<usize>c << 2)));
        continue;
      }
      // A tap outside the image adds weight * fill; inside, weight * its channels.
      let constant: f64 = 0;
      if (t0 < 0) { constant += w0 * <f64>fill; w0 = 0; t0 = 0; }
      if (t1 < 0) { constant += w1 * <f64>fill; w1 = 0; t1 = 0; }
      if (t2 < 0) { constant += w2 * <f64>fill; w2 = 0; t2 = 0; }
      if (t3 < 0) { constant += w3 * <f64>fill; w3 = 0; t3 = 0; }
      const p0 = x + <usize>t0, p1 = x + <usize>t1, p2 = x + <usize>t2, p3 = x + <usize>t3;
      const v0 = f32x4.splat(<f32>w0), v1 = f32x4.splat(<f32>w1), v2 = f32x4.splat(<f32>w2), v3 = f32x4.splat(<f32>w3);
      const vk = f32x4.splat(<f32>constant);
      let c = 0;
      for (; c < c4; c += 4) {
        const o = <usize>c << 2;
        let s = f32x4.add(vk, f32x4.mul(v128.load(p0 + o), v0));
        s = f32x4.add(s, f32x4.mul(v128.load(p1 + o), v1));
        s = f32x4.add(s, f32x4.mul(v128.load(p2 + o), v2));
        v128.store(po + o, f32x4.add(s, f32x4.mul(v128.load(p3 + o), v3)));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const s = constant + w0 * <f64>load<f32>(p0 + o) + w1 * <f64>load<f32>(p1 + o) + w2 * <f64>load<f32>(p2 + o) + w3 * <f64>load<f32>(p3 + o);
        store<f32>(po + o, <f32>s);
      }
    }
  }
}

// The adjoint in the image for images [n0, n1): dx (zeroed here) receives each output's gradient
// on its taps by their weights. Taps never leave their image, so threads own disjoint images.
export function imageTransformBackward(dy: usize, transforms: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  flags: i32, n0: i32, n1: i32): void {
  const c4 = C & ~3;
  memory.fill(dx + (<usize>(n0 * inH * inW * C) << 2), 0, <usize>((n1 - n0) * inH * inW * C) << 2);
  for (let b = n0; b < n1; b++) {
    const tr = transforms + (flags & 8 ? 0 : <usize>b * 32);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const pg = dy + (<usize>(((b * outH + oy) * outW + ox) * C) << 2);
        const n = taps(tr, b, ox, oy, inH, inW, C, flags);
        for (let k = 0; k < n; k++) {
          const t = k == 0 ? t0 : k == 1 ? t1 : k == 2 ? t2 : t3;
          if (t < 0) continue;
          const w = <f32>(k == 0 ? w0 : k == 1 ? w1 : k == 2 ? w2 : w3), vw = f32x4.splat(w);
          const pd = dx + <usize>t;
          let c = 0;
          for (; c < c4; c += 4) {
            const o = <usize>c << 2;
            v128.store(pd + o, f32x4.add(v128.load(pd + o), f32x4.mul(v128.load(pg + o), vw)));
          }
          for (; c < C; c++) store<f32>(pd + (<usize>c << 2), load<f32>(pd + (<usize>c << 2)) + load<f32>(pg + (<usize>c << 2)) * w);
        }
      }
    }
  }
}
