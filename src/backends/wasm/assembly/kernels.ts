// WebAssembly kernels, written in AssemblyScript with 128-bit SIMD. All pointers are byte
// offsets into the one (imported) memory; all data is f32 unless named otherwise.
// The GEMM is the workhorse: convolutions become im2col + GEMM (and GEMM + col2im).

// Rows of im2col (or of its gradient) handled at a time by the fused convolution kernels:
// 128 rows of up to a few hundred floats stay in the core's L2 cache between the two halves.
const PANEL = 256;

// Where an accumulator starts: the bias (when there is one) for columns [j, j + 4), else zero.
// @ts-ignore: decorator
@inline function initial(bias: usize, j: i32): v128 {
  return bias ? v128.load(bias + (<usize>j << 2)) : f32x4.splat(0);
}

// a * b + c: one fused instruction where the runtime has relaxed SIMD (decided when compiling).
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// C[m, n] = A[m, k] * B[k, n] (+ bias[n] when bias != 0), with A read through strides:
// A(i, p) = a[i*ars + p*acs]. B and C are row-major. Rows [row0, row1) only, so threads can
// split the work.
export function gemm(a: usize, ars: i32, acs: i32, b: usize, c: usize, m: i32, k: i32, n: i32, bias: usize, row0: i32, row1: i32): void {
  const n8 = n & ~7;
  const n4 = n & ~3;
  const aStep = <usize>acs << 2;
  const bStep = <usize>n << 2;
  let i = row0;
  // 4 rows x 8 columns at a time: 8 accumulators, 2 B vectors and 4 A splats fit V8's 16 registers.
  for (; i + 4 <= row1; i += 4) {
    const pa = a + (<usize>(i * ars) << 2);
    const rs = <usize>ars << 2;
    for (let j = 0; j < n8; j += 8) {
      const i0 = initial(bias, j), i1 = initial(bias, j + 4);
      let c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;
      let pb = b + (<usize>j << 2);
      let p0 = pa;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const a0 = f32x4.splat(load<f32>(p0));
        const a1 = f32x4.splat(load<f32>(p0 + rs));
        const a2 = f32x4.splat(load<f32>(p0 + 2 * rs));
        const a3 = f32x4.splat(load<f32>(p0 + 3 * rs));
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
        c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
        c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
        pb += bStep;
        p0 += aStep;
      }
      const pc = c + (<usize>(i * n + j) << 2);
      const cs = <usize>n << 2;
      v128.store(pc, c00); v128.store(pc, c01, 16);
      v128.store(pc + cs, c10); v128.store(pc + cs, c11, 16);
      v128.store(pc + 2 * cs, c20); v128.store(pc + 2 * cs, c21, 16);
      v128.store(pc + 3 * cs, c30); v128.store(pc + 3 * cs, c31, 16);
    }
    for (let r = 0; r < 4; r++) gemmTail(a, ars, acs, b, c, k, n, bias, i + r, n8);
  }
  for (; i < row1; i++) {
    // One row: 4 columns per vector.
    const pa = a + (<usize>(i * ars) << 2);
    for (let j = 0; j < n4; j += 4) {
      let acc = initial(bias, j);
      let pb = b + (<usize>j << 2);
      let p0 = pa;
      for (let p = 0; p < k; p++) {
        acc = madd(f32x4.splat(load<f32>(p0)), v128.load(pb), acc);
        pb += bStep;
        p0 += aStep;
      }
      v128.store(c + (<usize>(i * n + j) << 2), acc);
    }
    gemmTail(a, ars, acs, b, c, k, n, bias, i, n4);
  }
}

