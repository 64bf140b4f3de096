// The wasm backend's average pooling and resizing (assembly/spatial.ts): the forward passes
// split by output rows, nearest's and average pooling's gradients by input rows, bilinear's by images. Anything not float32 goes to the reference kernels.
import type { TypedArray } from '../../core/dtype.ts';
import type { PoolInfo, ResizeInfo } from '../backend.ts';
import * as ref from '../js/spatial.ts';
import type { WasmBackend } from './index.ts';
import { elementChunk } from './split-policy.ts';

type Buf = Float32Array;
const f32 = (...xs: TypedArray[]): boolean => xs.every((x) => x instanceof Float32Array);
/**
 * Switches for before/after measurements: nearestGather / avgPoolGather = nearest resizing's and
 * average pooling's gradients as gathers over input rows (else the scatters by images).
 */
export const spatialTuning = { nearestGather: true, avgPoolGather: true };
const poolArgs = (i: PoolInfo): number[] => [i.inH, i.inW, i.channels, i.outH, i.outW, i.poolH, i.poolW, i.strideH, i.strideW, i.padTop, i.padLeft];

export function avgPool2d(b: WasmBackend, x: TypedArray, out: TypedArray, info: PoolInfo): void {
  if (!f32(x, out)) return ref.avgPool2d(x, out, info);
  const rows = info.batch * info.outH; // output rows of all images
  b.inWasm([x as Buf], [out as Buf], ([px], [po]) => b.par('avgPool', [px, po, ...poolArgs(info)], rows, 1, elementChunk((t, a) => b.chunkOf(t, a), rows, info.inW * info.channels * info.poolH, 1)));
}

export function avgPool2dBackward(b: WasmBackend, dy: TypedArray, dx: TypedArray, info: PoolInfo): void {
  if (!f32(dy, dx)) return ref.avgPool2dBackward(dy, dx, info);
  if (!spatialTuning.avgPoolGather) return b.inWasm([dy as Buf], [dx as Buf], ([pdy], [pdx]) => b.par('avgPoolBackward', [pdy, pdx, ...poolArgs(info)], info.batch));
  // A gather over input rows of all images (each written by one thread alone), so batch 1 splits too.
  const total = info.batch * info.inH, windows = Math.ceil(info.poolH / info.strideH) * Math.ceil(info.poolW / info.strideW);
  b.inWasm([dy as Buf], [dx as Buf], ([pdy], [pdx]) =>
    b.par('avgPoolGather', [pdy, pdx, ...poolArgs(info)], total, 1, elementChunk((t, a) => b.chunkOf(t, a), total, info.inW * info.channels * windows, 1)));
}

/** The resize's source taps (i32 lo, i32 hi, f32 weight of hi per output row / column) in scratch. */
function resizeTaps(b: WasmBackend, inSize: number, outSize: number, bilinear: boolean): number {
  const at = b.scratch(outSize * 12);
  const { lo, hi, frac } = ref.resizeTaps(inSize, outSize, bilinear);
  const ints = b.mem.i32(at, outSize * 3), floats = b.mem.f32(at, outSize * 3);
  for (let i = 0; i < outSize; i++) { ints[3 * i] = lo[i]; ints[3 * i + 1] = hi[i]; floats[3 * i + 2] = frac[i]; }
  return at;
}

function resizeJob(b: WasmBackend, name: 'resize' | 'resizeBackward', src: TypedArray, dst: TypedArray, info: ResizeInfo): void {
  const { batch, inH, inW, channels, outH, outW, bilinear } = info;
  b.inWasm([src as Buf], [dst as Buf], ([ps], [pd]) => {
    const rows = resizeTaps(b, inH, outH, bilinear), cols = resizeTaps(b, inW, outW, bilinear);
    const args = [ps, pd, rows, cols, inH, inW, channels, outH, outW, bilinear ? 0 : 1];
    // The forward pass over output rows (split-policy.ts: small ones on the calling thread); the backward one adds into dx, by images.
    if (name === 'resize') b.par(name, args, batch * outH, 1, elementChunk((t, a) => b.chunkOf(t, a), batch * outH, outW * channels, 1));
    else b.par(name, args, batch);
  });
}

export function resize(b: WasmBackend, x: TypedArray, out: TypedArray, info: ResizeInfo): void {
  if (!f32(x, out)) return ref.resize(x, out, info);
  resizeJob(b, 'resize', x, out, info);
}


/**
 * For each source index (0..inSize) the span [first, end) of output indices whose nearest
 * source it is, as i32 pairs in scratch (the taps are non-decreasing, so each span is one run).
 */
function nearestSpans(b: WasmBackend, inSize: number, outSize: number): number {
  const at = b.scratch(inSize * 8), spans = b.mem.i32(at, inSize * 2), { lo } = ref.resizeTaps(inSize, outSize, false);
  spans.fill(0);
  for (let o = outSize - 1; o >= 0; o--) { spans[2 * lo[o]] = o; if (spans[2 * lo[o] + 1] === 0) spans[2 * lo[o] + 1] = o + 1; }
  return at;
}

export function resizeBackward(b: WasmBackend, dy: TypedArray, dx: TypedArray, info: ResizeInfo): void {
  if (!f32(dy, dx)) return ref.resizeBackward(dy, dx, info);
  if (info.bilinear || !spatialTuning.nearestGather) return resizeJob(b, 'resizeBackward', dy, dx, info);
  const { batch, inH, inW, channels, outH, outW } = info;
  b.inWasm([dy as Buf], [dx as Buf], ([pdy], [pdx]) => {
    const rows = nearestSpans(b, inH, outH), cols = nearestSpans(b, inW, outW), total = batch * inH;
    // Over input rows of all images (each written by one thread alone), so batch 1 splits too.
    b.par('resizeNearestGather', [pdy, pdx, rows, cols, inH, inW, channels, outH, outW], total, 1,
      elementChunk((t, a) => b.chunkOf(t, a), total, Math.max(1, outH / inH) * outW * channels, 1));
  });
}
