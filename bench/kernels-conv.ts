// bench:kernels rows for the convolution family beyond the seed's shapes: strided and dilated
// direct convolutions, a 3-channel stride-2 stem, grouped, depthwise (MobileNet) and
// transposed (autoencoder) convolutions, and the relu epilogue. Arrays live in wasm memory.
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { convInfo, poolInfo } from '../src/ops/conv.ts';

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
  rows.push(...zooInferenceRows(backend, f32, time));
  return rows;
}

// The zoo's main inference convolutions (issue #15), batch 64, as the predict plans call them
// (BatchNormalization folded, relu epilogue; ResNet's block ends through conv2dResidual), and
// a few at batch 1 (latency). auto = the algorithm the backend picks (Winograd or direct).
const ZOO_SHAPES: [string, number, number, number, number, number, number][] = [
  // [name, batch, hw, inC, outC, kernel, stride]
  ['VGG 3x3, 32->32', 64, 32, 32, 32, 3, 1], ['VGG 3x3, 32->64', 64, 16, 32, 64, 3, 1], ['VGG 3x3, 64->64', 64, 16, 64, 64, 3, 1],
  ['VGG 3x3, 64->128', 64, 8, 64, 128, 3, 1], ['VGG 3x3, 128->128', 64, 8, 128, 128, 3, 1],
  ['ResNet 3x3, 16->16', 64, 32, 16, 16, 3, 1], ['ResNet 3x3, 32->32', 64, 16, 32, 32, 3, 1], ['ResNet 3x3, 64->64', 64, 8, 64, 64, 3, 1],
  ['MobileNet 1x1, 64->128', 64, 16, 64, 128, 1, 1], ['MobileNet 1x1, 128->128', 64, 16, 128, 128, 1, 1], ['MobileNet 1x1, 256->256', 64, 8, 256, 256, 1, 1],
  ['VGG 3x3, 64->128 (batch 1)', 1, 8, 64, 128, 3, 1], ['ResNet 3x3, 16->16 (batch 1)', 1, 32, 16, 16, 3, 1], ['MobileNet 1x1, 128->128 (batch 1)', 1, 16, 128, 128, 1, 1],
];

function zooInferenceRows(backend: WasmBackend, f32: (n: number) => Float32Array, time: Time): string[][] {
  const rows: string[][] = [];
  for (const [name, batch, hw, c, f, k, strides] of ZOO_SHAPES) {
    const info = convInfo([batch, hw, hw, c], [k, k, c, f], { strides, padding: 'same' });
    const x = f32(batch * hw * hw * c), w = f32(k * k * c * f), b = f32(f);
    const n = batch * info.outH * info.outW * f, y = f32(n), r = f32(n);
    const flops = 2 * n * k * k * c, label = `zoo: ${name} [${batch},${hw},${hw},${c}]`;
    const add = (kernel: string, s: number): void => { rows.push([kernel, label, (s * 1e3).toFixed(3), (flops / s / 1e9).toFixed(1)]); };
    add('conv2dActivation (auto)', time(() => backend.conv2dActivation(x, w, b, y, info, 'relu')));
    if (k === 3 && c % 4 === 0 && f % 4 === 0) {
      for (const alg of ['direct', 'winograd'] as const) add(`conv2dActivation (${alg})`, time(() => { backend.convAlgorithm = alg; backend.conv2dActivation(x, w, b, y, info, 'relu'); }));
      backend.convAlgorithm = 'auto';
    }
    if (name.startsWith('ResNet')) add('conv2dResidual (auto, relu)', time(() => backend.conv2dResidual(x, w, b, r, y, info, 'relu')));
    if (name.startsWith('VGG') && c === f) {
      // VGG's second convolution of a stage feeds a 2x2 max pooling (conv2dMaxPool in the plan).
      const pi = poolInfo([batch, hw, hw, f], 2, 2, 'valid');
      // reserve first: it may grow the memory, and a view must be of the grown buffer.
      const pooled = f32(n / 4), at = backend.mem.reserve(n), argmax = new Int32Array(backend.mem.buffer, at, n / 4);
      for (const alg of ['direct', 'auto'] as const) add(`conv2dMaxPool (${alg === 'direct' ? 'fused direct' : 'auto'})`, time(() => { backend.convAlgorithm = alg; backend.conv2dMaxPool(x, w, null, pooled, argmax, info, pi); }));
      backend.convAlgorithm = 'auto';
    }
  }
  return rows;
}