// C[m, n] = A^T B for A [k, m] and B [k, n], both row-major: the filter gradient's shape
// (m and n small, k long). Threads split k: the share [k0, k1) writes its own partial C at
// c + (k0 / chunk) * m * n floats, which the caller sums. k is walked in blocks so that the
// block of A stays in cache while every C tile passes over it.
export function gemmAtB(a: usize, b: usize, c: usize, m: i32, n: i32, chunk: i32, k0: i32, k1: i32): void {
  c += <usize>((k0 / chunk) * m * n) << 2;
  for (let p0 = k0; p0 < k1; p0 += PANEL) {
    const p1 = min(k1, p0 + PANEL);
    atbBlock(a + (<usize>(p0 * m) << 2), b + (<usize>(p0 * n) << 2), c, m, n, p1 - p0, p0 == k0);
  }
}

// C[m, n] (=, or += unless first) A^T B for one block of `rows` rows of A [rows, m] and B [rows, n].
function atbBlock(a: usize, b: usize, c: usize, m: i32, n: i32, rows: i32, first: bool): void {
  const n8 = n & ~7;
  const aStep = <usize>m << 2, bStep = <usize>n << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    for (let j = 0; j < n8; j += 8) {
      const pc = c + (<usize>(i * n + j) << 2);
      let c00 = first ? f32x4.splat(0) : v128.load(pc), c01 = first ? f32x4.splat(0) : v128.load(pc, 16);
      let c10 = first ? f32x4.splat(0) : v128.load(pc + bStep), c11 = first ? f32x4.splat(0) : v128.load(pc + bStep, 16);
      let c20 = first ? f32x4.splat(0) : v128.load(pc + 2 * bStep), c21 = first ? f32x4.splat(0) : v128.load(pc + 2 * bStep, 16);
      let c30 = first ? f32x4.splat(0) : v128.load(pc + 3 * bStep), c31 = first ? f32x4.splat(0) : v128.load(pc + 3 * bStep, 16);
      let pa = a + (<usize>i << 2);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < rows; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const av = v128.load(pa);
        const a0 = f32x4.splat(f32x4.extract_lane(av, 0)), a1 = f32x4.splat(f32x4.extract_lane(av, 1));
        const a2 = f32x4.splat(f32x4.extract_lane(av, 2)), a3 = f32x4.splat(f32x4.extract_lane(av, 3));
        c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
        c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
        c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
        c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
        pa += aStep;
        pb += bStep;
      }
      v128.store(pc, c00); v128.store(pc, c01, 16);
      v128.store(pc + bStep, c10); v128.store(pc + bStep, c11, 16);
      v128.store(pc + 2 * bStep, c20); v128.store(pc + 2 * bStep, c21, 16);
      v128.store(pc + 3 * bStep, c30); v128.store(pc + 3 * bStep, c31, 16);
    }
    for (let r = 0; r < 4; r++) atbTail(a, b, c, m, n, i + r, n8, 0, rows, first);
  }
  for (; i < m; i++) atbTail(a, b, c, m, n, i, 0, 0, rows, first);
}

// Row i of C over columns [j0, n): eight columns per step in two vectors, then singles.
function atbTail(a: usize, b: usize, c: usize, m: i32, n: i32, i: i32, j0: i32, p0: i32, p1: i32, first: bool): void {
  const aStep = <usize>m << 2, bStep = <usize>n << 2;
  let j = j0;
  for (; j + 8 <= n; j += 8) {
    const pc = c + (<usize>(i * n + j) << 2);
    let c0 = first ? f32x4.splat(0) : v128.load(pc), c1 = first ? f32x4.splat(0) : v128.load(pc, 16);
    let pa = a + (<usize>(p0 * m + i) << 2), pb = b + (<usize>(p0 * n + j) << 2);
    for (let p = p0; p < p1; p++) {
      const av = f32x4.splat(load<f32>(pa));
      c0 = madd(av, v128.load(pb), c0); c1 = madd(av, v128.load(pb, 16), c1);
      pa += aStep;
      pb += bStep;
    }
    v128.store(pc, c0); v128.store(pc, c1, 16);
  }
  for (; j < n; j++) {
    const pc = c + (<usize>(i * n + j) << 2);
    let s: f32 = first ? 0 : load<f32>(pc);
    for (let p = p0; p < p1; p++) s += load<f32>(a + (<usize>(p * m + i) << 2)) * load<f32>(b + (<usize>(p * n + j) << 2));
    store<f32>(pc, s);
  }
}

