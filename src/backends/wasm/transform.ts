// The wasm backend's projective image transform (assembly/transform.ts), the kernel behind
// RandomRotation, RandomTranslation, RandomZoom, RandomFlip and RandomCrop: the forward pass on
// threads over output rows, its gradient over images. Anything not float32 goes to the
// reference kernel.
import type { TypedArray } from '../../core/dtype.ts';
import type { TransformInfo } from '../backend.ts';
import * as ref from '../js/image-transform.ts';
import type { WasmBackend } from './index.ts';

/** The kernels that run on the thread pool (added to the backend's list of parallel kernels). */
export const TRANSFORM_KERNELS = ['imageTransform', 'imageTransformBackward'];
const FILL_CODES = { reflect: 0, wrap: 1, constant: 2, nearest: 3 } as const;
/** Below this many output floats a transform runs on the calling thread (waking workers costs more). */
const SMALL = 1 << 14;
type Buf = Float32Array;
const f32 = (...xs: TypedArray[]): boolean => xs.every((x) => x instanceof Float32Array);

function flags(info: TransformInfo): number {
  return (info.bilinear ? 1 : 0) | (FILL_CODES[info.fillMode] << 1) | (info.shared ? 8 : 0);
}

export function imageTransform(b: WasmBackend, x: TypedArray, transforms: TypedArray, out: TypedArray, info: TransformInfo): void {
  if (!f32(x, transforms, out)) return ref.imageTransform(x, transforms, out, info);
  const { batch, inH, inW, channels, outH, outW } = info;
  const fillBits = new Int32Array(Float32Array.of(info.fillValue).buffer)[0];
  const rows = batch * outH;
  b.inWasm([x as Buf, transforms as Buf], [out as Buf], ([px, pt], [po]) =>
    b.par('imageTransform', [px, pt, po, inH, inW, channels, outH, outW, flags(info), fillBits], rows, 1, out.length < SMALL ? rows : undefined));
}

export function imageTransformBackward(b: WasmBackend, dy: TypedArray, transforms: TypedArray, dx: TypedArray, info: TransformInfo): void {
  if (!f32(dy, transforms, dx)) return ref.imageTransformBackward(dy, transforms, dx, info);
  const { batch, inH, inW, channels, outH, outW } = info;
  b.inWasm([dy as Buf, transforms as Buf], [dx as Buf], ([pdy, pt], [pdx]) =>
    b.par('imageTransformBackward', [pdy, pt, pdx, inH, inW, channels, outH, outW, flags(info)], batch, 1, dy.length < SMALL ? batch : undefined));
}
