// NumPy's .npy and .npz files (Keras ships MNIST as mnist.npz): a magic string, a header
// (a Python dict literal with descr, fortran_order and shape), then the raw C-order values.
import { unzipSync } from 'fflate';
import type { Tensor } from '../core/tensor.ts';
import { numpyToTensor } from './pickle.ts';

export function parseNpy(bytes: Uint8Array, name: string): Tensor {
  const fail = (why: string): never => { throw new Error(`.npy ${name}: ${why}`); };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) fail('not a NumPy .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [lengthAt, lengthSize] = major === 1 ? [8, 2] : [8, 4];
  const headerLength = lengthSize === 2 ? view.getUint16(lengthAt, true) : view.getUint32(lengthAt, true);
  const start = lengthAt + lengthSize;
  if (bytes.length < start + headerLength) fail('truncated header');
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? fail(`no descr in header ${header.trim()}`);
  if (/'fortran_order':\s*True/.test(header)) fail('Fortran-ordered arrays are not supported');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail(`no shape in header ${header.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return numpyToTensor(descr, shape, bytes.subarray(start + headerLength), `.npy ${name}`);
}

/** The arrays of an .npz (a zip of .npy files), by name without the .npy. */
export function parseNpz(bytes: Uint8Array, name: string): Record<string, Tensor> {
  let files: Record<string, Uint8Array>;
  try { files = unzipSync(bytes); } catch (e) { throw new Error(`.npz ${name}: not a readable zip file (${(e as Error).message})`); }
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k.replace(/\.npy$/, ''), parseNpy(v, `${name}/${k}`)]));
}
