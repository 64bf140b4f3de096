// TF.js's object-detection helpers in tf.image: cropAndResize (crops of boxes, resized; built
// from gathers and lerps whose indices and weights are ops of the boxes tensor, so it
// differentiates in the image and the boxes and compiles like any op) and the non-max
// suppressions (greedy, TF's algorithm with its soft-NMS variant; their output size depends on
// the values, so they run on read values, eagerly, as in TF.js).
import { Tensor, tensor, scalar } from '../core/tensor.ts';
import { formatShape } from '../core/shape.ts';
import { add, div, greaterEqual, lessEqual, maximum, minimum, mul, sub } from './elementwise.ts';
import { floor, ceil, logicalAnd } from './math.ts';
import { cast, expandDims, reshape, slice } from './layout.ts';
import { gather, where } from './indexing.ts';

const isTensor = (t: unknown): t is Tensor => t instanceof Tensor;

function checkCropArgs(image: Tensor, boxes: Tensor, boxInd: Tensor, cropSize: readonly number[], method: string, extrapolationValue: number): void {
  const where = 'image.cropAndResize';
  if (!isTensor(image) || image.rank !== 4) throw new Error(`${where}: image must be a [batch, height, width, channels] tensor, got ${isTensor(image) ? `shape ${formatShape(image.shape)}` : typeof image}`);
  if (!isTensor(boxes) || boxes.rank !== 2 || boxes.shape[1] !== 4) throw new Error(`${where}: boxes must be [numBoxes, 4] (y1, x1, y2, x2, normalized), got ${isTensor(boxes) ? `shape ${formatShape(boxes.shape)}` : typeof boxes}`);
  if (!isTensor(boxInd) || boxInd.rank !== 1 || boxInd.shape[0] !== boxes.shape[0]) throw new Error(`${where}: boxInd must be [numBoxes] = [${boxes.shape[0]}] image indices, got ${isTensor(boxInd) ? `shape ${formatShape(boxInd.shape)}` : typeof boxInd}`);
  if (boxInd.dtype !== 'int32') throw new Error(`${where}: boxInd must be int32, got ${boxInd.dtype}`);
  const bad = Array.from(boxInd.data).findIndex((b) => !(b >= 0 && b < image.shape[0]));
  if (bad >= 0) throw new Error(`${where}: boxInd[${bad}] is ${boxInd.data[bad]}, outside the batch of ${image.shape[0]} images`);
  if (!Array.isArray(cropSize) || cropSize.length !== 2 || !cropSize.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`${where}: cropSize must be [cropHeight, cropWidth], two positive integers, got ${JSON.stringify(cropSize)}`);
  if (method !== 'bilinear' && method !== 'nearest') throw new Error(`${where}: method must be 'bilinear' or 'nearest', got ${JSON.stringify(method)}`);
  if (typeof extrapolationValue !== 'number') throw new Error(`${where}: extrapolationValue must be a number, got ${typeof extrapolationValue}`);
}

/**
 * The source coordinate of every crop row (or column) as TF computes it: [numBoxes, cropSize].
 * lo/hi are box edges ([numBoxes, 1], normalized), size the image's extent.
 */
function sourceCoords(lo: Tensor, hi: Tensor, size: number, crop: number): Tensor {
  if (crop === 1) return mul(add(lo, hi), 0.5 * (size - 1));
  const scale = div(mul(sub(hi, lo), size - 1), crop - 1); // TF's order: (y2 - y1) * (height - 1) / (cropHeight - 1)
  const steps = tensor(Array.from({ length: crop }, (_, i) => i), [1, crop], lo.dtype);
  return add(mul(lo, size - 1), mul(steps, scale));
}

/**
 * TF.js's tf.image.cropAndResize(image, boxes, boxInd, cropSize, method = 'bilinear',
 * extrapolationValue = 0): for each box [y1, x1, y2, x2] (normalized; flipped boxes flip the
 * crop) of image boxInd[i], a cropHeight x cropWidth sampling; samples outside the image take
 * extrapolationValue. Returns [numBoxes, cropHeight, cropWidth, channels].
 */
