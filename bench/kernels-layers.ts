// Memory-bound kernels of the layers beyond the seed's (pooling, resizing, activations, casts):
// GB/s of bytes read plus written, next to a plain copy of the same memory (the machine's limit
// for this access pattern, measured in the same run). Called by bench/kernels.ts.
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { PoolInfo, ResizeInfo, UnaryOp } from '../src/backends/backend.ts';

export function layerKernelRows(backend: WasmBackend, f32: (n: number) => Float32Array, time: (fn: () => void) => number): string[][] {
  const rows: string[][] = [['kernel', 'shape', 'ms', 'GB/s']];
  const add = (kernel: string, shape: string, bytes: number, fn: () => void): void => {
    const s = time(fn);
    rows.push([kernel, shape, (s * 1e3).toFixed(3), (bytes / s / 1e9).toFixed(1)]);
  };
  // The limit: copying 8 MiB inside wasm memory (read + write), one thread.
  const n = 1 << 21, src = f32(n), dst = f32(n);
  add('copy (TypedArray.set, limit)', `${n} floats`, 8 * n, () => dst.set(src));

  const pool: PoolInfo = { batch: 32, inH: 28, inW: 28, channels: 32, outH: 14, outW: 14, poolH: 2, poolW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 };
  const x = f32(32 * 28 * 28 * 32), y = f32(32 * 14 * 14 * 32), dx = f32(x.length);
  add('avgPool2d', '[32,28,28,32] 2x2', 4 * (x.length + y.length), () => backend.avgPool2d(x, y, pool));
  add('avgPool2dBackward', '[32,28,28,32] 2x2', 4 * (x.length + y.length), () => backend.avgPool2dBackward(y, dx, pool));

  const up: ResizeInfo = { batch: 32, inH: 14, inW: 14, channels: 32, outH: 28, outW: 28, bilinear: true };
  add('resize bilinear', '[32,14,14,32] -> 28x28', 4 * (x.length + y.length), () => backend.resize(y, x, up));
  add('resizeBackward bilinear', '[32,14,14,32] -> 28x28', 4 * (x.length + y.length), () => backend.resizeBackward(x, y, up));
  add('resize nearest', '[32,14,14,32] -> 28x28', 4 * (x.length + y.length), () => backend.resize(y, x, { ...up, bilinear: false }));

  for (const op of ['elu', 'selu', 'softplus', 'softsign', 'erf', 'relu'] as UnaryOp[]) add(`unary ${op}`, `${n} floats`, 8 * n, () => backend.unary(op, src, dst));
  const at = backend.mem.reserve(n); // may grow memory: take the buffer after
  const mask = new Uint8Array(backend.mem.buffer, at, n);
  add('cast uint8 -> float32', `${n} values`, 5 * n, () => backend.cast(mask, dst));
  return rows;
}