// Columns [j0, n) of row i, one at a time.
function gemmTail(a: usize, ars: i32, acs: i32, b: usize, c: usize, k: i32, n: i32, bias: usize, i: i32, j0: i32): void {
  for (let j = j0; j < n; j++) {
    let s: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
    for (let p = 0; p < k; p++) s += load<f32>(a + (<usize>(i * ars + p * acs) << 2)) * load<f32>(b + (<usize>(p * n + j) << 2));
    store<f32>(c + (<usize>(i * n + j) << 2), s);
  }
}

// Rows [row0, row1) of the im2col matrix of an NHWC input: row (n, oh, ow) holds the
// kh*kw*c input values under the kernel, zeros where the kernel hangs over the padding.
export function im2col(x: usize, cols: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, row0: i32, row1: i32): void {
  im2colInto(x, cols + (<usize>(row0 * kH * kW * inC) << 2), inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, row0, row1);
}

// The same, writing row row0 at `out`.
function im2colInto(x: usize, out: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC;
  const cBytes = <usize>inC << 2;
  const runBytes = <usize>(kW * inC) << 2;
  for (let row = row0; row < row1; row++) {
    const ow = row % outW, t = row / outW;
    const oh = t % outH, n = t / outH;
    const ih0 = oh * sH - padTop, iw0 = ow * sW - padLeft;
    let dst = out + (<usize>(row - row0) * <usize>K << 2);
    if (iw0 >= 0 && iw0 + kW <= inW) {
      // In NHWC, one kernel row's pixels sit side by side: one run of kW*inC floats per row.
      for (let kh = 0; kh < kH; kh++) {
        const ih = ih0 + kh;
        if (<u32>ih >= <u32>inH) zeroFloats(dst, runBytes);
        else copyFloats(dst, x + (<usize>(((n * inH + ih) * inW + iw0) * inC) << 2), runBytes);
        dst += runBytes;
      }
      continue;
    }
    for (let kh = 0; kh < kH; kh++) {
      const ih = ih0 + kh;
      for (let kw = 0; kw < kW; kw++) {
        const iw = iw0 + kw;
        if (<u32>ih >= <u32>inH || <u32>iw >= <u32>inW) zeroFloats(dst, cBytes);
        else copyFloats(dst, x + (<usize>(((n * inH + ih) * inW + iw) * inC) << 2), cBytes);
        dst += cBytes;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, bytes: usize): void {
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, f32x4.splat(0));
  for (; o < bytes; o += 4) store<f32>(dst + o, 0);
}

// Copies a short run of floats: vectors while 4 remain, then singles (memory.copy costs more
// than the copy itself at these sizes).
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, bytes: usize): void {
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

// The adjoint of im2col for images [n0, n1): dx (zeroed here) gathers every column value back
// onto the input pixel it came from. Whole images per call, so threads never write the same pixel.
export function col2im(cols: usize, dx: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, n0: i32, n1: i32): void {
  const image = <usize>(inH * inW * inC) << 2;
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  const r0 = n0 * outH * outW;
  col2imFrom(cols + (<usize>(r0 * kH * kW * inC) << 2), dx, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, r0, n1 * outH * outW);
}

// Adds rows [row0, row1) of an im2col-shaped gradient (row row0 at `src`) onto dx.
function col2imFrom(src: usize, dx: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, row0: i32, row1: i32): void {
  const c4 = inC & ~3;
  for (let row = row0; row < row1; row++) {
    const ow = row % outW, t = row / outW;
    const oh = t % outH, n = t / outH;
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - padTop + kh;
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - padLeft + kw;
        if (<u32>ih < <u32>inH && <u32>iw < <u32>inW) {
          const dst = dx + (<usize>(((n * inH + ih) * inW + iw) * inC) << 2);
          let ch = 0;
          for (; ch < c4; ch += 4) {
            const o = <usize>ch << 2;
            v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
          }
          for (; ch < inC; ch++) {
            const o = <usize>ch << 2;
            store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
          }
        }
        src += <usize>inC << 2;
      }
    }
  }
}