export function cropAndResize(image: Tensor, boxes: Tensor, boxInd: Tensor, cropSize: [number, number], method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0): Tensor {
  checkCropArgs(image, boxes, boxInd, cropSize, method, extrapolationValue);
  const [, h, w, c] = image.shape, [ch, cw] = cropSize, n = boxes.shape[0];
  const img = image.dtype === 'float32' || image.dtype === 'float64' ? image : cast(image, 'float32');
  // Nearest samples take their coordinates in float64, as TF.js: in float32 a coordinate just
  // under a .5 tie can round onto it (0.7f * 5 = 3.49999994 is 3.5 in float32) and pick the next pixel.
  const coordType = method === 'nearest' ? 'float64' : img.dtype;
  const b = boxes.dtype === coordType ? boxes : cast(boxes, coordType);
  const edge = (k: number) => slice(b, [0, k], [n, 1]);
  const inY = sourceCoords(edge(0), edge(2), h, ch), inX = sourceCoords(edge(1), edge(3), w, cw); // [n, ch|1], [n, cw|1]
  const inside = (v: Tensor, size: number) => logicalAnd(greaterEqual(v, 0), lessEqual(v, size - 1));
  const valid = logicalAnd(expandDims(inside(inY, h), 2), expandDims(inside(inX, w), 1)); // [n, ch, cw]
  // Row indices of each box's image, clamped into it (samples outside are replaced below).
  const base = reshape(mul(boxInd, h * w), [n, 1, 1]);
  const index = (ys: Tensor, xs: Tensor): Tensor => {
    const yi = cast(minimum(maximum(ys, 0), h - 1), 'int32'), xi = cast(minimum(maximum(xs, 0), w - 1), 'int32');
    return add(base, add(expandDims(mul(yi, w), 2), expandDims(xi, 1)));
  };
  const pixels = reshape(img, [image.shape[0] * h * w, c]);
  const at = (ys: Tensor, xs: Tensor): Tensor => gather(pixels, index(ys, xs), 0); // [n, ch, cw, c]
  let out: Tensor;
  if (method === 'nearest') {
    // TF rounds half away from zero; the coordinates used are >= 0, where that is floor(v + 0.5).
    out = at(floor(add(inY, 0.5)), floor(add(inX, 0.5)));
  } else {
    const top = floor(inY), bottom = ceil(inY), left = floor(inX), right = ceil(inX);
    const yLerp = reshape(sub(inY, top), [n, inY.shape[1], 1, 1]), xLerp = reshape(sub(inX, left), [n, 1, inX.shape[1], 1]);
    const lerp = (a: Tensor, z: Tensor, t: Tensor) => add(a, mul(sub(z, a), t));
    const upper = lerp(at(top, left), at(top, right), xLerp), lower = lerp(at(bottom, left), at(bottom, right), xLerp);
    out = lerp(upper, lower, yLerp);
  }
  return where(expandDims(valid, 3), out, scalar(extrapolationValue, out.dtype));
}

// ---- non-max suppression ----

function iou(boxes: ArrayLike<number>, i: number, j: number): number {
  const [ay1, ax1, ay2, ax2] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
  const [by1, bx1, by2, bx2] = [boxes[4 * j], boxes[4 * j + 1], boxes[4 * j + 2], boxes[4 * j + 3]];
  const areaA = (Math.max(ay1, ay2) - Math.min(ay1, ay2)) * (Math.max(ax1, ax2) - Math.min(ax1, ax2));
  const areaB = (Math.max(by1, by2) - Math.min(by1, by2)) * (Math.max(bx1, bx2) - Math.min(bx1, bx2));
  if (areaA <= 0 || areaB <= 0) return 0;
  const dy = Math.max(0, Math.min(Math.max(ay1, ay2), Math.max(by1, by2)) - Math.max(Math.min(ay1, ay2), Math.min(by1, by2)));
  const dx = Math.max(0, Math.min(Math.max(ax1, ax2), Math.max(bx1, bx2)) - Math.max(Math.min(ax1, ax2), Math.min(bx1, bx2)));
  const overlap = dy * dx;
  return overlap / (areaA + areaB - overlap);
}

interface Candidate { score: number; index: number; checkedUpTo: number }
/** Whether a comes out before b: the higher score, on a tie the lower index (as TF). */
const before = (a: Candidate, b: Candidate): boolean => a.score > b.score || (a.score === b.score && a.index < b.index);

