// TF.js's ops that move blocks of values between axes, composed from reshape, transpose, pad,
// slice and gather (so each differentiates and compiles like them): mirrorPad, depthToSpace
// (the sub-pixel upsampling of super-resolution nets), spaceToBatchND and batchToSpaceND.
import type { Tensor } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { reshape, slice, transpose } from './layout.ts';
import { pad } from './spatial.ts';
import { gather } from './indexing.ts';

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