// --- Fused convolution kernels: im2col and GEMM (or GEMM and col2im) a panel of rows at a
// time, so the column matrix never leaves the cache. `panels` holds one panel per thread;
// a share's thread is its start / chunk.

// Forward: out = im2col(x) @ w (+ bias), output rows [row0, row1).
export function convGemm(x: usize, w: usize, bias: usize, out: usize, panels: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, chunk: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC;
  const panel = panels + (<usize>((row0 / chunk) * PANEL * K) << 2);
  for (let p0 = row0; p0 < row1; p0 += PANEL) {
    const rows = min(PANEL, row1 - p0);
    im2colInto(x, panel, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, p0, p0 + rows);
    gemm(panel, K, 1, w, out + (<usize>(p0 * outC) << 2), rows, K, outC, bias, 0, rows);
  }
}

// Filter gradient: partial dW [K, outC] += im2col(x)^T @ dy over rows [row0, row1), written
// at partials + thread * K * outC floats (the caller sums the partials).
export function convFilterGrad(x: usize, dy: usize, partials: usize, panels: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, chunk: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC, t = row0 / chunk;
  const panel = panels + (<usize>(t * PANEL * K) << 2), dw = partials + (<usize>(t * K * outC) << 2);
  for (let p0 = row0; p0 < row1; p0 += PANEL) {
    const rows = min(PANEL, row1 - p0);
    im2colInto(x, panel, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, p0, p0 + rows);
    atbBlock(panel, dy + (<usize>(p0 * outC) << 2), dw, K, outC, rows, p0 == row0);
  }
}

// Input gradient for images [n0, n1): dx = col2im(dy @ W^T), a panel of rows at a time.
// wT is the kernel transposed to [outC, K].
export function convInputGrad(dy: usize, wT: usize, dx: usize, panels: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, chunk: i32, n0: i32, n1: i32): void {
  const K = kH * kW * inC;
  const panel = panels + (<usize>((n0 / chunk) * PANEL * K) << 2);
  const image = <usize>(inH * inW * inC) << 2;
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  const r1 = n1 * outH * outW;
  for (let p0 = n0 * outH * outW; p0 < r1; p0 += PANEL) {
    const rows = min(PANEL, r1 - p0);
    gemm(dy + (<usize>(p0 * outC) << 2), outC, 1, wT, panel, rows, outC, K, 0, 0, rows);
    col2imFrom(panel, dx, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, p0, p0 + rows);
  }
}

// out[r, c] = x[r, c] + bias[c] for rows [row0, row1) of a [rows, cols] matrix.
export function addRow(x: usize, bias: usize, out: usize, cols: i32, row0: i32, row1: i32): void {
  const c4 = cols & ~3;
  for (let r = row0; r < row1; r++) {
    const px = x + (<usize>(r * cols) << 2), po = out + (<usize>(r * cols) << 2);
    let j = 0;
    for (; j < c4; j += 4) v128.store(po + (<usize>j << 2), f32x4.add(v128.load(px + (<usize>j << 2)), v128.load(bias + (<usize>j << 2))));
    for (; j < cols; j++) store<f32>(po + (<usize>j << 2), load<f32>(px + (<usize>j << 2)) + load<f32>(bias + (<usize>j << 2)));
  }
}

// out[c] = sum over rows of x[r, c], for columns [col0, col1) (col0 a multiple of 4).
export function sumRows(x: usize, out: usize, rows: i32, cols: i32, col0: i32, col1: i32): void {
  let j = col0;
  for (; j + 4 <= col1; j += 4) {
    let acc = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let r = 0; r < rows; r++) { acc = f32x4.add(acc, v128.load(p)); p += <usize>cols << 2; }
    v128.store(out + (<usize>j << 2), acc);
  }
  for (; j < col1; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(x + (<usize>(r * cols + j) << 2));
    store<f32>(out + (<usize>j << 2), s);
  }
}

