// The map function bench:data runs on worker threads: read, decode and resize one image file.
// It calls the reference resize kernel directly, so a worker does not start a backend of its own.
import { readFile } from 'node:fs/promises';
import { Tensor } from '../src/core/tensor.ts';
import { resize } from '../src/backends/js/spatial.ts';
import { decodeImage } from '../src/utils/images.ts';

export async function decodeResize(path: string): Promise<Tensor> {
  const img = await decodeImage(await readFile(path), 'rgb', path);
  const out = new Float32Array(32 * 32 * 3);
  resize(img.data, out, { batch: 1, inH: img.shape[0], inW: img.shape[1], channels: 3, outH: 32, outW: 32, bilinear: true });
  return new Tensor(out, [32, 32, 3]);
}