/** A binary max-heap of candidates. */
class Heap {
  items: Candidate[] = [];
  push(c: Candidate): void {
    const a = this.items;
    a.push(c);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Candidate {
    const a = this.items, top = a[0], last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

interface NmsArgs { boxes: Tensor; scores: Tensor; maxOutputSize: number; iouThreshold: number; scoreThreshold: number; softNmsSigma: number }

function checkNms(where: string, { boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma }: NmsArgs): void {
  if (!isTensor(boxes) || boxes.rank !== 2 || boxes.shape[1] !== 4) throw new Error(`${where}: boxes must be [numBoxes, 4] (y1, x1, y2, x2), got ${isTensor(boxes) ? `shape ${formatShape(boxes.shape)}` : typeof boxes}`);
  if (!isTensor(scores) || scores.rank !== 1 || scores.shape[0] !== boxes.shape[0]) throw new Error(`${where}: scores must be [numBoxes] = [${boxes.shape[0]}], got ${isTensor(scores) ? `shape ${formatShape(scores.shape)}` : typeof scores}`);
  if (!Number.isInteger(maxOutputSize) || maxOutputSize < 0) throw new Error(`${where}: maxOutputSize must be an integer >= 0, got ${maxOutputSize}`);
  if (typeof iouThreshold !== 'number' || !(iouThreshold >= 0 && iouThreshold <= 1)) throw new Error(`${where}: iouThreshold must be in [0, 1], got ${iouThreshold}`);
  if (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold)) throw new Error(`${where}: scoreThreshold must be a number, got ${scoreThreshold}`);
  if (typeof softNmsSigma !== 'number' || !(softNmsSigma >= 0)) throw new Error(`${where}: softNmsSigma must be >= 0, got ${softNmsSigma}`);
}

/**
 * Greedy selection by score: a box is dropped when its IoU with a selected one reaches
 * iouThreshold; with softNmsSigma > 0 overlapping boxes' scores decay by exp(-iou^2 / (2 sigma))
 * instead and they compete again with the decayed score.
 */
function suppress(where: string, args: NmsArgs): { indices: number[]; scores: number[] } {
  checkNms(where, args);
  const boxes = args.boxes.data, scores = args.scores.data;
  const { iouThreshold, scoreThreshold, softNmsSigma } = args;
  const maxOut = Math.min(args.maxOutputSize, scores.length);
  const decay = softNmsSigma > 0 ? -0.5 / softNmsSigma : 0;
  const heap = new Heap();
  for (let i = 0; i < scores.length; i++) if (scores[i] > scoreThreshold) heap.push({ score: scores[i], index: i, checkedUpTo: 0 });
  const indices: number[] = [], kept: number[] = [];
  while (indices.length < maxOut && heap.items.length > 0) {
    const c = heap.pop();
    const original = c.score;
    let dropped = false;
    // Each selected box suppresses a candidate once: compare only with those selected since it was last looked at.
    for (let j = indices.length - 1; j >= c.checkedUpTo; j--) {
      const o = iou(boxes, c.index, indices[j]);
      if (o >= iouThreshold) { dropped = true; break; }
      c.score *= o <= iouThreshold ? Math.exp(decay * o * o) : 0;
      if (c.score <= scoreThreshold) break;
    }
    c.checkedUpTo = indices.length;
    if (dropped) continue;
    if (c.score === original) { indices.push(c.index); kept.push(c.score); } else if (c.score > scoreThreshold) heap.push(c);
  }
  return { indices, scores: kept };
}

const int32 = (v: number[]): Tensor => tensor(Int32Array.from(v), [v.length], 'int32');

/** TF.js's tf.image.nonMaxSuppression: the indices of the boxes kept, best first (int32 [<= maxOutputSize]). */
export function nonMaxSuppression(boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity): Tensor {
  return int32(suppress('image.nonMaxSuppression', { boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma: 0 }).indices);
}
export const nonMaxSuppressionAsync = async (...a: Parameters<typeof nonMaxSuppression>): Promise<Tensor> => nonMaxSuppression(...a);

/** With soft-NMS (softNmsSigma > 0) and the kept boxes' (decayed) scores. */
export function nonMaxSuppressionWithScore(boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity, softNmsSigma = 0): { selectedIndices: Tensor; selectedScores: Tensor } {
  const r = suppress('image.nonMaxSuppressionWithScore', { boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma });
  return { selectedIndices: int32(r.indices), selectedScores: tensor(Float32Array.from(r.scores), [r.scores.length]) };
}
export const nonMaxSuppressionWithScoreAsync = async (...a: Parameters<typeof nonMaxSuppressionWithScore>): Promise<{ selectedIndices: Tensor; selectedScores: Tensor }> => nonMaxSuppressionWithScore(...a);

/**
 * With padToMaxOutputSize, the indices padded with 0 to maxOutputSize (at most the number of
 * boxes, as TF.js pads); validOutputs says how many are real.
 */
export function nonMaxSuppressionPadded(boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity, padToMaxOutputSize = false): { selectedIndices: Tensor; validOutputs: Tensor } {
  if (typeof padToMaxOutputSize !== 'boolean') throw new Error(`image.nonMaxSuppressionPadded: padToMaxOutputSize must be a boolean, got ${JSON.stringify(padToMaxOutputSize)}`);
  const { indices } = suppress('image.nonMaxSuppressionPadded', { boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma: 0 });
  const valid = indices.length;
  const padTo = Math.min(maxOutputSize, boxes.shape[0]);
  if (padToMaxOutputSize) while (indices.length < padTo) indices.push(0);
  return { selectedIndices: int32(indices), validOutputs: scalar(valid, 'int32') };
}
export const nonMaxSuppressionPaddedAsync = async (...a: Parameters<typeof nonMaxSuppressionPadded>): Promise<{ selectedIndices: Tensor; validOutputs: Tensor }> => nonMaxSuppressionPadded(...a);