// Max pooling over images [n0, n1); argmax (i32) keeps the flat input index of each max.
// Four channels at a time: a compare mask selects both the larger values and their indices.
export function maxPool(x: usize, out: usize, argmax: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, n0: i32, n1: i32): void {
  const c4 = C & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const h0 = max(oh * sH - padTop, 0), h1 = min(oh * sH - padTop + pH, inH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = max(ow * sW - padLeft, 0), w1 = min(ow * sW - padLeft + pW, inW);
        const o = ((n * outH + oh) * outW + ow) * C;
        let c = 0;
        for (; c < c4; c += 4) {
          let best = f32x4.splat(-Infinity);
          let at = i32x4.splat(-1);
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const xi = ((n * inH + ih) * inW + iw) * C + c;
              const v = v128.load(x + (<usize>xi << 2));
              // Take v where it is larger, or where nothing was taken yet (NaN and -Infinity inputs).
              const take = v128.or(f32x4.gt(v, best), i32x4.eq(at, i32x4.splat(-1)));
              best = v128.bitselect(v, best, take);
              at = v128.bitselect(i32x4.add(i32x4.splat(xi), lanes), at, take);
            }
          }
          v128.store(out + (<usize>(o + c) << 2), best);
          v128.store(argmax + (<usize>(o + c) << 2), at);
        }
        for (; c < C; c++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const xi = ((n * inH + ih) * inW + iw) * C + c;
              const v = load<f32>(x + (<usize>xi << 2));
              if (v > best || at < 0) { best = v; at = xi; }
            }
          }
          store<f32>(out + (<usize>(o + c) << 2), best);
          store<i32>(argmax + (<usize>(o + c) << 2), at);
        }
      }
    }
  }
}

// dx (zeroed here for images [n0, n1)) receives each output gradient at its argmax.
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, inSize: i32, outSize: i32, n0: i32, n1: i32): void {
  memory.fill(dx + (<usize>(n0 * inSize) << 2), 0, <usize>((n1 - n0) * inSize) << 2);
  for (let o = n0 * outSize; o < n1 * outSize; o++) {
    const at = <usize>load<i32>(argmax + (<usize>o << 2)) << 2;
    store<f32>(dx + at, load<f32>(dx + at) + load<f32>(dy + (<usize>o << 2)));
  }
}

// The same when the windows tile the input exactly (stride = pool size, no padding, C a
// multiple of 4): every input pixel belongs to one window, so dx is written once, in order,
// as dy where the argmax points and zero elsewhere (no zeroing pass, no scattered adds).
export function maxPoolBackwardTiled(dy: usize, argmax: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  pH: i32, pW: i32, n0: i32, n1: i32): void {
  const lanes = i32x4(0, 1, 2, 3);
  for (let n = n0; n < n1; n++) {
    for (let ih = 0; ih < inH; ih++) {
      const oh = ih / pH;
      for (let iw = 0; iw < inW; iw++) {
        const ow = iw / pW;
        const xi = ((n * inH + ih) * inW + iw) * C;
        const o = ((n * outH + oh) * outW + ow) * C;
        for (let c = 0; c < C; c += 4) {
          const hit = i32x4.eq(v128.load(argmax + (<usize>(o + c) << 2)), i32x4.add(i32x4.splat(xi + c), lanes));
          v128.store(dx + (<usize>(xi + c) << 2), v128.and(v128.load(dy + (<usize>(o + c) << 2)), hit));
        }
      }
    }
  }
}

