// TF.js's ops that move blocks of values between axes, composed from reshape, transpose, pad,
// slice and gather (so each differentiates and compiles like them): mirrorPad, depthToSpace
// (the sub-pixel upsampling of super-resolution nets), spaceToBatchND, batchToSpaceND and stridedSlice.
import type { Tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { reshape, slice, transpose } from './layout.ts';
import { pad } from './spatial.ts';
import { gather, reverse } from './indexing.ts';

/**
 * TF.js's tf.mirrorPad(x, paddings, mode): each axis extended by its own mirror image,
 * 'reflect' without the edge value (padding at most size - 1), 'symmetric' with it (at most size).
 */
export function mirrorPad(x: Tensor, paddings: [number, number][], mode: 'reflect' | 'symmetric'): Tensor {
  if (mode !== 'reflect' && mode !== 'symmetric') throw new Error(`mirrorPad: mode must be 'reflect' or 'symmetric', got ${JSON.stringify(mode)}`);
  if (!Array.isArray(paddings) || paddings.length !== x.rank) throw new Error(`mirrorPad: paddings need ${x.rank} [before, after] pairs for shape ${formatShape(x.shape)}, got ${JSON.stringify(paddings)}`);
  const edge = mode === 'reflect' ? 1 : 0;
  let y = x;
  paddings.forEach(([before, after], axis) => {
    const n = x.shape[axis];
    for (const p of [before, after]) {
      if (!Number.isInteger(p) || p < 0 || p > n - edge) throw new Error(`mirrorPad: padding ${p} on axis ${axis} (size ${n}) must be an integer in [0, ${n - edge}] for '${mode}'`);
    }
    if (before === 0 && after === 0) return;
    const idx = [
      ...Array.from({ length: before }, (_, i) => before - i - 1 + edge),
      ...Array.from({ length: n }, (_, i) => i),
      ...Array.from({ length: after }, (_, i) => n - 1 - i - edge),
    ];
    y = gather(y, idx, axis);
  });
  return y;
}

/** TF.js's tf.depthToSpace(x, blockSize, 'NHWC'): [b, h, w, c] -> [b, h * s, w * s, c / s^2]. */
export function depthToSpace(x: Tensor, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor {
  if (dataFormat !== 'NHWC') throw new Error(`depthToSpace: dataFormat must be 'NHWC' (deeptype's layout), got ${JSON.stringify(dataFormat)}`);
  if (x?.rank !== 4) throw new Error(`depthToSpace: x must be [batch, height, width, channels], got rank ${x?.rank}`);
  const [b, h, w, c] = x.shape;
  if (!Number.isInteger(blockSize) || blockSize < 2) throw new Error(`depthToSpace: blockSize must be an integer >= 2, got ${blockSize}`);
  if (c % (blockSize * blockSize) !== 0) throw new Error(`depthToSpace: channels (${c}) must be divisible by blockSize^2 (${blockSize * blockSize})`);
  const out = c / (blockSize * blockSize);
  return reshape(transpose(reshape(x, [b, h, w, blockSize, blockSize, out]), [0, 1, 3, 2, 4, 5]), [b, h * blockSize, w * blockSize, out]);
}

function checkBlocks(what: string, x: Tensor, blockShape: number[], pairs: [number, number][], pairsName: string): void {
  const m = blockShape?.length;
  if (!Array.isArray(blockShape) || m < 1 || blockShape.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`${what}: blockShape must be a list of positive integers, got ${JSON.stringify(blockShape)}`);
  if (x.rank < m + 1) throw new Error(`${what}: x (shape ${formatShape(x.shape)}) needs a batch axis and ${m} spatial axes for blockShape ${JSON.stringify(blockShape)}`);
  if (!Array.isArray(pairs) || pairs.length !== m || pairs.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new Error(`${what}: ${pairsName} must be ${m} [start, end] pairs of non-negative integers, got ${JSON.stringify(pairs)}`);
  }
}

/**
 * TF.js's tf.spaceToBatchND(x, blockShape, paddings): the spatial axes 1..M padded, then cut
 * into blocks that become batch entries: [b, ...s, ...rest] -> [b * prod(blockShape), ...s / block, ...rest].
 */
export function spaceToBatchND(x: Tensor, blockShape: number[], paddings: [number, number][]): Tensor {
  checkBlocks('spaceToBatchND', x, blockShape, paddings, 'paddings');
  const m = blockShape.length;
  const padded = pad(x, x.shape.map((_, i) => (i >= 1 && i <= m ? paddings[i - 1] : [0, 0] as [number, number])));
  const s = padded.shape, b = s[0], rest = s.slice(m + 1);
  blockShape.forEach((k, i) => {
    if (s[i + 1] % k !== 0) throw new Error(`spaceToBatchND: padded axis ${i + 1} (${s[i + 1]}) must be divisible by blockShape[${i}] (${k})`);
  });
  const split = [b, ...blockShape.flatMap((k, i) => [s[i + 1] / k, k]), ...rest];
  const perm = [...blockShape.map((_, i) => 2 + 2 * i), 0, ...blockShape.map((_, i) => 1 + 2 * i), ...rest.map((_, i) => 1 + 2 * m + i)];
  const blocks = blockShape.reduce((p, k) => p * k, 1);
  return reshape(transpose(reshape(padded, split), perm), [b * blocks, ...blockShape.map((k, i) => s[i + 1] / k), ...rest]);
}

/** TF.js's tf.batchToSpaceND(x, blockShape, crops): the inverse of spaceToBatchND, then crops cut off. */
export function batchToSpaceND(x: Tensor, blockShape: number[], crops: [number, number][]): Tensor {
  checkBlocks('batchToSpaceND', x, blockShape, crops, 'crops');
  const m = blockShape.length, s = x.shape, rest = s.slice(m + 1);
  const blocks = blockShape.reduce((p, k) => p * k, 1);
  if (s[0] % blocks !== 0) throw new Error(`batchToSpaceND: the batch (${s[0]}) must be divisible by the product of blockShape (${blocks})`);
  const b = s[0] / blocks;
  const split = [...blockShape, b, ...s.slice(1)];
  const perm = [m, ...blockShape.flatMap((_, i) => [m + 1 + i, i]), ...rest.map((_, i) => 2 * m + 1 + i)];
  const full = reshape(transpose(reshape(x, split), perm), [b, ...blockShape.map((k, i) => s[i + 1] * k), ...rest]);
  crops.forEach(([a, z], i) => {
    if (a + z > full.shape[i + 1]) throw new Error(`batchToSpaceND: crops [${a}, ${z}] on axis ${i + 1} exceed its size ${full.shape[i + 1]}`);
  });
  return slice(full, full.shape.map((_, i) => (i >= 1 && i <= m ? crops[i - 1][0] : 0)), full.shape.map((n, i) => (i >= 1 && i <= m ? n - crops[i - 1][0] - crops[i - 1][1] : n)));
}

const bit = (mask: number, i: number): boolean => ((mask >> i) & 1) === 1;

/**
 * TF.js's tf.stridedSlice(x, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask,
 * shrinkAxisMask), TensorFlow's rules: negative indices count from the end, negative strides walk
 * backwards, a mask bit ignores that entry's begin / end, fills the axes it skips (ellipsis),
 * inserts a size-1 axis, or picks one index and drops the axis. A slice, a reverse and a reshape.
 */
export function stridedSlice(x: Tensor, begin: number[], end: number[], strides?: number[], beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0): Tensor {
  const m = begin?.length;
  if (!Array.isArray(begin) || !Array.isArray(end) || end.length !== m || (strides && strides.length !== m)) {
    throw new Error(`stridedSlice: begin, end (and strides) must be lists of one length, got ${JSON.stringify([begin, end, strides])}`);
  }
  const s = strides ?? begin.map(() => 1);
  if (s.some((v) => !Number.isInteger(v) || v === 0)) throw new Error(`stridedSlice: strides must be non-zero integers, got ${JSON.stringify(s)}`);
  const ellipses = Array.from({ length: m }, (_, i) => i).filter((i) => bit(ellipsisMask, i));
  if (ellipses.length > 1) throw new Error('stridedSlice: at most one ellipsis (one bit of ellipsisMask)');
  // Spec entries in order; an ellipsis (or, without one, the end of the spec) covers the axes left.
  const consuming = Array.from({ length: m }, (_, i) => i).filter((i) => !bit(newAxisMask, i) && !bit(ellipsisMask, i)).length;
  if (consuming > x.rank) throw new Error(`stridedSlice: the spec indexes ${consuming} axes, x has ${x.rank} (shape ${formatShape(x.shape)})`);
  type Entry = { kind: 'new' } | { kind: 'axis'; b: number; e: number; s: number; bm: boolean; em: boolean; shrink: boolean };
  const entries: Entry[] = [];
  const full = (): Entry => ({ kind: 'axis', b: 0, e: 0, s: 1, bm: true, em: true, shrink: false });
  for (let i = 0; i < m; i++) {
    if (bit(ellipsisMask, i)) for (let k = 0; k < x.rank - consuming; k++) entries.push(full());
    else if (bit(newAxisMask, i)) entries.push({ kind: 'new' });
    else entries.push({ kind: 'axis', b: begin[i], e: end[i], s: s[i], bm: bit(beginMask, i), em: bit(endMask, i), shrink: bit(shrinkAxisMask, i) });
  }
  if (ellipses.length === 0) for (let k = consuming; k < x.rank; k++) entries.push(full());
  const starts: number[] = [], sizes: number[] = [], steps: number[] = [], flip: number[] = [], outShape: number[] = [];
  let d = 0;
  for (const en of entries) {
    if (en.kind === 'new') { outShape.push(1); continue; }
    const n = x.shape[d];
    if (en.shrink) {
      const idx = en.b < 0 ? en.b + n : en.b;
      if (!(idx >= 0 && idx < n)) throw new Error(`stridedSlice: index ${en.b} on axis ${d} (size ${n}) is out of range`);
      starts.push(idx); sizes.push(1); steps.push(1);
    } else {
      const clampTo = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
      const norm = (v: number) => (v < 0 ? v + n : v);
      let b: number, e: number;
      if (en.s > 0) {
        b = en.bm ? 0 : clampTo(norm(en.b), 0, n);
        e = en.em ? n : clampTo(norm(en.e), 0, n);
      } else {
        b = en.bm ? n - 1 : clampTo(norm(en.b), -1, n - 1);
        e = en.em ? -1 : clampTo(norm(en.e), -1, n - 1);
      }
      const count = Math.max(0, Math.ceil((e - b) / en.s));
      // A backwards walk is the forward slice from its last element, reversed.
      starts.push(count === 0 ? 0 : en.s > 0 ? b : b + (count - 1) * en.s);
      sizes.push(count); steps.push(Math.abs(en.s));
      if (en.s < 0 && count > 1) flip.push(d);
      outShape.push(count);
    }
    d++;
  }
  let y = slice(x, starts, sizes, steps);
  if (flip.length > 0) y = reverse(y, flip);
  return reshape(y, outShape);
}
