// bench:kernels rows for the training passes on the zoo's convolution shapes (examples/zoo-models.ts,
// at the zoo's batch sizes): the filter gradient and the input gradient of every distinct
// convolution of VGG-BN, ResNet-20, MobileNet-style and the autoencoder. Arrays live in wasm memory.
// Standalone: node --import tsx bench/kernels-train.ts [--threads N] [--only SUBSTRING]
import type { WasmBackend } from '../src/backends/wasm/index.ts';
import type { ConvInfo } from '../src/backends/backend.ts';
import { convInfo } from '../src/ops/conv.ts';

type Time = (fn: () => void) => number;

/** A zoo convolution: model, input [batch, h, w, c], kernel [kh, kw, c, f], stride, groups. */
export interface ZooConv { name: string; x: number[]; w: number[]; strides?: number; groups?: number }

const c = (name: string, batch: number, hw: number, inC: number, outC: number, k = 3, strides = 1): ZooConv =>
  ({ name, x: [batch, hw, hw, inC], w: [k, k, inC, outC], strides });
const dw = (name: string, batch: number, hw: number, ch: number, strides = 1): ZooConv =>
  ({ name, x: [batch, hw, hw, ch], w: [3, 3, 1, ch], strides, groups: ch });

export const ZOO_CONVS: ZooConv[] = [
  c('vgg', 64, 32, 3, 32), c('vgg', 64, 32, 32, 32), c('vgg', 64, 16, 32, 64), c('vgg', 64, 16, 64, 64),
  c('vgg', 64, 8, 64, 128), c('vgg', 64, 8, 128, 128),
  c('resnet20', 64, 32, 3, 16), c('resnet20', 64, 32, 16, 16), c('resnet20', 64, 32, 16, 32, 3, 2), c('resnet20', 64, 32, 16, 32, 1, 2),
  c('resnet20', 64, 16, 32, 32), c('resnet20', 64, 16, 32, 64, 3, 2), c('resnet20', 64, 16, 32, 64, 1, 2), c('resnet20', 64, 8, 64, 64),
  c('mobilenet', 32, 64, 3, 32, 3, 2), dw('mobilenet', 32, 32, 32), c('mobilenet', 32, 32, 32, 64, 1), dw('mobilenet', 32, 32, 64, 2),
  c('mobilenet', 32, 16, 64, 128, 1), dw('mobilenet', 32, 16, 128), c('mobilenet', 32, 16, 128, 128, 1), dw('mobilenet', 32, 16, 128, 2),
  c('mobilenet', 32, 8, 128, 256, 1), dw('mobilenet', 32, 8, 256), c('mobilenet', 32, 8, 256, 256, 1), dw('mobilenet', 32, 8, 256, 2),
  c('mobilenet', 32, 4, 256, 512, 1),
  c('autoencoder', 64, 28, 1, 32), c('autoencoder', 64, 14, 32, 64), c('autoencoder', 64, 28, 64, 32), c('autoencoder', 64, 28, 32, 1),
];

export function zooConvInfo(s: ZooConv): ConvInfo {
  return convInfo(s.x, s.w, { strides: s.strides, padding: 'same', groups: s.groups });
}

export const zooConvLabel = (s: ZooConv): string =>
  `${s.name} ${s.w[0]}x${s.w[1]}/${s.strides ?? 1}${s.groups ? ' dw' : ''} ${s.x[3]}->${s.groups ? s.x[3] : s.w[3]} [${s.x}]`;

/** Rows [kernel, shape, ms, GFLOP/s] for the training passes of each zoo convolution. */
export function trainingConvRows(backend: WasmBackend, f32: (n: number) => Float32Array, time: Time, only = ''): string[][] {
  const rows: string[][] = [];
  for (const s of ZOO_CONVS) {
    const label = zooConvLabel(s);
    if (only && !label.includes(only)) continue;
    const info = zooConvInfo(s);
    const size = (d: number[]): number => d.reduce((a, b) => a * b, 1);
    const x = f32(size(s.x)), w = f32(size(s.w)), dy = f32(info.batch * info.outH * info.outW * info.outC), dx = f32(x.length), dwt = f32(w.length);
    const flops = 2 * info.batch * info.outH * info.outW * info.outC * info.kH * info.kW * (info.inC / info.groups);
    const row = (kernel: string, sec: number): void => { rows.push([kernel, label, (sec * 1e3).toFixed(3), (flops / sec / 1e9).toFixed(1)]); };
    row('conv2dBackpropFilter', time(() => backend.conv2dBackpropFilter(x, dy, dwt, info)));
    if (s.x[3] > 3) row('conv2dBackpropInput', time(() => backend.conv2dBackpropInput(dy, w, dx, info)));
  }
  return rows;
}