// Direct convolution as an implicit GEMM: the GEMM's 4x8 register tile, with the four A rows
// read straight from the image (no im2col matrix). Output rows [row0, row1) of the flattened
// [n*outH*outW, outC] output. `zeros` points at inC zero floats that stand in for padding.
export function conv(x: usize, w: usize, bias: usize, out: usize, zeros: usize, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32, row0: i32, row1: i32): void {
  const n8 = outC & ~7;
  const wStep = <usize>outC << 2;
  let row = row0;
  for (; row + 4 <= row1; row += 4) {
    // Where each of the four output pixels' windows starts in the input (top-left corner).
    const o0 = origin(row, outH, outW, sH, sW, padTop, padLeft), o1 = origin(row + 1, outH, outW, sH, sW, padTop, padLeft);
    const o2 = origin(row + 2, outH, outW, sH, sW, padTop, padLeft), o3 = origin(row + 3, outH, outW, sH, sW, padTop, padLeft);
    for (let j = 0; j < n8; j += 8) {
      const i0 = initial(bias, j), i1 = initial(bias, j + 4);
      let c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          const p0 = tap(x, zeros, o0, kh, kw, inH, inW, inC), p1 = tap(x, zeros, o1, kh, kw, inH, inW, inC);
          const p2 = tap(x, zeros, o2, kh, kw, inH, inW, inC), p3 = tap(x, zeros, o3, kh, kw, inH, inW, inC);
          let pb = w + ((<usize>((kh * kW + kw) * inC) * <usize>outC + <usize>j) << 2);
          for (let c = 0; c < inC; c++) {
            const o = <usize>c << 2;
            const b0 = v128.load(pb), b1 = v128.load(pb, 16);
            const a0 = f32x4.splat(load<f32>(p0 + o)), a1 = f32x4.splat(load<f32>(p1 + o));
            const a2 = f32x4.splat(load<f32>(p2 + o)), a3 = f32x4.splat(load<f32>(p3 + o));
            c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
            c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
            c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
            c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
            pb += wStep;
          }
        }
      }
      const pc = out + (<usize>(row * outC + j) << 2);
      v128.store(pc, c00); v128.store(pc, c01, 16);
      v128.store(pc + wStep, c10); v128.store(pc + wStep, c11, 16);
      v128.store(pc + 2 * wStep, c20); v128.store(pc + 2 * wStep, c21, 16);
      v128.store(pc + 3 * wStep, c30); v128.store(pc + 3 * wStep, c31, 16);
    }
    if (n8 < outC) for (let r = 0; r < 4; r++) convTail(x, w, bias, out, zeros, row + r, n8, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, padTop, padLeft);
  }
  for (; row < row1; row++) convTail(x, w, bias, out, zeros, row, 0, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, padTop, padLeft);
}

// An output pixel's window origin packed in an i64: image n, top row ih0, left column iw0
// (16 bits each, offset so that negative paddings fit).
// @ts-ignore: decorator
@inline function origin(row: i32, outH: i32, outW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32): i64 {
  const ow = row % outW, t = row / outW;
  const ih0 = (t % outH) * sH - padTop, iw0 = ow * sW - padLeft;
  return (<i64>(t / outH) << 32) | (<i64>(ih0 + 0x8000) << 16) | <i64>(iw0 + 0x8000);
}

// The input pixel under tap (kh, kw) of a window, or the zero pixel where it is padding.
// @ts-ignore: decorator
@inline function tap(x: usize, zeros: usize, o: i64, kh: i32, kw: i32, inH: i32, inW: i32, inC: i32): usize {
  const ih = <i32>((o >> 16) & 0xffff) - 0x8000 + kh, iw = <i32>(o & 0xffff) - 0x8000 + kw;
  if (<u32>ih >= <u32>inH || <u32>iw >= <u32>inW) return zeros;
  return x + (<usize>((<i32>(o >> 32) * inH + ih) * inW + iw) * <usize>inC << 2);
}

// Output channels [j0, outC) of one output row, one at a time.
function convTail(x: usize, w: usize, bias: usize, out: usize, zeros: usize, row: i32, j0: i32, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32): void {
  const o = origin(row, outH, outW, sH, sW, padTop, padLeft);
  for (let j = j0; j < outC; j++) {
    let s: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const p = tap(x, zeros, o, kh, kw, inH, inW, inC);
        const pw = w + ((<usize>((kh * kW + kw) * inC) * <usize>outC + <usize>j) << 2);
        for (let c = 0; c < inC; c++) s += load<f32>(p + (<usize>c << 2)) * load<f32>(pw + (<usize>(c * outC) << 2));
      }
    }
    store<f32>(out + (<usize>(row * outC + j) << 2), s);
  }
}

