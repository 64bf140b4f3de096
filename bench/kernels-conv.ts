// bench:kernels rows for the convolution family beyond the seed's shapes: strided and dilated
// direct convolutions, a 3-channel stride-2 stem, grouped, depthwise (MobileNet) and
// transposed (autoencoder) convolutions, and the relu epilogue. Arrays live in wasm memory.
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { convInfo } from '../src/ops/conv.ts';

type Time = (fn: () => void) => number;

interface Shape { name: string; x: number[]; w: number[]; strides?: number; dilations?: number; groups?: number; padding?: 'same' | 'valid' }

const SHAPES: Shape[] = [
  { name: 'CIFAR stem 3x3/2, 3->32', x: [32, 32, 32, 3], w: [3, 3, 3, 32], strides: 2, padding: 'same' },
  { name: 'stride-2 3x3, 32->64', x: [32, 16, 16, 32], w: [3, 3, 32, 64], strides: 2, padding: 'same' },
  { name: 'stride-1 3x3, 32->32', x: [32, 16, 16, 32], w: [3, 3, 32, 32], padding: 'same' },
  { name: 'dilated 3x3 (d=2), 32->32', x: [32, 16, 16, 32], w: [3, 3, 32, 32], dilations: 2, padding: 'same' },
  { name: 'grouped 3x3 (g=4), 64->64', x: [32, 16, 16, 64], w: [3, 3, 16, 64], groups: 4, padding: 'same' },
  { name: 'MobileNet depthwise 3x3, 32 ch', x: [32, 32, 32, 32], w: [3, 3, 1, 32], groups: 32, padding: 'same' },
  { name: 'depthwise 3x3/2, 64 ch', x: [32, 32, 32, 64], w: [3, 3, 1, 64], groups: 64, strides: 2, padding: 'same' },
];

export function convFamilyRows(backend: WasmBackend, f32: (n: number) => Float32Array, time: Time): string[][] {
  const rows: string[][] = [];
  const row = (kernel: string, shape: string, flops: number, s: number): void => { rows.push([kernel, shape, (s * 1e3).toFixed(3), (flops / s / 1e9).toFixed(1)]); };
  for (const sh of SHAPES) {
    const info: ConvInfo = convInfo(sh.x, sh.w, { strides: sh.strides, padding: sh.padding, dilations: sh.dilations, groups: sh.groups });
    const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
    const x = f32(size(sh.x)), w = f32(size(sh.w)), b = f32(info.outC);
    const y = f32(info.batch * info.outH * info.outW * info.outC), dx = f32(x.length), dw = f32(w.length);
    const flops = 2 * info.batch * info.outH * info.outW * info.outC * info.kH * info.kW * (info.inC / info.groups);
    const label = `${sh.name} [${sh.x}]`;
    row('conv2d', label, flops, time(() => backend.conv2d(x, w, b, y, info)));
    row('conv2dActivation (relu)', label, flops, time(() => backend.conv2dActivation(x, w, b, y, info, 'relu')));
    if (sh.x[3] > 3) row('conv2dBackpropInput', label, flops, time(() => backend.conv2dBackpropInput(y, w, dx, info)));
    row('conv2dBackpropFilter', label, flops, time(() => backend.conv2dBackpropFilter(x, y, dw, info)));
  }
  // An autoencoder decoder's transposed convolution: [64, 7, 7, 32] -> [64, 14, 14, 16], 3x3, strides 2.
  {
    const info = convInfo([64, 14, 14, 16], [3, 3, 16, 32], { strides: 2, padding: 'same' });
    const x = f32(64 * 7 * 7 * 32), w = f32(3 * 3 * 16 * 32), y = f32(64 * 14 * 14 * 16);
    const flops = 2 * 64 * 7 * 7 * 32 * 9 * 16;
    row('conv2dTranspose (input-gradient kernel)', 'autoencoder 3x3/2 [64,7,7,32] -> 16', flops, time(() => backend.conv2dBackpropInput(x, w, y, info)));
  }
  // Winograd F(2x2, 3x3) against the direct kernel on the stride-1 3x3 shapes where auto picks it
  // (its GFLOP/s count the direct convolution's multiply-adds: effective throughput).
  for (const [hw, c] of [[16, 64], [8, 128]]) {
    const info = convInfo([32, hw, hw, c], [3, 3, c, c], { padding: 'same' });
    const x = f32(32 * hw * hw * c), w = f32(9 * c * c), y = f32(x.length);
    const flops = 2 * 32 * hw * hw * c * 9 * c, label = `stride-1 3x3, ${c}->${c} [32,${hw},${hw},${c}]`;
    for (const alg of ['direct', 'winograd'] as const) {
      row(`conv2d (${alg})`, label, flops, time(() => { backend.convAlgorithm = alg; backend.conv2d(x, w, null, y, info); }));
    }
    backend.convAlgorithm = 'auto';
  }
  return rows;
}