// Convolution fused with 2x2, stride-2 max pooling. Convolution output rows [row0, row1), whole
// pairs of image rows, are computed a panel at a time into this thread's scratch and pooled
// from there, so the convolution's output is never written out. argmax holds flat indices
// into that (unstored) output, as maxPool's do. Needs outH, outW even and outC % 4 == 0.
export function convPool(x: usize, w: usize, bias: usize, pooled: usize, argmax: usize, zeros: usize, panels: usize,
  inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, padTop: i32, padLeft: i32,
  chunk: i32, row0: i32, row1: i32): void {
  const K = kH * kW * inC, pair = 2 * outW;
  const R = max(1, PANEL / pair) * pair;
  const outPanel = panels + (<usize>((row0 / chunk) * R * (outC + K)) << 2);
  const colPanel = outPanel + (<usize>(R * outC) << 2);
  const lanes = i32x4(0, 1, 2, 3);
  const pH = outH >> 1, pW = outW >> 1, rowBytes = <usize>outC << 2;
  for (let p0 = row0; p0 < row1; p0 += R) {
    const rows = min(R, row1 - p0);
    if (inC >= 8) {
      conv(x, w, bias, outPanel - (<usize>(p0 * outC) << 2), zeros, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, padTop, padLeft, p0, p0 + rows);
    } else {
      im2colInto(x, colPanel, inH, inW, inC, outH, outW, kH, kW, sH, sW, padTop, padLeft, p0, p0 + rows);
      gemm(colPanel, K, 1, w, outPanel, rows, K, outC, bias, 0, rows);
    }
    for (let r = p0; r < p0 + rows; r += pair) {
      const n = r / (outH * outW), oh = (r / outW) % outH;
      for (let ow = 0; ow < outW; ow += 2) {
        const a = r + ow; // the window's top-left conv row; the others are +1, +outW, +outW+1
        const src = outPanel + (<usize>((a - p0) * outC) << 2);
        const dst = <usize>(((n * pH + (oh >> 1)) * pW + (ow >> 1)) * outC) << 2;
        for (let c = 0; c < outC; c += 4) {
          const o = <usize>c << 2;
          let best = v128.load(src + o);
          let at = i32x4.add(i32x4.splat(a * outC + c), lanes);
          let v = v128.load(src + rowBytes + o);
          let take = f32x4.gt(v, best);
          best = v128.bitselect(v, best, take); at = v128.bitselect(i32x4.add(i32x4.splat((a + 1) * outC + c), lanes), at, take);
          v = v128.load(src + <usize>outW * rowBytes + o);
          take = f32x4.gt(v, best);
          best = v128.bitselect(v, best, take); at = v128.bitselect(i32x4.add(i32x4.splat((a + outW) * outC + c), lanes), at, take);
          v = v128.load(src + <usize>(outW + 1) * rowBytes + o);
          take = f32x4.gt(v, best);
          best = v128.bitselect(v, best, take); at = v128.bitselect(i32x4.add(i32x4.splat((a + outW + 1) * outC + c), lanes), at, take);
          v128.store(pooled + dst + o, best);
          v128.store(argmax + dst + o, at);
        }
      }
    }
  }
}

// The filter gradient of a 3x3, stride-1 convolution of a one-channel image (a first layer
// on grayscale pictures), where the im2col GEMM has K = 9 and runs poorly. Images [n0, n1)
// are copied into zero-bordered scratch images (`chunk` per thread), then for every four
// output channels the nine taps' sums stay in registers over all their pixels. Writes
// partial dW [9, outC] at partials + (n0 / chunk) * 9 * outC floats (outC % 4 == 0).
export function convFilterGrad3x3C1(x: usize, dy: usize, partials: usize, pads: usize, inH: i32, inW: i32, outH: i32, outW: i32, outC: i32,
  padTop: i32, padLeft: i32, chunk: i32, n0: i32, n1: i32): void {
  const Hp = outH + 2, Wp = outW + 2;
  const slot = n0 / chunk;
  const pad = pads + (<usize>(slot * chunk * Hp * Wp) << 2);
  const dw = partials + (<usize>(slot * 9 * outC) << 2);
  const row = <usize>Wp << 2;
  for (let n = n0; n < n1; n++) {
    padImage(x + (<usize>(n * inH * inW) << 2), pad + (<usize>((n - n0) * Hp * Wp) << 2), inH, inW, Hp, Wp, padTop, padLeft);
  }
  for (let c = 0; c < outC; c += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
    let a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
    for (let n = n0; n < n1; n++) {
      let pdy = dy + (<usize>(n * outH * outW * outC + c) << 2);
      const img = pad + (<usize>((n - n0) * Hp * Wp) << 2);
      for (let oh = 0; oh < outH; oh++) {
        let p = img + (<usize>(oh * Wp) << 2);
        for (let ow = 0; ow < outW; ow++) {
          const g = v128.load(pdy);
          a0 = madd(f32x4.splat(load<f32>(p)), g, a0); a1 = madd(f32x4.splat(load<f32>(p, 4)), g, a1); a2 = madd(f32x4.splat(load<f32>(p, 8)), g, a2);
          a3 = madd(f32x4.splat(load<f32>(p + row)), g, a3); a4 = madd(f32x4.splat(load<f32>(p + row, 4)), g, a4); a5 = madd(f32x4.splat(load<f32>(p + row, 8)), g, a5);
          a6 = madd(f32x4.splat(load<f32>(p + 2 * row)), g, a6); a7 = madd(f32x4.splat(load<f32>(p + 2 * row, 4)), g, a7); a8 = madd(f32x4.splat(load<f32>(p + 2 * row, 8)), g, a8);
          p += 4;
          pdy += <usize>outC << 2;
        }
      }
    }
    const o = dw + (<usize>c << 2), s = <usize>outC << 2;
    v128.store(o, a0); v128.store(o + s, a1); v128.store(o + 2 * s, a2);
    v128.store(o + 3 * s, a3); v128.store(o + 4 * s, a4); v128.store(o + 5 * s, a5);
    v128.store(o + 6 * s, a6); v128.store(o + 7 * s, a7); v128.store(o + 8 * s, a8);
  }
}

// Copies one [inH, inW] image into the middle of a zeroed [Hp, Wp] one.
function padImage(src: usize, dst: usize, inH: i32, inW: i32, Hp: i32, Wp: i32, padTop: i32, padLeft: i32): void {
  memory.fill(dst, 0, <usize>(Hp * Wp) << 2);
  for (let i = 0; i < inH; i++) {
    const r = i + padTop;
    if (r < 0 || r >= Hp) continue;
    for (let j = 0; j < inW; j++) {
      const col = j + padLeft;
      if (col >= 0 && col < Wp) store<f32>(dst + (<usize>(r * Wp + col) << 2), load<f32>(src + (<usize>(i * inW + j) << 2)));
    }
  }
}

// Adam, in place: m, v updated, then w -= lr * (m / c1) / (sqrt(v / c2) + epsilon), with
// c1 = 1 - beta1^t and c2 = 1 - beta2^t (TensorFlow.js's form).
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), nb1 = f32x4.splat(1 - beta1), nb2 = f32x4.splat(1 - beta2);
  const ic1 = f32x4.splat(1 / c1), ic2 = f32x4.splat(1 / c2), eps = f32x4.splat(epsilon), rate = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(nb1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(nb2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const step = f32x4.div(f32x4.mul(rate, f32x4.mul(mv, ic1)), f32x4.add(f32x4.sqrt(f32x4.mul(vv, ic2)), eps));
    v128.store(w + o, f32x4.sub(v128.load(w + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, load<f32>(w + o) - (lr * (mv / c1)) / (Mathf.sqrt(vv / c2) + epsilon));
  }
}
